//! The option and text rules checked before anything is touched (format.md §21.1, §21.3).

use std::collections::{BTreeMap, HashSet};

use cellucid_format::text::collapse_whitespace;
use cellucid_format::Category;

use crate::error::ExportError;
use crate::options::ExportOptions;
use crate::source::Label;

/// Largest integer label JavaScript represents exactly (2^53 − 1).
const MAX_SAFE_INTEGER: i64 = (1 << 53) - 1;

/// Why a string is not display text (format.md §21.3), or `None` when it is: the rule of
/// [`cellucid_format::text::display_text_problem`], in the exporter's words.
pub fn display_text_problem(text: &str) -> Option<&'static str> {
    use cellucid_format::text::DisplayTextProblem as P;
    cellucid_format::text::display_text_problem(text).map(|p| match p {
        P::Control(_) => "contains a control character",
        P::Invisible(_) => "contains an invisible character (U+200B, U+2060 or U+FEFF)",
        P::LeadingWhitespace(_) | P::TrailingWhitespace(_) => "starts or ends with whitespace",
    })
}

fn text(option: &'static str, value: &str, allow_empty: bool) -> Result<(), ExportError> {
    if value.is_empty() && !allow_empty {
        return Err(ExportError::option(option, "must not be empty"));
    }
    if let Some(problem) = display_text_problem(value) {
        return Err(ExportError::option(
            option,
            format!("{value:?} {problem}; remove it"),
        ));
    }
    Ok(())
}

/// A category label that cannot be published (format.md §14; server.md §4.6.2 states the same
/// rules for the AnnData server).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum LabelProblem {
    /// An integer label outside JavaScript's exact integer range (|v| > 2^53 − 1).
    UnsafeInteger(i64),
    /// A NaN or infinite float label.
    NotFinite(f64),
    /// An empty string label.
    Empty,
    /// A string label that is not display text.
    NotDisplayText {
        /// The label.
        label: String,
        /// What is wrong with it ([`display_text_problem`]).
        problem: &'static str,
    },
    /// Two string labels that become equal when every whitespace run is one space.
    WhitespaceTwins {
        /// The earlier label.
        first: String,
        /// The later label.
        second: String,
    },
    /// A label that appears twice after conversion to JSON (`1` and `1.0` collide; `0.0` and
    /// `-0.0` collide; booleans are their own class).
    Duplicate(String),
}

/// The wording of a [`LabelProblem`]: the exporter's, or the AnnData server's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LabelMessageStyle {
    /// The detail after the field name in [`ExportError::ObsField`] (`… Fix: …`).
    Export,
    /// A whole sentence starting `Categorical field '<key>'`, like server.md §4.6.2's texts.
    Server,
}

impl LabelProblem {
    /// The message for field `key` in `style`.
    pub fn message(&self, key: &str, style: LabelMessageStyle) -> String {
        match style {
            LabelMessageStyle::Export => match self {
                Self::UnsafeInteger(i) => format!("category {i} is outside JavaScript's exact integer range (|v| <= 2^53 - 1). Fix: convert the labels to strings"),
                Self::NotFinite(f) => format!("category {f} is not allowed: labels must be finite JSON scalars. Fix: drop or rename that category"),
                Self::Empty => "has an empty category label. Fix: rename it (e.g. 'unknown')".to_string(),
                Self::NotDisplayText { label, problem } => format!("category {label:?} {problem}. Fix: rename the category"),
                Self::WhitespaceTwins { first, second } => format!("categories {first:?} and {second:?} differ only in whitespace and would look identical. Fix: merge or rename them"),
                Self::Duplicate(shown) => format!("labels must be unique, but {shown} appears twice (after conversion to JSON). Fix: merge the duplicate categories"),
            },
            LabelMessageStyle::Server => match self {
                Self::UnsafeInteger(i) => format!("Categorical field '{key}' has category {i}, outside JavaScript's exact integer range (|v| <= 2^53 - 1). Convert the labels to strings."),
                Self::NotFinite(f) => format!("Categorical field '{key}' has category {f}, which is not a finite number. Drop or rename that category."),
                Self::Empty => format!("Categorical field '{key}' has an empty category label. Rename it."),
                Self::NotDisplayText { label, problem } => format!("Categorical field '{key}' has category {label:?} that cannot be displayed: it {problem}. Rename the category."),
                Self::WhitespaceTwins { first, second } => format!("Categorical field '{key}' has categories {first:?} and {second:?} that differ only in whitespace. Rename one of them."),
                Self::Duplicate(shown) => format!("Categorical field '{key}' has duplicate category {shown}. Rename one of them."),
            },
        }
    }
}

