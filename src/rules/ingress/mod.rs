//! ingress rules.
