//! placeholder
use std::path::Path;
/// x
pub fn validate(_dir: impl AsRef<Path>) -> Result<Report, crate::FormatError> {
    Ok(Report {
        violations: Vec::new(),
    })
}
/// x
#[derive(Debug)]
pub struct Report {
    /// x
    pub violations: Vec<Violation>,
}
/// x
#[derive(Debug)]
pub struct Violation;
