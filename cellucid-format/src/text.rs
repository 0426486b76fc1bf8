//! The display-text rule for names and labels a writer publishes (format.md §21.3, §14;
//! server.md §3.1): no control character, none of the invisible U+200B, U+2060, U+FEFF, no
//! whitespace at either end. The exporter and the server each word the problem their own way;
//! the rule lives here once.

/// Why a string is not display text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DisplayTextProblem {
    /// A C0 or C1 control character (the first one).
    Control(char),
    /// U+200B, U+2060 or U+FEFF (the first one).
    Invisible(char),
    /// Whitespace at the start.
    LeadingWhitespace(char),
    /// Whitespace at the end.
    TrailingWhitespace(char),
}

/// Whether `c` is whitespace for the display-text and label rules: Unicode White_Space without
/// the control characters (U+0020, U+00A0, U+1680, U+2000–U+200A, U+2028, U+2029, U+202F,
/// U+205F, U+3000).
pub fn is_text_whitespace(c: char) -> bool {
    c.is_whitespace() && !c.is_control()
}

/// The first reason `text` is not display text, or `None` when it may be shown verbatim. An
/// empty string passes: whether empty is allowed is the caller's rule.
///
/// ```
/// use cellucid_format::text::{display_text_problem, DisplayTextProblem};
/// assert_eq!(display_text_problem("T cells"), None);
/// assert_eq!(display_text_problem(" T"), Some(DisplayTextProblem::LeadingWhitespace(' ')));
/// assert_eq!(display_text_problem("T\u{feff}"), Some(DisplayTextProblem::Invisible('\u{feff}')));
/// ```
pub fn display_text_problem(text: &str) -> Option<DisplayTextProblem> {
    for c in text.chars() {
        if c.is_control() {
            return Some(DisplayTextProblem::Control(c));
        }
        if matches!(c, '\u{200b}' | '\u{2060}' | '\u{feff}') {
            return Some(DisplayTextProblem::Invisible(c));
        }
    }
    if let Some(c) = text.chars().next().filter(|&c| is_text_whitespace(c)) {
        return Some(DisplayTextProblem::LeadingWhitespace(c));
    }
    if let Some(c) = text.chars().last().filter(|&c| is_text_whitespace(c)) {
        return Some(DisplayTextProblem::TrailingWhitespace(c));
    }
    None
}

/// `text` with every run of whitespace ([`is_text_whitespace`]) replaced by one space: two
/// labels equal after this would look identical (format.md §14).
pub fn collapse_whitespace(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_run = false;
    for c in text.chars() {
        if is_text_whitespace(c) {
            if !in_run {
                out.push(' ');
            }
            in_run = true;
        } else {
            out.push(c);
            in_run = false;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use DisplayTextProblem::*;

    #[test]
    fn display_text_rule_table() {
        let cases: [(&str, Option<DisplayTextProblem>); 12] = [
            ("Zellqualität", None),
            ("a\u{200d}b", None), // zero-width joiner is allowed
            ("", None),
            ("T  cell", None), // inner whitespace is allowed
            ("a\tb", Some(Control('\t'))),
            ("a\u{85}b", Some(Control('\u{85}'))),
            ("x\u{200b}", Some(Invisible('\u{200b}'))),
            ("\u{2060}x\u{1}", Some(Invisible('\u{2060}'))),
            (" x", Some(LeadingWhitespace(' '))),
            ("\u{3000}x", Some(LeadingWhitespace('\u{3000}'))),
            ("x\u{a0}", Some(TrailingWhitespace('\u{a0}'))),
            ("x\u{202f}", Some(TrailingWhitespace('\u{202f}'))),
        ];
        for (text, expected) in cases {
            assert_eq!(display_text_problem(text), expected, "{text:?}");
        }
    }

    #[test]
    fn whitespace_runs_collapse_to_one_space() {
        assert_eq!(collapse_whitespace("T \u{a0}\u{2003}cell "), "T cell ");
        assert_eq!(collapse_whitespace("T cell"), "T cell");
        assert_eq!(collapse_whitespace("a\u{200b}b"), "a\u{200b}b");
    }
}
