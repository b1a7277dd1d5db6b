//! storage rules.
