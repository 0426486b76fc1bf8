//! Request-target handling: the `//` collapse (server.md §1.1), exported mode's byte-canonical
//! rule (§3.3) and anndata mode's percent-decoding (§4.3).

use axum::http::Uri;

/// The request target as the routes see it, after the `//` collapse.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    /// The raw target text (origin-form path and query, or the whole absolute-form URI).
    pub(crate) raw: String,
    /// The path part, after the `//` collapse.
    pub(crate) path: String,
    /// The query, without `?` (`Some("")` for a bare `?`).
    pub(crate) query: Option<String>,
    /// Whether the target was in absolute-form (`http://host/...`).
    pub(crate) absolute: bool,
}

impl Target {
    /// Builds the target from the parsed request URI.
    pub(crate) fn from_uri(uri: &Uri) -> Self {
        let absolute = uri.scheme().is_some() || uri.authority().is_some();
        let raw = uri.to_string();
        let mut path = uri.path().to_string();
        if path.starts_with("//") {
            path = format!("/{}", path.trim_start_matches('/'));
        }
        Self {
            raw,
            path,
            query: uri.query().map(str::to_string),
            absolute,
        }
    }

    /// The exported-mode canonical path (§3.3), or `None` when the target must get
    /// `404 Request path is not in the active contract`.
    pub(crate) fn canonical_path(&self) -> Option<&str> {
        if self.absolute || !self.path.starts_with('/') {
            return None;
        }
        match &self.query {
            None => {}
            Some(q)
                if self.path == "/" && !q.is_empty() && q.bytes().all(|b| b > 0x20 && b < 0x7F) => {
            }
            Some(_) => return None,
        }
        let path = self.path.as_str();
        if path
            .bytes()
            .any(|b| b <= 0x20 || b >= 0x7F || b == b'%' || b == b'\\' || b == b';' || b == b'#')
        {
            return None;
        }
        if path != "/" {
            let ok = path[1..]
                .split('/')
                .all(|segment| !matches!(segment, "" | "." | ".."));
            if !ok {
                return None;
            }
        }
        Some(path)
    }

    /// The anndata-mode lookup key (§4.3): percent-decoded path with every leading `/` removed.
    pub(crate) fn decoded_path(&self) -> String {
        let decoded = percent_encoding::percent_decode_str(&self.path).decode_utf8_lossy();
        decoded.trim_start_matches('/').to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(text: &str) -> Target {
        Target::from_uri(&text.parse::<Uri>().expect("test URI parses"))
    }

    #[test]
    fn exported_canonical_table() {
        for bad in [
            "/pbmc_q8/",
            "/pbmc_q8//obs_manifest.json",
            "/pbmc_q8/./obs_manifest.json",
            "/pbmc_q8/../pbmc_q8/obs_manifest.json",
            "/pbmc_q8/obs_manifest.json?x=1",
            "/pbmc_q8/var/%30.values.u8.gz",
            "/pbmc_q8/obs_manifest.json;p",
            "/pbmc_q8\\obs_manifest.json",
            "http://127.0.0.1:19203/_cellucid/health",
            "/x?",
            "/?",
            "/_cellucid/health?x=1",
        ] {
            assert_eq!(target(bad).canonical_path(), None, "{bad}");
        }
        assert_eq!(
            target("//pbmc_q8/obs_manifest.json").canonical_path(),
            Some("/pbmc_q8/obs_manifest.json")
        );
        assert_eq!(target("/?source=remote").canonical_path(), Some("/"));
        assert_eq!(
            target("/var/0.values.u8.gz").canonical_path(),
            Some("/var/0.values.u8.gz")
        );
    }

    #[test]
    fn anndata_decoding() {
        assert_eq!(
            target("/var/%30.values.f32?x=1").decoded_path(),
            "var/0.values.f32"
        );
        assert_eq!(
            target("///var/0.values.f32").decoded_path(),
            "var/0.values.f32"
        );
        assert_eq!(
            target("/%2e%2e/%2e%2e/etc/passwd").decoded_path(),
            "../../etc/passwd"
        );
    }
}
