//! What to do with NaN, ±Inf and all-missing columns.

/// How NaN source values are treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum NanPolicy {
    /// NaN is a missing value: the marker in quantized payloads, the canonical NaN in float32
    /// payloads. This project's rule for continuous obs values and genes (format.md §26 (a)).
    #[default]
    Missing,
    /// NaN is refused and counted in the error, as the reference writer does (§10) and as
    /// embeddings, vectors and the latent space always are.
    Refuse,
}

/// How `+Inf` and `-Inf` source values are treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum InfPolicy {
    /// Refused with [`QuantError::NotFloat32Safe`](crate::QuantError::NotFloat32Safe) (§26 (a)).
    #[default]
    Refuse,
    /// Treated as missing, like NaN (the option of §26 (a)).
    Missing,
}

/// What happens when no cell holds a finite value (every cell missing).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum AllMissingPolicy {
    /// Refused with [`QuantError::AllMissing`](crate::QuantError::AllMissing): §26 (a) for
    /// continuous obs fields, §26 (f) for genes, §11 for quantized outlier sets.
    #[default]
    Refuse,
    /// Encoded: every code is the marker (every float32 the canonical NaN) and the bounds are
    /// `0.0, 0.0`, as 0.9.4 writes all-missing outlier sets (format.md §26, still open).
    Encode,
}

/// The rules applied when converting and quantizing one column.
///
/// The default is this project's rule for continuous obs values and gene values: NaN missing,
/// ±Inf refused, all-missing refused. [`Policy::strict`] is the reference writer's float32-safe
/// rule (§10) used for embeddings, vectors and the latent space.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub struct Policy {
    /// NaN handling.
    pub nan: NanPolicy,
    /// ±Inf handling.
    pub inf: InfPolicy,
    /// All-missing handling.
    pub all_missing: AllMissingPolicy,
}

impl Policy {
    /// NaN missing, ±Inf refused, all-missing refused (format.md §26 (a), (f)).
    pub fn continuous() -> Self {
        Self::default()
    }

    /// The reference writer's float32-safe rule (§10): NaN and ±Inf refused.
    pub fn strict() -> Self {
        Self {
            nan: NanPolicy::Refuse,
            ..Self::default()
        }
    }

    /// Returns the policy with ±Inf handled by `inf`.
    #[must_use]
    pub fn with_inf(mut self, inf: InfPolicy) -> Self {
        self.inf = inf;
        self
    }

    /// Returns the policy with NaN handled by `nan`.
    #[must_use]
    pub fn with_nan(mut self, nan: NanPolicy) -> Self {
        self.nan = nan;
        self
    }

    /// Returns the policy with all-missing columns handled by `all_missing`.
    #[must_use]
    pub fn with_all_missing(mut self, all_missing: AllMissingPolicy) -> Self {
        self.all_missing = all_missing;
        self
    }
}
