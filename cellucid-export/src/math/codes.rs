//! Categorical code widths, including this project's `auto` (format.md §14, §26 (b)).

/// The width of every categorical codes payload of an export (`cellucid-format`'s
/// [`CodesDtype`](cellucid_format::CodesDtype): `U8` carries ≤ 255 categories, `U16` ≤ 65,535;
/// the capacity equals the missing marker).
pub type CodesWidth = cellucid_format::CodesDtype;

/// A field has more categories than the chosen width carries.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Field '{field}' has {n_categories} categories, but {} supports at most {}. {}", .width.name(), .width.missing(), fix_hint(*.width))]
pub struct CodesWidthError {
    /// The obs key.
    pub field: String,
    /// Its number of categories.
    pub n_categories: usize,
    /// The width that is too small.
    pub width: CodesWidth,
}

fn fix_hint(width: CodesWidth) -> &'static str {
    match width {
        CodesWidth::U8 => "Use obs_categorical_dtype 'uint16' or 'auto', or leave the field out with obs_keys.",
        CodesWidth::U16 => "The viewer supports at most 65535 categories: leave the field out with obs_keys or merge categories.",
    }
}

/// Resolves the codes width: `requested = None` is `auto` (uint8 when every field has ≤ 255
/// categories, also when there is none, else uint16). `fields` lists `(obs key, n_categories)`.
///
/// # Errors
/// [`CodesWidthError`] naming the first field that does not fit the (resolved) width.
pub fn resolve_codes_width<'a, I>(
    requested: Option<CodesWidth>,
    fields: I,
) -> Result<CodesWidth, CodesWidthError>
where
    I: IntoIterator<Item = (&'a str, usize)> + Clone,
{
    let width = requested.unwrap_or_else(|| {
        if fields
            .clone()
            .into_iter()
            .all(|(_, n)| n <= usize::from(CodesWidth::U8.missing()))
        {
            CodesWidth::U8
        } else {
            CodesWidth::U16
        }
    });
    match fields
        .into_iter()
        .find(|&(_, n)| n > usize::from(width.missing()))
    {
        Some((field, n_categories)) => Err(CodesWidthError {
            field: field.to_string(),
            n_categories,
            width,
        }),
        None => Ok(width),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_picks_the_smallest_width_and_explicit_widths_are_checked() {
        assert_eq!(resolve_codes_width(None, []), Ok(CodesWidth::U8));
        assert_eq!(
            resolve_codes_width(None, [("a", 255), ("b", 3)]),
            Ok(CodesWidth::U8)
        );
        assert_eq!(resolve_codes_width(None, [("a", 256)]), Ok(CodesWidth::U16));
        assert_eq!(
            resolve_codes_width(Some(CodesWidth::U16), [("a", 3)]),
            Ok(CodesWidth::U16)
        );
        let err = resolve_codes_width(Some(CodesWidth::U8), [("a", 3), ("big", 300)])
            .expect_err("too many");
        assert_eq!(err.field, "big");
        assert!(err
            .to_string()
            .starts_with("Field 'big' has 300 categories, but uint8 supports at most 255."));
        assert!(resolve_codes_width(None, [("huge", 65_536)]).is_err());
    }
}
