//! cellucid-rs command line.
fn main() {}
