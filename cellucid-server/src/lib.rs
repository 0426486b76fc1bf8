//! cellucid-server (work in progress).