/// Converts the labels of a categorical field to JSON categories, checking the rules of
/// format.md §14: JSON scalars (integers within ±(2^53 − 1), finite floats), unique after
/// conversion, strings non-empty display text that stay distinct when whitespace runs are
/// collapsed. Used by the exporter and by the AnnData server.
///
/// # Errors
/// The first [`LabelProblem`], in label order.
pub fn category_labels(labels: &[Label]) -> Result<Vec<Category>, LabelProblem> {
    let mut out = Vec::with_capacity(labels.len());
    let mut seen_numbers = HashSet::new();
    let mut seen_bools = HashSet::new();
    let mut seen_strings = HashSet::new();
    let mut collapsed: BTreeMap<String, &str> = BTreeMap::new();
    for label in labels {
        let category = match label {
            Label::Bool(b) => {
                if !seen_bools.insert(*b) {
                    return Err(LabelProblem::Duplicate(b.to_string()));
                }
                Category::Bool(*b)
            }
            Label::Int(i) => {
                if i.unsigned_abs() > MAX_SAFE_INTEGER as u64 {
                    return Err(LabelProblem::UnsafeInteger(*i));
                }
                if !seen_numbers.insert((*i as f64).to_bits()) {
                    return Err(LabelProblem::Duplicate(i.to_string()));
                }
                Category::Int(*i)
            }
            Label::Float(f) => {
                if !f.is_finite() {
                    return Err(LabelProblem::NotFinite(*f));
                }
                let normalised = if *f == 0.0 { 0.0_f64 } else { *f };
                if !seen_numbers.insert(normalised.to_bits()) {
                    return Err(LabelProblem::Duplicate(f.to_string()));
                }
                Category::Float(*f)
            }
            Label::Str(s) => {
                if s.is_empty() {
                    return Err(LabelProblem::Empty);
                }
                if let Some(problem) = display_text_problem(s) {
                    return Err(LabelProblem::NotDisplayText {
                        label: s.clone(),
                        problem,
                    });
                }
                if !seen_strings.insert(s.as_str()) {
                    return Err(LabelProblem::Duplicate(format!("{s:?}")));
                }
                if let Some(first) = collapsed.insert(collapse_whitespace(s), s) {
                    return Err(LabelProblem::WhitespaceTwins {
                        first: first.to_string(),
                        second: s.clone(),
                    });
                }
                Category::Str(s.clone())
            }
        };
        out.push(category);
    }
    Ok(out)
}

/// Whether `id` is a valid dataset id (format.md §21.1).
pub fn dataset_id_problem(id: &str) -> Option<String> {
    let bytes = id.as_bytes();
    let ok_char = |b: &u8| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-');
    if bytes.is_empty()
        || bytes.len() > 180
        || !bytes[0].is_ascii_alphanumeric()
        || !bytes.iter().all(ok_char)
    {
        return Some("must match ^[A-Za-z0-9][A-Za-z0-9._-]{0,179}$".into());
    }
    if id.ends_with('.') {
        return Some("must not end in '.'".into());
    }
    let stem = id.split('.').next().unwrap_or(id).to_ascii_uppercase();
    let device = matches!(stem.as_str(), "CON" | "PRN" | "AUX" | "NUL")
        || ((stem.starts_with("COM") || stem.starts_with("LPT"))
            && stem.len() == 4
            && matches!(stem.as_bytes()[3], b'1'..=b'9'));
    device.then(|| format!("'{stem}' is a Windows device name"))
}

