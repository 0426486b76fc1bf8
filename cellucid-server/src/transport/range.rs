//! The single-range rule of server.md §3.5 step 1.

/// An inclusive byte range `start..=end` inside a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ByteRange {
    /// First byte.
    pub(crate) start: u64,
    /// Last byte (inclusive).
    pub(crate) end: u64,
}

/// Parses the `Range` header values for a file of `size` bytes: `Ok(None)` without a header,
/// `Ok(Some(range))` when satisfiable, `Err(())` when the request must get 416.
#[allow(clippy::result_unit_err)]
pub(crate) fn parse_range<'a>(
    mut values: impl Iterator<Item = &'a [u8]>,
    size: u64,
) -> Result<Option<ByteRange>, ()> {
    let Some(value) = values.next() else {
        return Ok(None);
    };
    if values.next().is_some() {
        return Err(());
    }
    let spec = value.strip_prefix(b"bytes=").ok_or(())?;
    let text = std::str::from_utf8(spec).map_err(|_| ())?;
    let (first, last) = text.split_once('-').ok_or(())?;
    let number = |s: &str| -> Result<u64, ()> {
        if s.len() > 20 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(());
        }
        // 20 digits may exceed u64: saturate, which only ever makes the range unsatisfiable
        // or clamps it, exactly as an arbitrary-precision comparison would.
        Ok(s.bytes().fold(0u64, |acc, b| {
            acc.saturating_mul(10).saturating_add(u64::from(b - b'0'))
        }))
    };
    if size == 0 {
        return Err(());
    }
    if first.is_empty() {
        if last.is_empty() {
            return Err(());
        }
        let suffix = number(last)?;
        if suffix == 0 {
            return Err(());
        }
        return Ok(Some(ByteRange {
            start: size.saturating_sub(suffix),
            end: size - 1,
        }));
    }
    let start = number(first)?;
    if start >= size {
        return Err(());
    }
    let end = if last.is_empty() {
        size - 1
    } else {
        number(last)?
    };
    if end < start {
        return Err(());
    }
    Ok(Some(ByteRange {
        start,
        end: end.min(size - 1),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(value: &str, size: u64) -> Result<Option<ByteRange>, ()> {
        parse_range([value.as_bytes()].into_iter(), size)
    }

    #[test]
    fn range_table() {
        assert_eq!(
            one("bytes=0-15", 7744),
            Ok(Some(ByteRange { start: 0, end: 15 }))
        );
        assert_eq!(
            one("bytes=-4", 7744),
            Ok(Some(ByteRange {
                start: 7740,
                end: 7743
            }))
        );
        assert_eq!(
            one("bytes=7000-", 7744),
            Ok(Some(ByteRange {
                start: 7000,
                end: 7743
            }))
        );
        assert_eq!(
            one("bytes=10-99999", 100),
            Ok(Some(ByteRange { start: 10, end: 99 }))
        );
        assert_eq!(
            one("bytes=-99999", 100),
            Ok(Some(ByteRange { start: 0, end: 99 }))
        );
        for bad in [
            "bytes=100000-",
            "bytes=0-1,4-5",
            "bytes=-",
            "bytes=-0",
            "items=0-1",
            "bytes=5-4",
            "bytes= 0-1",
            "bytes=0x-1",
        ] {
            assert_eq!(one(bad, 7744), Err(()), "{bad}");
        }
        assert_eq!(one("bytes=0-0", 0), Err(()));
        assert_eq!(
            parse_range(
                [b"bytes=0-1".as_slice(), b"bytes=0-1".as_slice()].into_iter(),
                10
            ),
            Err(())
        );
        assert_eq!(parse_range(std::iter::empty(), 10), Ok(None));
    }
}
