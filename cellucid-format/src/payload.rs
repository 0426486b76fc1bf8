//! Binary payloads: dtypes, encodings, paths and little-endian encode/decode (format.md §3, §9).
//!
//! Payloads are headerless, tightly packed, cell-major and little-endian on every host.

use cellucid_quant::Bits;

/// A payload scalar type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dtype {
    /// `uint8`.
    U8,
    /// `uint16`.
    U16,
    /// `uint32`.
    U32,
    /// `float32`.
    F32,
    /// `float64`.
    F64,
}

impl Dtype {
    /// The numpy-style name used in manifests (`uint8`, …, `float64`).
    pub fn name(self) -> &'static str {
        match self {
            Self::U8 => "uint8",
            Self::U16 => "uint16",
            Self::U32 => "uint32",
            Self::F32 => "float32",
            Self::F64 => "float64",
        }
    }

    /// Bytes per element.
    pub fn width(self) -> usize {
        match self {
            Self::U8 => 1,
            Self::U16 => 2,
            Self::U32 | Self::F32 => 4,
            Self::F64 => 8,
        }
    }

    /// Parses a manifest dtype name.
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "uint8" => Self::U8,
            "uint16" => Self::U16,
            "uint32" => Self::U32,
            "float32" => Self::F32,
            "float64" => Self::F64,
            _ => return None,
        })
    }
}

/// How a continuous payload (obs values, gene values, outlier quantiles) is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ValueEncoding {
    /// float32 values (`f32`), NaN for missing.
    Float32,
    /// 8- or 16-bit codes with the missing marker, dequantized with the field's bounds.
    Quantized(Bits),
}

impl ValueEncoding {
    /// `None` → float32, `Some(bits)` → quantized.
    pub fn from_bits(bits: Option<Bits>) -> Self {
        bits.map_or(Self::Float32, Self::Quantized)
    }

    /// The file extension: `f32`, `u8` or `u16`.
    pub fn ext(self) -> &'static str {
        match self {
            Self::Float32 => "f32",
            Self::Quantized(Bits::U8) => "u8",
            Self::Quantized(_) => "u16",
        }
    }

    /// The scalar type stored.
    pub fn dtype(self) -> Dtype {
        match self {
            Self::Float32 => Dtype::F32,
            Self::Quantized(Bits::U8) => Dtype::U8,
            Self::Quantized(_) => Dtype::U16,
        }
    }

    /// The manifest dtype name: `float32`, `uint8` or `uint16`.
    pub fn dtype_name(self) -> &'static str {
        self.dtype().name()
    }

    /// The quantization width, if quantized.
    pub fn bits(self) -> Option<Bits> {
        match self {
            Self::Float32 => None,
            Self::Quantized(b) => Some(b),
        }
    }

    /// Bytes per cell.
    pub fn width(self) -> usize {
        self.dtype().width()
    }

    /// Recognises one of the three valid schema combinations (8/uint8/u8, 16/uint16/u16,
    /// unquantized float32/f32); `bits` is `quantizationBits` (absent when unquantized).
    pub fn from_schema(ext: &str, dtype: &str, quantized: bool, bits: Option<u32>) -> Option<Self> {
        let enc = match (quantized, bits) {
            (false, None) => Self::Float32,
            (true, Some(b)) => Self::Quantized(Bits::from_bits(b)?),
            _ => return None,
        };
        (enc.ext() == ext && enc.dtype_name() == dtype).then_some(enc)
    }
}

/// The codes width of a categorical field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CodesDtype {
    /// `uint8`: ≤ 255 categories, missing 255.
    U8,
    /// `uint16`: ≤ 65,535 categories, missing 65535.
    U16,
}

impl CodesDtype {
    /// Parses `"uint8"` / `"uint16"`.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "uint8" => Some(Self::U8),
            "uint16" => Some(Self::U16),
            _ => None,
        }
    }

    /// `"uint8"` or `"uint16"`.
    pub fn name(self) -> &'static str {
        match self {
            Self::U8 => "uint8",
            Self::U16 => "uint16",
        }
    }

    /// `u8` or `u16` (the `{ext}` of codes paths).
    pub fn ext(self) -> &'static str {
        match self {
            Self::U8 => "u8",
            Self::U16 => "u16",
        }
    }

    /// The missing marker (also the category capacity): 255 or 65535.
    pub fn missing(self) -> u16 {
        match self {
            Self::U8 => 255,
            Self::U16 => 65535,
        }
    }

    /// Bytes per cell.
    pub fn width(self) -> usize {
        match self {
            Self::U8 => 1,
            Self::U16 => 2,
        }
    }
}

