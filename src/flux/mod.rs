//! Flux integration. The compiler phases know nothing of Flux.

pub mod health;
