//! Typed models: rayc's own spec format and the KubeRay objects it compiles to.
//! Models are plain data: no IO, no diagnostics.

pub mod kuberay_versions;
pub mod project;
pub mod spec;
