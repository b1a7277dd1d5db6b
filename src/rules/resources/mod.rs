//! resources rules.