/// `".gz"` when `compression` is a level, `""` otherwise.
pub fn gz_suffix(compression: Option<u32>) -> &'static str {
    if compression.is_some() {
        ".gz"
    } else {
        ""
    }
}

/// `points_<d>d.bin[.gz]`.
pub fn points_path(dim: u32, compression: Option<u32>) -> String {
    format!("points_{dim}d.bin{}", gz_suffix(compression))
}

/// `obs/<i>.values.<ext>[.gz]`.
pub fn obs_values_path(index: u64, encoding: ValueEncoding, compression: Option<u32>) -> String {
    format!(
        "obs/{index}.values.{}{}",
        encoding.ext(),
        gz_suffix(compression)
    )
}

/// `obs/<i>.codes.<u8|u16>[.gz]`.
pub fn obs_codes_path(index: u64, codes: CodesDtype, compression: Option<u32>) -> String {
    format!(
        "obs/{index}.codes.{}{}",
        codes.ext(),
        gz_suffix(compression)
    )
}

/// `obs/<i>.outliers.<ext>[.gz]`.
pub fn obs_outliers_path(index: u64, encoding: ValueEncoding, compression: Option<u32>) -> String {
    format!(
        "obs/{index}.outliers.{}{}",
        encoding.ext(),
        gz_suffix(compression)
    )
}

/// `var/<g>.values.<ext>[.gz]`.
pub fn var_values_path(index: u64, encoding: ValueEncoding, compression: Option<u32>) -> String {
    format!(
        "var/{index}.values.{}{}",
        encoding.ext(),
        gz_suffix(compression)
    )
}

/// `vectors/<f>_<d>d.bin[.gz]`.
pub fn vector_path(field_index: usize, dim: u32, compression: Option<u32>) -> String {
    format!("vectors/{field_index}_{dim}d.bin{}", gz_suffix(compression))
}

/// `connectivity/edges.src.bin[.gz]`.
pub fn edges_src_path(compression: Option<u32>) -> String {
    format!("connectivity/edges.src.bin{}", gz_suffix(compression))
}

/// `connectivity/edges.dst.bin[.gz]`.
pub fn edges_dst_path(compression: Option<u32>) -> String {
    format!("connectivity/edges.dst.bin{}", gz_suffix(compression))
}

/// `connectivity/edges.weights.f64.bin[.gz]`.
pub fn edges_weights_path(compression: Option<u32>) -> String {
    format!(
        "connectivity/edges.weights.f64.bin{}",
        gz_suffix(compression)
    )
}

/// Replaces the `{index}` placeholder (and `{ext}`, when given) of a manifest path pattern.
pub fn expand_pattern(pattern: &str, index: u64, ext: Option<&str>) -> String {
    let path = pattern.replace("{index}", &index.to_string());
    match ext {
        Some(ext) => path.replace("{ext}", ext),
        None => path,
    }
}

/// Checks that `path` is a safe relative POSIX path the viewer resolves against the dataset URL
/// (viewer-contract.md §1.2, §1.5): non-empty `/`-separated segments, none empty, `.` or `..`,
/// no leading `/`, and only URL path characters that need no percent-encoding (no `\`, `%`, `?`,
/// `#`, `:`, whitespace, control or non-ASCII characters).
///
/// # Errors
/// A short reason naming the offending segment or character.
pub fn check_safe_relative_path(path: &str) -> Result<(), String> {
    if path.is_empty() {
        return Err("the path is empty".to_owned());
    }
    if path.starts_with('/') {
        return Err("the path starts with '/'".to_owned());
    }
    for segment in path.split('/') {
        if segment.is_empty() || segment == "." || segment == ".." {
            return Err(format!("segment {segment:?} is empty, '.' or '..'"));
        }
        if let Some(bad) = segment.chars().find(|c| !is_plain_url_char(*c)) {
            return Err(format!(
                "character {bad:?} is not allowed in a payload path"
            ));
        }
    }
    Ok(())
}

fn is_plain_url_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "-._~!$&'()*+,;=@".contains(c)
}

/// A scalar that can be stored in a payload (little-endian on disk).
pub trait LeScalar: bytemuck::Pod {
    /// Converts between host order and little-endian (the same operation both ways).
    fn swap_le(self) -> Self;
}

macro_rules! le_int {
    ($($t:ty),*) => {$(
        impl LeScalar for $t {
            fn swap_le(self) -> Self {
                <$t>::to_le(self)
            }
        }
    )*};
}
le_int!(u8, u16, u32, u64, i8, i16, i32, i64);

