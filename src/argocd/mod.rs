//! Argo CD integration. The compiler phases know nothing of Argo CD.

pub mod health;
