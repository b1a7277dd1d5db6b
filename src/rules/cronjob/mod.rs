//! cronjob rules.
