//! Grouping cells by category code (shared by centroids and outlier quantiles).

/// A category code outside the declared categories.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cell {cell} has category code {code}, but only {n_categories} categories are declared")]
pub struct MembersError {
    /// Cell index.
    pub cell: usize,
    /// Offending code.
    pub code: usize,
    /// Number of declared categories.
    pub n_categories: usize,
}

/// The member cells of each category, in ascending cell order (`result[c]` lists the cells with
/// code `c`). `None` is a missing value and belongs to no category.
///
/// # Errors
/// [`MembersError`] when a code is `>= n_categories`.
pub fn members_by_category<I>(
    codes: I,
    n_categories: usize,
) -> Result<Vec<Vec<usize>>, MembersError>
where
    I: IntoIterator<Item = Option<usize>>,
{
    let mut members = vec![Vec::new(); n_categories];
    for (cell, code) in codes.into_iter().enumerate() {
        if let Some(code) = code {
            match members.get_mut(code) {
                Some(list) => list.push(cell),
                None => {
                    return Err(MembersError {
                        cell,
                        code,
                        n_categories,
                    })
                }
            }
        }
    }
    Ok(members)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_in_cell_order_and_skips_missing() {
        let codes = [Some(1), None, Some(0), Some(1)];
        let m = members_by_category(codes, 3).expect("valid codes");
        assert_eq!(m, vec![vec![2], vec![0, 3], vec![]]);
        assert_eq!(
            members_by_category([Some(3)], 3),
            Err(MembersError {
                cell: 0,
                code: 3,
                n_categories: 3
            })
        );
    }
}
