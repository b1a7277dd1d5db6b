//! Flux `healthCheckExprs` (CEL) for the ray.io kinds. Placeholder of the
//! agreed shape until the health branch lands; it announces no checks.

/// One `spec.healthCheckExprs[]` entry of a Flux Kustomization.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HealthCheckExpr {
    pub api_version: &'static str,
    pub kind: &'static str,
    pub current: &'static str,
    pub in_progress: &'static str,
    pub failed: &'static str,
}

/// The expressions for every ray.io kind that has one.
pub fn health_check_exprs() -> Vec<HealthCheckExpr> {
    Vec::new()
}
