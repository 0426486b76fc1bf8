//! Errors of the quantizers.
//!
//! **Naming.** A quantizer sees only numbers, so [`QuantError`] cannot name the field or gene.
//! Its `Display` text is written as a predicate that reads after a subject ("cannot be
//! published: of 60 cells, 1 +Inf. …"). The caller adds the subject with
//! [`QuantError::for_subject`], which gives a [`SubjectError`] whose text is the counted message
//! of format.md §21.2, e.g. `Gene 'CD3E' cannot be published: of 700 cells, 1 +Inf, 2 -Inf. First
//! affected cells: 3, 7, 9. …`. Exporters may equally wrap `QuantError` in their own error type
//! with `#[error("Gene '{name}' {source}")]`.

use std::fmt;

/// How many affected cells an error lists.
pub const FIRST_CELLS_SHOWN: usize = 5;

/// Counts of the values that are not float32-safe, and where the first ones are.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NonFiniteReport {
    /// Number of cells of the column (`n_rows` for sparse input).
    pub n_cells: usize,
    /// NaN cells, counted only when NaN is refused ([`NanPolicy::Refuse`](crate::NanPolicy)).
    pub nan: usize,
    /// `+Inf` cells (refused).
    pub pos_inf: usize,
    /// `-Inf` cells (refused).
    pub neg_inf: usize,
    /// Finite cells whose float32 overflows (|x| > ≈3.4028235e38).
    pub overflow: usize,
    /// Non-zero cells whose float32 is 0 (|x| < ≈1.4e-45).
    pub underflow: usize,
    /// The first [`FIRST_CELLS_SHOWN`] affected cells (row positions), ascending.
    pub first_cells: Vec<usize>,
}

impl NonFiniteReport {
    /// Total number of affected cells.
    pub fn affected(&self) -> usize {
        self.nan + self.pos_inf + self.neg_inf + self.overflow + self.underflow
    }

    pub(crate) fn note_cell(&mut self, cell: usize) {
        if self.first_cells.len() < FIRST_CELLS_SHOWN {
            self.first_cells.push(cell);
        }
    }
}

impl fmt::Display for NonFiniteReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "of {} cells", self.n_cells)?;
        let parts = [
            (self.nan, "NaN"),
            (self.pos_inf, "+Inf"),
            (self.neg_inf, "-Inf"),
            (self.overflow, "overflow float32 (|value| > 3.4028235e38)"),
            (
                self.underflow,
                "underflow to 0 in float32 (0 < |value| < 1.4e-45)",
            ),
        ];
        for (count, what) in parts {
            if count > 0 {
                write!(f, ", {count} {what}")?;
            }
        }
        let cells: Vec<String> = self.first_cells.iter().map(usize::to_string).collect();
        let plural = if self.first_cells.len() == 1 {
            "cell"
        } else {
            "cells"
        };
        write!(f, ". First affected {plural}: {}. ", cells.join(", "))?;
        f.write_str("Cellucid publishes finite float32 values")?;
        if self.nan == 0 {
            f.write_str(" (NaN is exported as missing)")?;
        }
        f.write_str(". Fix: ")?;
        let mut fixes = Vec::new();
        if self.pos_inf + self.neg_inf > 0 {
            fixes.push(
                "replace the infinities with finite values or NaN, or export them as missing \
                 (InfPolicy::Missing)",
            );
        }
        if self.nan > 0 {
            fixes.push("replace the NaN values with finite values");
        }
        if self.overflow > 0 {
            fixes.push("rescale the values so that they fit in float32");
        }
        if self.underflow > 0 {
            fixes.push("set the tiny values to 0 or rescale them");
        }
        write!(
            f,
            "{}; or leave this column out of the export",
            fixes.join("; ")
        )
    }
}

