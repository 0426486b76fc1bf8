//! Host admission, the DNS-rebinding guard of server.md §1.2.

use std::collections::BTreeSet;
use std::net::{IpAddr, Ipv6Addr};

use crate::error::ServerError;

/// The admission policy, fixed at bind time.
#[derive(Debug, Clone)]
pub(crate) struct HostPolicy {
    /// Normalized `--allowed-host` names (compressed IP text or lower-case DNS names).
    allowed: BTreeSet<String>,
    /// Whether the check runs at all (loopback bind, or any allowed name declared).
    enabled: bool,
    /// The actually bound port.
    port: u16,
}

impl HostPolicy {
    /// Builds the policy for a socket bound to `bound_ip:port`.
    pub(crate) fn new(
        allowed: &[String],
        bound_ip: IpAddr,
        port: u16,
    ) -> Result<Self, ServerError> {
        let allowed = allowed
            .iter()
            .map(|entry| normalize_allowed_entry(entry))
            .collect::<Result<BTreeSet<_>, _>>()?;
        let enabled = !allowed.is_empty() || bound_ip.is_loopback();
        Ok(Self {
            allowed,
            enabled,
            port,
        })
    }

    /// Whether a request carrying these `Host` header values (raw bytes) is admitted.
    pub(crate) fn admits<'a>(&self, mut values: impl Iterator<Item = &'a [u8]>) -> bool {
        if !self.enabled {
            return true;
        }
        let (Some(value), None) = (values.next(), values.next()) else {
            return false;
        };
        let Some((host, port)) = split_host_header(value) else {
            return false;
        };
        if !self.allowed.is_empty() {
            if let Some(normalized) = normalize_host(host) {
                if self.allowed.contains(&normalized) {
                    return true;
                }
            }
        }
        if port.unwrap_or(80) != self.port {
            return false;
        }
        is_loopback_host(host)
    }
}

/// A parsed host: an IP literal or a name, as written.
#[derive(Clone, Copy)]
enum Host<'a> {
    Ip(IpAddr),
    Name(&'a str),
}

/// Splits a `Host` value into host and optional port, checking the byte rules of §1.2 step 2.
fn split_host_header(value: &[u8]) -> Option<(Host<'_>, Option<u16>)> {
    if value.is_empty()
        || value
            .iter()
            .any(|&b| b <= 0x20 || b >= 0x7F || b == b'@' || b == b'/')
    {
        return None;
    }
    let text = std::str::from_utf8(value).ok()?;
    let (host, port_text) = if let Some(rest) = text.strip_prefix('[') {
        let (inside, after) = rest.split_once(']')?;
        if inside.contains('%') {
            return None;
        }
        let ip: Ipv6Addr = inside.parse().ok()?;
        let port = match after {
            "" => None,
            _ => Some(after.strip_prefix(':')?),
        };
        (Host::Ip(IpAddr::V6(ip)), port)
    } else {
        if text.contains('[') || text.contains(']') {
            return None;
        }
        let (host, port) = match text.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (text, None),
        };
        if host.is_empty() {
            return None;
        }
        let host = match host.parse::<IpAddr>() {
            Ok(ip @ IpAddr::V4(_)) => Host::Ip(ip),
            _ => Host::Name(host),
        };
        (host, port)
    };
    let port = match port_text {
        None => None,
        Some(port) => Some(parse_port(port)?),
    };
    Some((host, port))
}

/// A decimal port 1–65535 without a leading zero.
fn parse_port(text: &str) -> Option<u16> {
    if text.is_empty()
        || text.len() > 5
        || text.starts_with('0')
        || !text.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    text.parse::<u16>().ok().filter(|&p| p > 0)
}

/// Loopback literal (127.0.0.0/8 or `::1`; an IPv4-mapped address is not loopback) or
/// `localhost` in any case.
fn is_loopback_host(host: Host<'_>) -> bool {
    match host {
        Host::Ip(IpAddr::V4(ip)) => ip.is_loopback(),
        Host::Ip(IpAddr::V6(ip)) => ip == Ipv6Addr::LOCALHOST,
        Host::Name(name) => name.eq_ignore_ascii_case("localhost"),
    }
}

