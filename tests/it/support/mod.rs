//! Helpers shared by the suites of the one integration-test binary.

pub mod bounded;
pub mod examples;
pub mod oracle;
pub mod resolve;
pub mod run;
pub mod samples;
pub mod tools;