/// An error of the quantizers or of the float32 conversion.
///
/// Its text reads after a subject; see the module docs and [`QuantError::for_subject`].
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum QuantError {
    /// Some values are not float32-safe under the [`Policy`](crate::Policy) (±Inf, float32
    /// overflow or underflow, NaN when refused).
    #[error("cannot be published: {0}")]
    NotFloat32Safe(NonFiniteReport),
    /// Every cell is missing, so there are no finite bounds (§26 (a), (f); §11 for outliers).
    #[error(
        "cannot be published: all {n_cells} cells are missing (NaN{inf}), so there is no finite \
         minValue/maxValue. Fix: leave this column out of the export (obs_keys / \
         gene_identifiers), or fill in the missing values",
        inf = if *.inf_as_missing { " or ±Inf" } else { "" }
    )]
    AllMissing {
        /// Number of cells.
        n_cells: usize,
        /// Whether ±Inf counted as missing ([`InfPolicy::Missing`](crate::InfPolicy)).
        inf_as_missing: bool,
    },
    /// The column has no cells (the format needs `n > 0`).
    #[error(
        "cannot be published: the column has 0 cells; Cellucid exports need at least one cell"
    )]
    Empty,
    /// Sparse input: row indices and values differ in length.
    #[error(
        "has an invalid sparse column: {rows} row indices but {values} values; the two arrays \
         of a CSC column (indices, data) must have the same length"
    )]
    SparseLengthMismatch {
        /// Number of row indices.
        rows: usize,
        /// Number of stored values.
        values: usize,
    },
    /// Sparse input: a row index is negative or not below `n_rows`.
    #[error(
        "has an invalid sparse column: stored entry {position} has row index {row}, outside \
         0..{n_rows}; the matrix's indices do not match its shape"
    )]
    RowOutOfRange {
        /// Position of the entry among the stored values.
        position: usize,
        /// The offending row index.
        row: i128,
        /// Number of rows of the column.
        n_rows: usize,
    },
    /// Sparse input: the same row is stored twice.
    #[error(
        "has an invalid sparse column: row {row} is stored more than once; sum the duplicates \
         first (scipy: `sum_duplicates()`)"
    )]
    DuplicateRow {
        /// The duplicated row.
        row: usize,
    },
    /// Sparse input: more rows than a `u32` row index can address.
    #[error("cannot be published: {n_rows} rows exceed the 2^32 cells a sparse column supports")]
    TooManyRows {
        /// Number of rows asked for.
        n_rows: usize,
    },
    /// An output buffer has the wrong length (a caller bug, reported instead of panicking).
    #[error(
        "cannot be written: the output buffer holds {actual} cells but the column has {expected}"
    )]
    OutputLength {
        /// Number of cells of the column.
        expected: usize,
        /// Length of the buffer given.
        actual: usize,
    },
}

impl QuantError {
    /// Attaches the subject the error is about (e.g. `"Gene 'CD3E'"` or
    /// `"Continuous obs field 'n_genes'"`); the result displays as `"{subject} {self}"`.
    pub fn for_subject(self, subject: impl Into<String>) -> SubjectError {
        SubjectError {
            subject: subject.into(),
            error: self,
        }
    }
}

/// A [`QuantError`] together with the field or gene it is about.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{subject} {error}")]
pub struct SubjectError {
    /// What the error is about, e.g. `"Gene 'CD3E'"`.
    pub subject: String,
    /// The quantizer's error.
    #[source]
    pub error: QuantError,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counted_message_names_counts_cells_and_fix() {
        let r = NonFiniteReport {
            n_cells: 60,
            pos_inf: 1,
            neg_inf: 2,
            first_cells: vec![3, 7, 9],
            ..NonFiniteReport::default()
        };
        let e = QuantError::NotFloat32Safe(r).for_subject("Gene 'G1'");
        let text = e.to_string();
        assert!(text.starts_with(
            "Gene 'G1' cannot be published: of 60 cells, 1 +Inf, 2 -Inf. First affected cells: 3, 7, 9."
        ), "{text}");
        assert!(text.contains("replace the infinities"), "{text}");
        assert!(text.contains("leave this column out"), "{text}");
    }

    #[test]
    fn all_missing_message_suggests_leaving_the_field_out() {
        let e = QuantError::AllMissing {
            n_cells: 4,
            inf_as_missing: false,
        };
        let text = e.for_subject("Continuous obs field 'x'").to_string();
        assert!(text.contains("all 4 cells are missing (NaN)"), "{text}");
        assert!(text.contains("obs_keys"), "{text}");
    }
}
