//! ft rules.
