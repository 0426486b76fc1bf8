//! The CORS origin rule of server.md §1.4 and the header block of §1.3.

use axum::http::{header, HeaderMap, HeaderValue};

/// Whether `origin` may read responses (the value is then echoed verbatim).
pub(crate) fn origin_allowed(origin: &str) -> bool {
    if origin == "https://www.cellucid.com" {
        return true;
    }
    let Some((scheme, rest)) = origin.split_once("://") else {
        return false;
    };
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        return false;
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let hostport = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if hostport.starts_with('[') {
        hostport
            .split_once(']')
            .map_or(hostport, |(h, _)| h)
            .trim_start_matches('[')
    } else {
        hostport.split(':').next().unwrap_or("")
    };
    let host = host.to_ascii_lowercase();
    if host.is_empty() {
        return false;
    }
    if host == "localhost" || host == "127.0.0.1" {
        return true;
    }
    scheme == "https" && (host == "cellucid.com" || host.ends_with(".cellucid.com"))
}

/// Adds the header block every response carries (§1.3): CORS (when the origin is allowed)
/// and the mode's `Cache-Control`.
pub(crate) fn add_header_block(
    headers: &mut HeaderMap,
    origin: Option<&HeaderValue>,
    cache_control: &'static str,
) {
    if let Some(origin) = origin {
        if origin.to_str().is_ok_and(origin_allowed) {
            headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone());
            headers.append(header::VARY, HeaderValue::from_static("Origin"));
        }
    }
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("GET, HEAD, POST, OPTIONS"),
    );
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static("Content-Type, Range"),
    );
    headers.insert(
        header::ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static("Content-Encoding, Content-Length, Content-Range"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(cache_control),
    );
}

#[cfg(test)]
mod tests {
    use super::origin_allowed;

    #[test]
    fn origin_table() {
        for ok in [
            "http://localhost:3000",
            "https://www.cellucid.com",
            "https://beta.cellucid.com",
            "https://cellucid.com",
            "http://127.0.0.1:5173",
            "https://LOCALHOST",
        ] {
            assert!(origin_allowed(ok), "{ok}");
        }
        for bad in [
            "http://www.cellucid.com",
            "http://[::1]:8000",
            "null",
            "https://evilcellucid.com",
            "ftp://localhost",
            "http://",
            "https://cellucid.com.evil.org",
        ] {
            assert!(!origin_allowed(bad), "{bad}");
        }
    }
}