impl LeScalar for f32 {
    fn swap_le(self) -> Self {
        f32::from_bits(self.to_bits().to_le())
    }
}

impl LeScalar for f64 {
    fn swap_le(self) -> Self {
        f64::from_bits(self.to_bits().to_le())
    }
}

/// Encodes values as a little-endian payload.
///
/// ```
/// use cellucid_format::encode_le;
/// assert_eq!(encode_le(&[1u16, 0x0203]), vec![1, 0, 3, 2]);
/// ```
pub fn encode_le<T: LeScalar>(values: &[T]) -> Vec<u8> {
    if cfg!(target_endian = "little") {
        bytemuck::cast_slice(values).to_vec()
    } else {
        let swapped: Vec<T> = values.iter().map(|v| v.swap_le()).collect();
        bytemuck::cast_slice(&swapped).to_vec()
    }
}

/// Decodes a little-endian payload.
///
/// # Errors
/// [`PayloadError::RaggedLength`] when the length is not a multiple of the element size.
pub fn decode_le<T: LeScalar>(bytes: &[u8]) -> Result<Vec<T>, PayloadError> {
    let width = std::mem::size_of::<T>();
    if width == 0 || !bytes.len().is_multiple_of(width) {
        return Err(PayloadError::RaggedLength {
            len: bytes.len(),
            width,
        });
    }
    let mut values: Vec<T> = bytemuck::pod_collect_to_vec(bytes);
    if cfg!(target_endian = "big") {
        for v in &mut values {
            *v = v.swap_le();
        }
    }
    Ok(values)
}

/// What is wrong with a payload's bytes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PayloadError {
    /// The length is not a multiple of the element size.
    #[error("{len} bytes is not a whole number of {width}-byte elements")]
    RaggedLength {
        /// Bytes found.
        len: usize,
        /// Element size.
        width: usize,
    },
    /// The decoded length differs from the one the manifests imply.
    #[error("expected exactly {expected} bytes, found {found}; re-export the dataset")]
    WrongLength {
        /// Bytes the manifests imply.
        expected: u64,
        /// Bytes found (after decompression).
        found: u64,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_follow_the_layout() {
        let q8 = ValueEncoding::Quantized(Bits::U8);
        assert_eq!(points_path(3, Some(6)), "points_3d.bin.gz");
        assert_eq!(obs_values_path(4, q8, None), "obs/4.values.u8");
        assert_eq!(
            obs_codes_path(0, CodesDtype::U16, Some(1)),
            "obs/0.codes.u16.gz"
        );
        assert_eq!(
            obs_outliers_path(2, ValueEncoding::Float32, None),
            "obs/2.outliers.f32"
        );
        assert_eq!(var_values_path(9, q8, Some(9)), "var/9.values.u8.gz");
        assert_eq!(vector_path(1, 2, None), "vectors/1_2d.bin");
        assert_eq!(
            edges_weights_path(Some(6)),
            "connectivity/edges.weights.f64.bin.gz"
        );
        assert_eq!(
            expand_pattern("obs/{index}.codes.{ext}.gz", 7, Some("u8")),
            "obs/7.codes.u8.gz"
        );
    }

    #[test]
    fn unsafe_paths_are_refused() {
        assert!(check_safe_relative_path("obs/1.values.u8.gz").is_ok());
        for bad in [
            "", "/x", "./x", "a//b", "a/../b", "a\\b", "a?b", "a#b", "a%20b", "http:x", "a b",
        ] {
            assert!(check_safe_relative_path(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn schema_combinations() {
        assert_eq!(
            ValueEncoding::from_schema("u8", "uint8", true, Some(8)),
            Some(ValueEncoding::Quantized(Bits::U8))
        );
        assert_eq!(
            ValueEncoding::from_schema("f32", "float32", false, None),
            Some(ValueEncoding::Float32)
        );
        assert_eq!(
            ValueEncoding::from_schema("u8", "uint16", true, Some(16)),
            None
        );
        assert_eq!(
            ValueEncoding::from_schema("f32", "float32", true, None),
            None
        );
        assert_eq!(
            ValueEncoding::from_schema("u8", "uint8", false, Some(8)),
            None
        );
    }

    #[test]
    fn ragged_payloads_are_refused() {
        assert_eq!(
            decode_le::<u16>(&[1, 2, 3]),
            Err(PayloadError::RaggedLength { len: 3, width: 2 })
        );
        assert_eq!(
            decode_le::<f64>(&encode_le(&[1.5f64, -0.0])),
            Ok(vec![1.5, -0.0])
        );
    }
}