/// The comparable form of a request host: compressed IP text or a lower-case LDH name.
fn normalize_host(host: Host<'_>) -> Option<String> {
    match host {
        Host::Ip(ip) => Some(ip.to_string()),
        Host::Name(name) => normalize_dns_name(name),
    }
}

/// Lower-cases a DNS name after checking labels of 1–63 letters/digits/hyphens without a
/// leading or trailing hyphen, total length ≤ 253.
fn normalize_dns_name(name: &str) -> Option<String> {
    if name.is_empty() || name.len() > 253 {
        return None;
    }
    for label in name.split('.') {
        let ok = !label.is_empty()
            && label.len() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-');
        if !ok {
            return None;
        }
    }
    Some(name.to_ascii_lowercase())
}

/// Validates one `--allowed-host` entry and returns its normalized form.
fn normalize_allowed_entry(entry: &str) -> Result<String, ServerError> {
    let refuse = |reason: &'static str| ServerError::InvalidAllowedHost {
        host: entry.to_string(),
        reason,
    };
    if entry.is_empty() {
        return Err(refuse("it is empty"));
    }
    if !entry.is_ascii() {
        return Err(refuse("it is not ASCII"));
    }
    if entry.bytes().any(|b| b <= 0x20 || b == 0x7F) {
        return Err(refuse("it contains whitespace or a control character"));
    }
    if let Ok(ip) = entry.parse::<IpAddr>() {
        return Ok(ip.to_string());
    }
    if entry.contains(['*', '/', '@', '[', ']', '%']) {
        return Err(refuse("it contains one of * / @ [ ] %"));
    }
    if entry.contains(':') {
        return Err(refuse("it carries a port"));
    }
    if entry.ends_with('.') {
        return Err(refuse("it ends with a dot"));
    }
    normalize_dns_name(entry).ok_or_else(|| refuse("it is not a valid DNS name"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    fn policy(allowed: &[&str], ip: IpAddr) -> HostPolicy {
        let allowed: Vec<String> = allowed.iter().map(|s| s.to_string()).collect();
        HostPolicy::new(&allowed, ip, 19201).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn loopback_bind_table() {
        let p = policy(&[], IpAddr::V4(Ipv4Addr::LOCALHOST));
        for ok in [
            "127.0.0.1:19201",
            "localhost:19201",
            "LOCALHOST:19201",
            "[::1]:19201",
            "127.0.0.2:19201",
        ] {
            assert!(p.admits([ok.as_bytes()].into_iter()), "{ok}");
        }
        for bad in [
            "evil.example:19201",
            "localhost",
            "localhost:9999",
            "127.0.0.1:019201",
            "[::ffff:127.0.0.1]:19201",
            "[::1%lo]:19201",
            "user@localhost:19201",
            "localhost:",
            "::1:19201",
            "127.0.0.1:19201 ",
        ] {
            assert!(!p.admits([bad.as_bytes()].into_iter()), "{bad}");
        }
        assert!(!p.admits(std::iter::empty()));
        assert!(
            !p.admits([b"127.0.0.1:19201".as_slice(), b"127.0.0.1:19201".as_slice()].into_iter())
        );
    }

    #[test]
    fn wildcard_bind_admits_all_unless_names_declared() {
        let open = policy(&[], IpAddr::V4(Ipv4Addr::UNSPECIFIED));
        assert!(open.admits([b"evil.example".as_slice()].into_iter()));
        let named = policy(&["hub.example.org"], IpAddr::V4(Ipv4Addr::LOCALHOST));
        assert!(named.admits([b"hub.example.org:443".as_slice()].into_iter()));
        assert!(named.admits([b"HUB.EXAMPLE.ORG".as_slice()].into_iter()));
        assert!(!named.admits([b"127.0.0.1:80".as_slice()].into_iter()));
        assert!(!named.admits([b"evil.example".as_slice()].into_iter()));
    }

    #[test]
    fn allowed_entries_are_validated() {
        for bad in ["", "a b", "*.x", "h:80", "x.", "[::1]", "a/b", "-a.b"] {
            assert!(normalize_allowed_entry(bad).is_err(), "{bad}");
        }
        assert_eq!(normalize_allowed_entry("::1").ok().as_deref(), Some("::1"));
        assert_eq!(
            normalize_allowed_entry("Hub.Example").ok().as_deref(),
            Some("hub.example")
        );
    }
}
