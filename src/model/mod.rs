//! Typed models: rayc's own file formats (spec, project, overlay) and the KubeRay
//! objects it compiles to and validates.
//!
//! Pure data: no IO, no diagnostics.

pub mod embedded;
pub mod kuberay;
pub mod overlay;
pub mod project;
pub mod quantity;
pub mod spec;
