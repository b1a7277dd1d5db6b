//! Argo CD: the Config Management Plugin (`plugin.yaml`, the parameter
//! announcement, the build-environment contract), the sync annotations
//! rayc's policies need, and the `Application`s that use the plugin.
//! The compiler phases know nothing of Argo CD; the pipeline calls
//! [`sync::Policy::annotate`] on lowered objects and the CLI does the rest.

pub mod app;
pub mod health;
pub mod plugin;
pub mod sync;
