//! Operator feature gates (issue #9 item 8): fields and kinds an operator
//! handles only with a gate on (`crate::model::kuberay::GATES`), checked
//! against the gates of the run (`Context::gate_off`).

mod gated;

pub(crate) use gated::*;
