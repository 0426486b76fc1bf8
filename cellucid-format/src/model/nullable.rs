//! A key that must be present but may be `null`.

use serde::{Deserialize, Deserializer};

/// Deserialises `Option<T>` without serde's "missing means `None`" default, so an absent key is
/// an error while an explicit `null` is `None`. Use with `#[serde(deserialize_with = ...)]`.
pub(crate) fn required<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer)
}
