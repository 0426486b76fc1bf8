//! cellucid-format (work in progress).
