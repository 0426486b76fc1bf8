//! cellucid-quant (work in progress).
