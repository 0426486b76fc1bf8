//! A JSON writer whose output is byte-identical to Python's `json.dumps` (format.md §4).
//!
//! The reference writer serialises every document with the standard library's `json.dumps`,
//! default options, and `indent=2` for `dataset_identity.json` and `datasets.json`. This module
//! reproduces that byte form for any [`serde::Serialize`] value:
//!
//! * one-line layout with `", "` and `": "` separators ([`JsonStyle::Compact`]), or 2-space
//!   indentation with `","` at line ends and `": "` after keys ([`JsonStyle::Indent2`]);
//!   empty arrays and objects are always `[]` and `{}`;
//! * `ensure_ascii` strings: every code point outside 0x20–0x7E becomes `\uXXXX` with lowercase
//!   hex digits (astral code points as a surrogate pair), with the short escapes `\n \r \t \b \f`;
//! * floats in Python `repr` form ([`format_python_float`]): `1001.0`, `1e-07`,
//!   `1.0000000150474662e+30`; integers stay integers.
//!
//! The writer is built on `serde_json`'s [`Formatter`] hook, so key order is the serialisation
//! order of the value (struct field order for the models of [`crate::model`]).

use std::io::{self, Write};

use serde::Serialize;
use serde_json::ser::Formatter;

/// Layout of a JSON document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonStyle {
    /// `json.dumps(v)`: one line, `", "` between items and `": "` after keys (the manifests).
    Compact,
    /// `json.dumps(v, indent=2)`: one member per line (`dataset_identity.json`, `datasets.json`).
    Indent2,
}