/// Whether `value` is exactly `YYYY-MM-DDTHH:MM:SSZ` and a real calendar time.
pub(crate) fn created_at_ok(value: &str) -> bool {
    let b = value.as_bytes();
    if b.len() != 20
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
        || b[19] != b'Z'
    {
        return false;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let s = value.get(r)?;
        s.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| s.parse().ok())
            .flatten()
    };
    let (Some(y), Some(mo), Some(d), Some(h), Some(mi), Some(s)) = (
        num(0..4),
        num(5..7),
        num(8..10),
        num(11..13),
        num(14..16),
        num(17..19),
    ) else {
        return false;
    };
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match mo {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    y >= 1 && (1..=days).contains(&d) && h < 24 && mi < 60 && s < 60
}

/// The current UTC time as `YYYY-MM-DDTHH:MM:SSZ`.
pub fn now_utc() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // Civil-from-days (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// §21.1 and the codec options of §21.2 item 1.
///
/// # Errors
/// [`ExportError::Option`] naming the first bad option.
pub fn check_options(o: &ExportOptions) -> Result<(), ExportError> {
    text("dataset_name", &o.dataset_name, false)?;
    if let Some(problem) = dataset_id_problem(&o.dataset_id) {
        return Err(ExportError::option(
            "dataset_id",
            format!("{:?} {problem}", o.dataset_id),
        ));
    }
    if o.centroid_min_points < 1 {
        return Err(ExportError::option(
            "centroid_min_points",
            "must be at least 1",
        ));
    }
    if let Some(d) = &o.dataset_description {
        text("dataset_description", d, true)?;
    }
    for (name, value) in [
        ("source_name", &o.source_name),
        ("source_url", &o.source_url),
        ("source_citation", &o.source_citation),
    ] {
        if let Some(v) = value {
            text(name, v, false)?;
        }
    }
    if o.source_name.is_none() && (o.source_url.is_some() || o.source_citation.is_some()) {
        return Err(ExportError::option(
            "source_name",
            "is required when source_url or source_citation is given",
        ));
    }
    if let Some(c) = &o.created_at {
        if !created_at_ok(c) {
            return Err(ExportError::option(
                "created_at",
                format!("{c:?} must be a real UTC time written YYYY-MM-DDTHH:MM:SSZ"),
            ));
        }
    }
    if let Some(level) = o.compression {
        if !(1..=9).contains(&level) {
            return Err(ExportError::option(
                "compression",
                format!("{level} is not a gzip level; use 1-9 or null"),
            ));
        }
    }
    for (name, bits) in [
        ("var_quantization", o.var_quantization),
        ("obs_continuous_quantization", o.obs_continuous_quantization),
    ] {
        if let Some(b) = bits {
            if b != 8 && b != 16 {
                return Err(ExportError::option(
                    name,
                    format!("{b} is not supported; use 8, 16 or null"),
                ));
            }
        }
    }
    if let Some(p) = o.centroid_outlier_quantile {
        if !(p.is_finite() && p > 0.5 && p < 1.0) {
            return Err(ExportError::option(
                "centroid_outlier_quantile",
                format!("{p} must satisfy 0.5 < p < 1 (or be null)"),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_text_rules() {
        assert_eq!(display_text_problem("Zellqualität"), None);
        assert_eq!(display_text_problem("a\u{200d}b"), None);
        for bad in [
            "a\tb",
            " lead",
            "trail\u{3000}",
            "x\u{200b}",
            "\u{85}",
            "\u{7f}",
        ] {
            assert!(display_text_problem(bad).is_some(), "{bad:?}");
        }
        assert_eq!(
            collapse_whitespace("T  cell"),
            collapse_whitespace("T cell")
        );
    }

    #[test]
    fn category_label_rules() {
        let ok = category_labels(&[
            Label::Bool(false),
            Label::Int(3),
            Label::Float(0.5),
            Label::Str("T cell".into()),
            Label::Str("1".into()),
            Label::Int(1),
        ])
        .expect("valid labels");
        assert_eq!(ok[1], Category::Int(3));
        for (labels, expected) in [
            (
                vec![Label::Int(1), Label::Float(1.0)],
                LabelProblem::Duplicate("1".into()),
            ),
            (
                vec![Label::Float(0.0), Label::Float(-0.0)],
                LabelProblem::Duplicate("-0".into()),
            ),
            (
                vec![Label::Bool(true), Label::Bool(true)],
                LabelProblem::Duplicate("true".into()),
            ),
            (
                vec![Label::Str("a".into()), Label::Str("a".into())],
                LabelProblem::Duplicate("\"a\"".into()),
            ),
            (
                vec![Label::Str("T cell".into()), Label::Str("T  cell".into())],
                LabelProblem::WhitespaceTwins {
                    first: "T cell".into(),
                    second: "T  cell".into(),
                },
            ),
            (
                vec![Label::Float(f64::INFINITY)],
                LabelProblem::NotFinite(f64::INFINITY),
            ),
            (
                vec![Label::Int(1 << 53)],
                LabelProblem::UnsafeInteger(1 << 53),
            ),
            (vec![Label::Str(String::new())], LabelProblem::Empty),
            (
                vec![Label::Str(" x".into())],
                LabelProblem::NotDisplayText {
                    label: " x".into(),
                    problem: "starts or ends with whitespace",
                },
            ),
        ] {
            assert_eq!(category_labels(&labels), Err(expected), "{labels:?}");
        }
        let twins = LabelProblem::WhitespaceTwins {
            first: "a b".into(),
            second: "a  b".into(),
        };
        assert!(twins
            .message("k", LabelMessageStyle::Server)
            .starts_with("Categorical field 'k' has categories"));
        assert!(twins
            .message("k", LabelMessageStyle::Export)
            .ends_with("Fix: merge or rename them"));
    }

    #[test]
    fn dataset_ids() {
        for good in ["pbmc68k-q8-gz6", "a", "A.b_c-1", "COM10", "con1"] {
            assert_eq!(dataset_id_problem(good), None, "{good}");
        }
        for bad in [
            "",
            "-a",
            "a b",
            "a.",
            "CON",
            "nul.txt",
            "com1",
            "LPT9.x",
            "é",
            &"a".repeat(181),
        ] {
            assert!(dataset_id_problem(bad).is_some(), "{bad}");
        }
    }

    #[test]
    fn created_at_format() {
        assert!(created_at_ok("2026-01-01T00:00:00Z"));
        assert!(created_at_ok("2024-02-29T23:59:59Z"));
        for bad in [
            "2026-02-30T00:00:00Z",
            "2025-02-29T00:00:00Z",
            "2026-01-01 00:00:00Z",
            "2026-01-01T24:00:00Z",
            "2026-1-01T00:00:00Z",
        ] {
            assert!(!created_at_ok(bad), "{bad}");
        }
        assert!(created_at_ok(&now_utc()));
    }

    #[test]
    fn option_checks() {
        let mut o = ExportOptions::new("ok", "name");
        assert!(check_options(&o).is_ok());
        o.compression = Some(0);
        assert!(check_options(&o).is_err());
        o.compression = Some(9);
        o.var_quantization = Some(12);
        assert!(check_options(&o).is_err());
        o.var_quantization = None;
        o.centroid_outlier_quantile = Some(0.5);
        assert!(check_options(&o).is_err());
        o.centroid_outlier_quantile = None;
        o.source_url = Some("https://x".into());
        assert!(check_options(&o)
            .expect_err("source_url without source_name")
            .to_string()
            .contains("source_name"));
    }
}
