//! Python `json.dumps` (default options) serialization for the JSON bodies the server itself
//! produces (server.md §1.7), through `cellucid-format`'s byte-exact writer: `", "` / `": "`
//! separators, ASCII-only output with lower-case `\uXXXX` escapes, floats in Python `repr` form.

use cellucid_format::{to_python_json, JsonStyle};

/// Serializes `value` exactly as Python's `json.dumps(value)` would.
///
/// A `serde_json::Value` cannot hold NaN or ±Infinity, so no body can contain the `NaN` tokens
/// the viewer rejects.
///
/// # Errors
/// Never in practice; kept fallible because the writer is generic over `Serialize`.
pub fn to_vec(value: &serde_json::Value) -> Result<Vec<u8>, serde_json::Error> {
    Ok(to_python_json(value, JsonStyle::Compact)?.into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dumps_separators_ascii_and_floats() {
        let value = serde_json::json!({"a": [1, 2], "k": "Zellqualit\u{e4}t/\u{1F600}\n", "b": true, "n": null, "f": [1.0, 1e-5, 1e16, -0.0, 0.95]});
        let text = String::from_utf8(to_vec(&value).unwrap_or_default()).unwrap_or_default();
        assert_eq!(
            text,
            r#"{"a": [1, 2], "k": "Zellqualit\u00e4t/\ud83d\ude00\n", "b": true, "n": null, "f": [1.0, 1e-05, 1e+16, -0.0, 0.95]}"#
        );
    }
}
