//! pods rules.
