//! Name rules shared by both modes: the portable path component (dataset ids and directory
//! names) and the display-text rule (dataset names), server.md §3.1.

/// Whether `name` is a portable component: `^[A-Za-z0-9][A-Za-z0-9._-]{0,179}$`, not ending in
/// `.`, and whose part before the first `.` is not a Windows device name.
pub fn is_portable_component(name: &str) -> bool {
    let bytes = name.as_bytes();
    let Some(&first) = bytes.first() else {
        return false;
    };
    if bytes.len() > 180 || !first.is_ascii_alphanumeric() || name.ends_with('.') {
        return false;
    }
    if !bytes
        .iter()
        .all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
    {
        return false;
    }
    let stem = name.split('.').next().unwrap_or(name).to_ascii_uppercase();
    let device = matches!(stem.as_str(), "CON" | "PRN" | "AUX" | "NUL")
        || ((stem.starts_with("COM") || stem.starts_with("LPT"))
            && stem.len() == 4
            && matches!(stem.as_bytes()[3], b'1'..=b'9'));
    !device
}

/// Why a display text is refused, or `None` when it may be shown verbatim: non-empty, and
/// display text by [`cellucid_format::text::display_text_problem`] (no C0/C1 control
/// character, no U+200B/U+2060/U+FEFF, no whitespace at either end).
pub fn display_text_problem(text: &str) -> Option<String> {
    use cellucid_format::text::DisplayTextProblem as P;
    if text.is_empty() {
        return Some("it is empty".into());
    }
    cellucid_format::text::display_text_problem(text).map(|p| match p {
        P::Control(c) | P::Invisible(c) => format!("it contains U+{:04X}", u32::from(c)),
        P::LeadingWhitespace(c) => format!("it starts with U+{:04X}", u32::from(c)),
        P::TrailingWhitespace(c) => format!("it ends with U+{:04X}", u32::from(c)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn portable_components() {
        for ok in [
            "edge_raw",
            "pbmc_q8",
            "a",
            "pbmc68k-q8-gz6",
            "COM0",
            "CONX",
            "a.b",
        ] {
            assert!(is_portable_component(ok), "{ok}");
        }
        for bad in [
            "",
            ".ipynb_checkpoints",
            "bad name",
            "a.",
            "con",
            "Com1.txt",
            "LPT9",
            "a/b",
            &"a".repeat(181),
        ] {
            assert!(!is_portable_component(bad), "{bad}");
        }
    }

    #[test]
    fn display_text() {
        assert!(display_text_problem("edge-raw (golden)").is_none());
        assert!(display_text_problem("").is_some());
        assert!(display_text_problem(" X").is_some());
        assert!(display_text_problem("X\u{200B}").is_some());
        assert!(display_text_problem("a\u{85}b").is_some());
    }
}