/// Serialises `value` exactly as Python's `json.dumps` would (format.md §4).
///
/// Non-finite floats cannot be written by `json.dumps`-compatible readers; `serde_json` writes
/// them as `null`, so callers must not put NaN or ±Infinity into a document.
///
/// # Errors
/// Returns the serializer's error when `value`'s `Serialize` implementation fails (for example a
/// map with non-string keys). The models of this crate never fail.
pub fn to_python_json<T: Serialize + ?Sized>(
    value: &T,
    style: JsonStyle,
) -> Result<String, serde_json::Error> {
    let mut out = Vec::with_capacity(256);
    let formatter = PythonFormatter {
        indent: style == JsonStyle::Indent2,
        depth: 0,
        has_value: false,
    };
    let mut serializer = serde_json::Serializer::with_formatter(&mut out, formatter);
    value.serialize(&mut serializer)?;
    // The formatter only ever emits ASCII, so this conversion is lossless.
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// Formats `value` as Python's `repr(float)` does (format.md §4).
///
/// The shortest round-tripping digits are written in fixed notation (always with a fractional
/// part) when the decimal exponent `e` satisfies −4 ≤ e < 16, else as `d[.ddd]e±XX`. Negative
/// zero is `-0.0`; NaN and infinities are written as Python does (`NaN`, `Infinity`,
/// `-Infinity`), although no Cellucid document may contain them.
///
/// ```
/// use cellucid_format::format_python_float;
/// assert_eq!(format_python_float(1001.0), "1001.0");
/// assert_eq!(format_python_float(1e-7), "1e-07");
/// assert_eq!(format_python_float(f64::from(-0.326_f32)), "-0.32600000500679016");
/// assert_eq!(format_python_float(1.0000000150474662e30), "1.0000000150474662e+30");
/// ```
pub fn format_python_float(value: f64) -> String {
    if value.is_nan() {
        return "NaN".to_owned();
    }
    if value.is_infinite() {
        return if value > 0.0 { "Infinity" } else { "-Infinity" }.to_owned();
    }
    if value == 0.0 {
        return if value.is_sign_negative() {
            "-0.0"
        } else {
            "0.0"
        }
        .to_owned();
    }
    // Shortest round-tripping digits; ryu breaks exact ties to even, as Python's repr does
    // (Rust's `{:e}` does not: 8.0970001220703125 must print as 8.097000122070312).
    let mut buffer = ryu::Buffer::new();
    let (negative, digits, exponent) = shortest_digits(buffer.format_finite(value));
    let mut out = String::with_capacity(digits.len() + 8);
    if negative {
        out.push('-');
    }
    if (-4..16).contains(&exponent) {
        if exponent >= 0 {
            let int_len = exponent as usize + 1;
            if digits.len() <= int_len {
                out.push_str(&digits);
                out.extend(std::iter::repeat_n('0', int_len - digits.len()));
                out.push_str(".0");
            } else {
                out.push_str(&digits[..int_len]);
                out.push('.');
                out.push_str(&digits[int_len..]);
            }
        } else {
            out.push_str("0.");
            out.extend(std::iter::repeat_n('0', (-exponent - 1) as usize));
            out.push_str(&digits);
        }
    } else {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        out.push('e');
        out.push(if exponent < 0 { '-' } else { '+' });
        out.push_str(&format!("{:02}", exponent.unsigned_abs()));
    }
    out
}

/// Splits a decimal rendering (`"-1.25e-7"`, `"0.0001"`, `"1001.0"`) into its sign, significant
/// digits (no leading or trailing zeros) and the decimal exponent of the first digit.
fn shortest_digits(text: &str) -> (bool, String, i32) {
    let (negative, rest) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (mantissa, exp) = match rest.split_once(['e', 'E']) {
        Some((m, e)) => (m, e.parse::<i32>().unwrap_or(0)),
        None => (rest, 0),
    };
    let point = mantissa.find('.').unwrap_or(mantissa.len()) as i32;
    let all: Vec<u8> = mantissa.bytes().filter(u8::is_ascii_digit).collect();
    let leading = all.iter().take_while(|&&d| d == b'0').count();
    let significant = &all[leading..];
    let end = significant.len() - significant.iter().rev().take_while(|&&d| d == b'0').count();
    let digits = String::from_utf8_lossy(&significant[..end]).into_owned();
    (negative, digits, point - 1 - leading as i32 + exp)
}

/// `serde_json` formatter reproducing Python's `json.dumps` byte form.
struct PythonFormatter {
    /// `indent=2` layout when true, one line otherwise.
    indent: bool,
    /// Current nesting depth (indented layout only).
    depth: usize,
    /// Whether the innermost open container has at least one member.
    has_value: bool,
}

impl PythonFormatter {
    fn newline_indent<W: ?Sized + Write>(&self, writer: &mut W) -> io::Result<()> {
        writer.write_all(b"\n")?;
        for _ in 0..self.depth {
            writer.write_all(b"  ")?;
        }
        Ok(())
    }

    fn open<W: ?Sized + Write>(&mut self, writer: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.depth += 1;
        self.has_value = false;
        writer.write_all(bracket)
    }

    fn close<W: ?Sized + Write>(&mut self, writer: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.depth = self.depth.saturating_sub(1);
        if self.indent && self.has_value {
            self.newline_indent(writer)?;
        }
        writer.write_all(bracket)
    }

    fn separator<W: ?Sized + Write>(&mut self, writer: &mut W, first: bool) -> io::Result<()> {
        if self.indent {
            writer.write_all(if first { b"\n" } else { b",\n" })?;
            for _ in 0..self.depth {
                writer.write_all(b"  ")?;
            }
            Ok(())
        } else if first {
            Ok(())
        } else {
            writer.write_all(b", ")
        }
    }
}

impl Formatter for PythonFormatter {
    fn write_f32<W: ?Sized + Write>(&mut self, writer: &mut W, value: f32) -> io::Result<()> {
        writer.write_all(format_python_float(f64::from(value)).as_bytes())
    }

    fn write_f64<W: ?Sized + Write>(&mut self, writer: &mut W, value: f64) -> io::Result<()> {
        writer.write_all(format_python_float(value).as_bytes())
    }

    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        write_ascii_escaped(writer, fragment)
    }

    fn begin_array<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.open(writer, b"[")
    }

    fn end_array<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.close(writer, b"]")
    }

    fn begin_array_value<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.separator(writer, first)
    }

    fn end_array_value<W: ?Sized + Write>(&mut self, _writer: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    fn begin_object<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.open(writer, b"{")
    }

    fn end_object<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.close(writer, b"}")
    }

    fn begin_object_key<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.separator(writer, first)
    }

    fn begin_object_value<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        writer.write_all(b": ")
    }

    fn end_object_value<W: ?Sized + Write>(&mut self, _writer: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

/// Writes a string fragment with Python's `ensure_ascii` escaping of non-ASCII and DEL.
fn write_ascii_escaped<W: ?Sized + Write>(writer: &mut W, fragment: &str) -> io::Result<()> {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut start = 0;
    for (pos, ch) in fragment.char_indices() {
        if (' '..='~').contains(&ch) {
            continue;
        }
        writer.write_all(&fragment.as_bytes()[start..pos])?;
        start = pos + ch.len_utf8();
        let mut units = [0u16; 2];
        for unit in ch.encode_utf16(&mut units) {
            let u = *unit as usize;
            writer.write_all(&[
                b'\\',
                b'u',
                HEX[(u >> 12) & 0xF],
                HEX[(u >> 8) & 0xF],
                HEX[(u >> 4) & 0xF],
                HEX[u & 0xF],
            ])?;
        }
    }
    writer.write_all(&fragment.as_bytes()[start..])
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn floats_follow_python_repr() {
        let cases = [
            (1001.0, "1001.0"),
            (0.95, "0.95"),
            (0.0001767300855135545, "0.0001767300855135545"),
            (5.0, "5.0"),
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (1e-7, "1e-07"),
            (1e-5, "1e-05"),
            (0.0001, "0.0001"),
            (1e16, "1e+16"),
            (9999999999999998.0, "9999999999999998.0"),
            (1.0000000150474662e30, "1.0000000150474662e+30"),
            (2.795326431697331e-38, "2.795326431697331e-38"),
            (-2.5e-300, "-2.5e-300"),
            (1.5e300, "1.5e+300"),
            (123456.789, "123456.789"),
            (f64::from(0.1_f32), "0.10000000149011612"),
            (5e-324, "5e-324"),
            (f64::from(8.097_f32), "8.097000122070312"),
            (0.5, "0.5"),
            (100.0, "100.0"),
            (1e15, "1000000000000000.0"),
            (f64::MAX, "1.7976931348623157e+308"),
        ];
        for (value, expected) in cases {
            assert_eq!(format_python_float(value), expected, "{value:e}");
        }
    }

    #[test]
    fn compact_layout_and_escapes() {
        let v = json!({"a": [1, 2.0, "Zellqualität", "😀", "q\"\\/\n\u{7f}"], "e": [], "o": {}});
        let s = to_python_json(&v, JsonStyle::Compact).unwrap_or_default();
        assert_eq!(
            s,
            r#"{"a": [1, 2.0, "Zellqualit\u00e4t", "\ud83d\ude00", "q\"\\/\n\u007f"], "e": [], "o": {}}"#
        );
    }

    #[test]
    fn indented_layout() {
        let v = json!({"a": [1, 2], "e": [], "o": {"x": null}, "f": {}});
        let s = to_python_json(&v, JsonStyle::Indent2).unwrap_or_default();
        assert_eq!(
            s,
            "{\n  \"a\": [\n    1,\n    2\n  ],\n  \"e\": [],\n  \"o\": {\n    \"x\": null\n  },\n  \"f\": {}\n}"
        );
    }
}
