//! autoscaling rules.
