//! Typed models of the objects rayc emits and validates.
//!
//! Pure data: no IO, no diagnostics, no knowledge of the rayc spec format.

pub mod kuberay;
