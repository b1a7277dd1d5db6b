//! Ingress and services (rules.md 18-19): the head's ingress class and
//! nginx rewrite, RayService head Service names, deletion delay and
//! incremental upgrades.

mod head_ingress;
mod rayservice;

pub(crate) use head_ingress::*;
pub(crate) use rayservice::*;
