//! gitops rules.
