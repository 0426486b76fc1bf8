//! cellucid-export (work in progress).
