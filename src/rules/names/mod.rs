//! names rules.
