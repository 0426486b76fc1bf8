//! cellucid-adapter (work in progress).
