//! `Accept-Encoding` negotiation (server.md §4.7), extended with zstd when gzip is refused.

/// The content coding chosen for a compressible body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Coding {
    /// No compression.
    Identity,
    /// gzip (preferred whenever the client admits it).
    Gzip,
    /// zstd, used only when gzip is not admitted and `zstd` is.
    Zstd,
}

impl Coding {
    /// The `Content-Encoding` token.
    pub(crate) fn token(self) -> Option<&'static str> {
        match self {
            Self::Identity => None,
            Self::Gzip => Some("gzip"),
            Self::Zstd => Some("zstd"),
        }
    }
}

/// Parses a q-value: `0`, `0.` + up to 3 digits, `1`, `1.` + up to 3 zeros; returns q×1000.
fn parse_q(value: &str) -> Option<u16> {
    let (int, frac) = value
        .split_once('.')
        .map_or((value, None), |(i, f)| (i, Some(f)));
    let frac = match frac {
        None => "",
        Some(f) if f.len() <= 3 && f.bytes().all(|b| b.is_ascii_digit()) => f,
        Some(_) => return None,
    };
    match int {
        "0" => {
            let mut thousandths = 0u16;
            for (i, b) in frac.bytes().enumerate() {
                thousandths += u16::from(b - b'0') * [100, 10, 1][i];
            }
            Some(thousandths)
        }
        "1" if frac.bytes().all(|b| b == b'0') => Some(1000),
        _ => None,
    }
}

/// Chooses the coding for the `Accept-Encoding` values (all header lines joined by `,`).
pub(crate) fn negotiate<'a>(values: impl Iterator<Item = &'a [u8]>) -> Coding {
    let mut best: [Option<u16>; 3] = [None; 3]; // gzip, *, zstd
    let mut any = false;
    for value in values {
        any = true;
        let Ok(text) = std::str::from_utf8(value) else {
            continue;
        };
        for item in text.split(',') {
            let mut pieces = item.split(';').map(str::trim);
            let coding = pieces.next().unwrap_or("").to_ascii_lowercase();
            if coding.is_empty() {
                continue;
            }
            let mut q: Option<u16> = None;
            let mut valid = true;
            for piece in pieces {
                match piece.split_once('=') {
                    Some((name, value)) if name.eq_ignore_ascii_case("q") && q.is_none() => {
                        match parse_q(value) {
                            Some(parsed) => q = Some(parsed),
                            None => valid = false,
                        }
                    }
                    _ => valid = false,
                }
            }
            if !valid {
                continue;
            }
            let q = q.unwrap_or(1000);
            let slot = match coding.as_str() {
                "gzip" => 0,
                "*" => 1,
                "zstd" => 2,
                _ => continue,
            };
            best[slot] = Some(best[slot].map_or(q, |b| b.max(q)));
        }
    }
    if !any {
        return Coding::Identity;
    }
    match best {
        [Some(q), _, _] => {
            if q > 0 {
                Coding::Gzip
            } else {
                zstd_or_identity(best[2])
            }
        }
        [None, Some(q), _] if q > 0 => Coding::Gzip,
        _ => zstd_or_identity(best[2]),
    }
}

fn zstd_or_identity(q: Option<u16>) -> Coding {
    match q {
        Some(q) if q > 0 => Coding::Zstd,
        _ => Coding::Identity,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pick(value: &str) -> Coding {
        negotiate([value.as_bytes()].into_iter())
    }

    #[test]
    fn observed_table() {
        for yes in [
            "gzip",
            "GZIP",
            "gzip;q=0.5",
            "gzip;q=0.001",
            "gzip ; q=1",
            "gzip;Q=1",
            "*",
            "*;q=0, gzip",
            "gzip, deflate, br",
        ] {
            assert_eq!(pick(yes), Coding::Gzip, "{yes}");
        }
        for no in [
            "gzip;q=0",
            "br",
            "x-gzip",
            "identity",
            "gzip;q=1.0001",
            "gzip;level=1",
            "deflate, gzip;q=0, *;q=1",
            "gzip;q=0.",
            "gzip;q=1.5",
        ] {
            assert_eq!(pick(no), Coding::Identity, "{no}");
        }
        assert_eq!(negotiate(std::iter::empty()), Coding::Identity);
    }

    #[test]
    fn zstd_only_without_gzip() {
        assert_eq!(pick("zstd"), Coding::Zstd);
        assert_eq!(pick("gzip;q=0, zstd"), Coding::Zstd);
        assert_eq!(pick("gzip, zstd"), Coding::Gzip);
        assert_eq!(pick("zstd;q=0"), Coding::Identity);
    }
}
