//! Bounded, strict decoding of one gzip member.

use flate2::{Decompress, FlushDecompress, Status};

use super::MAX_HEADER_FIELD;

const FHCRC: u8 = 0x02;
const FEXTRA: u8 = 0x04;
const FNAME: u8 = 0x08;
const FCOMMENT: u8 = 0x10;
const RESERVED: u8 = 0xE0;

/// Why bytes are not a valid single gzip member.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum GzipError {
    /// Fewer than the 18 bytes of an empty member.
    #[error("gzip member is {len} bytes, shorter than the 18-byte minimum")]
    TooShort {
        /// Bytes found.
        len: usize,
    },
    /// The first two bytes are not `1f 8b`.
    #[error("invalid gzip header: magic is {found:02x?}, expected [1f, 8b]")]
    BadMagic {
        /// The first two bytes.
        found: [u8; 2],
    },
    /// The compression method is not 8 (deflate).
    #[error("invalid gzip header: compression method {found}, expected 8 (deflate)")]
    BadMethod {
        /// The method byte.
        found: u8,
    },
    /// Reserved flag bits are set.
    #[error("invalid gzip header: reserved flag bits set in FLG {flags:#04x}")]
    ReservedFlags {
        /// The FLG byte.
        flags: u8,
    },
    /// The header ends before its optional fields do, or a name/comment is too long.
    #[error("invalid gzip header: {detail}")]
    BadHeader {
        /// What is wrong.
        detail: String,
    },
    /// ISIZE exceeds the caller's ceiling; nothing was inflated.
    #[error("gzip declares {declared} bytes, more than the {limit}-byte limit")]
    DeclaredSizeTooLarge {
        /// ISIZE.
        declared: u64,
        /// The ceiling.
        limit: u64,
    },
    /// ISIZE differs from the size the manifests imply.
    #[error("expected {expected} bytes after decompression, but gzip declares {declared} bytes")]
    UnexpectedSize {
        /// Size the manifests imply.
        expected: u64,
        /// ISIZE.
        declared: u64,
    },
    /// The deflate stream is corrupt or truncated.
    #[error("corrupt deflate stream: {detail}")]
    Deflate {
        /// What the inflater reported.
        detail: String,
    },
    /// Bytes follow the member's deflate stream (a second member or garbage).
    #[error("{extra} bytes follow the deflate stream; exactly one gzip member is allowed")]
    TrailingData {
        /// Extra bytes between the end of the deflate stream and the 8-byte trailer.
        extra: u64,
    },
    /// The inflated size differs from ISIZE.
    #[error("gzip declares {declared} bytes but inflates to {actual}")]
    SizeMismatch {
        /// ISIZE.
        declared: u64,
        /// Inflated bytes (or at least this many).
        actual: u64,
    },
    /// The CRC-32 of the inflated bytes differs from the trailer.
    #[error("CRC-32 mismatch: trailer {declared:#010x}, data {actual:#010x}")]
    CrcMismatch {
        /// Trailer CRC.
        declared: u32,
        /// Computed CRC.
        actual: u32,
    },
}

/// The ISIZE field (uncompressed length mod 2^32) of a member, if it is long enough.
pub fn declared_size(member: &[u8]) -> Option<u32> {
    let tail = member.len().checked_sub(4)?;
    let bytes: [u8; 4] = member.get(tail..)?.try_into().ok()?;
    Some(u32::from_le_bytes(bytes))
}

/// Decodes one gzip member whose ISIZE must equal `expected_len` (checked before inflating).
///
/// # Errors
/// Every [`GzipError`]; [`GzipError::UnexpectedSize`] when ISIZE is not `expected_len`.
pub fn decode_member_exact(member: &[u8], expected_len: usize) -> Result<Vec<u8>, GzipError> {
    check_fixed_header(member)?;
    let declared = u64::from(declared_size(member).unwrap_or(0));
    if declared != expected_len as u64 & 0xFFFF_FFFF {
        return Err(GzipError::UnexpectedSize {
            expected: expected_len as u64,
            declared,
        });
    }
    decode_member(member, expected_len)
}

/// Checks the length, magic, method and reserved flags; returns FLG.
fn check_fixed_header(member: &[u8]) -> Result<u8, GzipError> {
    if member.len() < 18 {
        return Err(GzipError::TooShort { len: member.len() });
    }
    if member[0] != 0x1f || member[1] != 0x8b {
        return Err(GzipError::BadMagic {
            found: [member[0], member[1]],
        });
    }
    if member[2] != 8 {
        return Err(GzipError::BadMethod { found: member[2] });
    }
    let flags = member[3];
    if flags & RESERVED != 0 {
        return Err(GzipError::ReservedFlags { flags });
    }
    Ok(flags)
}

/// Decodes one gzip member, refusing (before inflating) any member whose ISIZE exceeds `max_len`.
///
/// Checks the magic, method 8, reserved flags, the optional header fields (FNAME/FCOMMENT under
/// [`MAX_HEADER_FIELD`] bytes, FHCRC), that exactly one member is present, ISIZE and CRC-32.
///
/// # Errors
/// The first [`GzipError`] found.
pub fn decode_member(member: &[u8], max_len: usize) -> Result<Vec<u8>, GzipError> {
    let flags = check_fixed_header(member)?;
    let trailer_at = member.len() - 8;
    let body_at = header_len(member, flags, trailer_at)?;
    let crc = u32::from_le_bytes([
        member[trailer_at],
        member[trailer_at + 1],
        member[trailer_at + 2],
        member[trailer_at + 3],
    ]);
    let declared = u64::from(declared_size(member).unwrap_or(0));
    if declared > max_len as u64 {
        return Err(GzipError::DeclaredSizeTooLarge {
            declared,
            limit: max_len as u64,
        });
    }
    let body = &member[body_at..trailer_at];
    let out = inflate(body, declared)?;
    let actual_crc = crc32fast::hash(&out);
    if actual_crc != crc {
        return Err(GzipError::CrcMismatch {
            declared: crc,
            actual: actual_crc,
        });
    }
    Ok(out)
}

/// Returns the offset of the deflate stream after the optional header fields.
fn header_len(member: &[u8], flags: u8, trailer_at: usize) -> Result<usize, GzipError> {
    let truncated = |what: &str| GzipError::BadHeader {
        detail: format!("the header ends inside its {what}"),
    };
    let mut pos = 10usize;
    if flags & FEXTRA != 0 {
        let len_bytes = member
            .get(pos..pos + 2)
            .ok_or_else(|| truncated("FEXTRA"))?;
        let xlen = usize::from(u16::from_le_bytes([len_bytes[0], len_bytes[1]]));
        pos += 2 + xlen;
    }
    for (flag, name) in [(FNAME, "FNAME"), (FCOMMENT, "FCOMMENT")] {
        if flags & flag != 0 {
            let rest = member.get(pos..trailer_at).ok_or_else(|| truncated(name))?;
            let len = rest
                .iter()
                .take(MAX_HEADER_FIELD)
                .position(|&b| b == 0)
                .ok_or_else(|| GzipError::BadHeader {
                    detail: format!(
                        "{name} is unterminated or longer than {MAX_HEADER_FIELD} bytes"
                    ),
                })?;
            pos += len + 1;
        }
    }
    if flags & FHCRC != 0 {
        let stored = member.get(pos..pos + 2).ok_or_else(|| truncated("FHCRC"))?;
        let stored = u16::from_le_bytes([stored[0], stored[1]]);
        let actual = (crc32fast::hash(&member[..pos]) & 0xFFFF) as u16;
        if stored != actual {
            return Err(GzipError::BadHeader {
                detail: format!("header CRC {stored:#06x} does not match {actual:#06x}"),
            });
        }
        pos += 2;
    }
    if pos > trailer_at {
        return Err(truncated("optional fields"));
    }
    Ok(pos)
}

/// Inflates a raw deflate stream that must end exactly at the end of `body` and produce exactly
/// `declared` bytes; never holds more than `declared + 1` output bytes.
fn inflate(body: &[u8], declared: u64) -> Result<Vec<u8>, GzipError> {
    let declared_usize = usize::try_from(declared).unwrap_or(usize::MAX);
    let mut out: Vec<u8> = Vec::with_capacity(declared_usize.saturating_add(1));
    let mut inflater = Decompress::new(false);
    loop {
        let in_before = inflater.total_in();
        let out_before = inflater.total_out();
        let consumed = usize::try_from(in_before).unwrap_or(usize::MAX);
        let input = body.get(consumed..).unwrap_or(&[]);
        let status = inflater
            .decompress_vec(input, &mut out, FlushDecompress::Finish)
            .map_err(|err| GzipError::Deflate {
                detail: err.to_string(),
            })?;
        if out.len() as u64 > declared {
            return Err(GzipError::SizeMismatch {
                declared,
                actual: out.len() as u64,
            });
        }
        match status {
            Status::StreamEnd => break,
            Status::Ok | Status::BufError => {
                if out.len() == out.capacity() {
                    // Room for declared + 1 bytes is always kept, so this cannot happen without
                    // the size check above firing; guard against a stalled loop anyway.
                    out.reserve(1);
                }
                if inflater.total_in() == in_before && inflater.total_out() == out_before {
                    return Err(GzipError::Deflate {
                        detail: "the deflate stream is truncated".to_owned(),
                    });
                }
            }
        }
    }
    let consumed = inflater.total_in();
    if consumed < body.len() as u64 {
        return Err(GzipError::TrailingData {
            extra: body.len() as u64 - consumed,
        });
    }
    if out.len() as u64 != declared {
        return Err(GzipError::SizeMismatch {
            declared,
            actual: out.len() as u64,
        });
    }
    Ok(out)
}
