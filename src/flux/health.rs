//! Flux `healthCheckExprs` (CEL) for the ray.io kinds, equivalent to the Argo
//! CD Lua checks: Healthy and Suspended are Current, Degraded is Failed,
//! Progressing is InProgress. The expressions live in
//! `deploy/flux/health_check_exprs/<Kind>/{current,inProgress,failed}.cel`,
//! tested with Flux's own CEL status reader on the Lua checks' fixtures
//! (tests/go/health).

/// One `spec.healthCheckExprs[]` entry of a Flux Kustomization.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HealthCheckExpr {
    pub api_version: &'static str,
    pub kind: &'static str,
    pub current: &'static str,
    pub in_progress: &'static str,
    pub failed: &'static str,
}

/// The files end in a newline; the expressions do not.
macro_rules! cel {
    ($kind:literal, $name:literal) => {
        include_str!(concat!(
            "../../deploy/flux/health_check_exprs/",
            $kind,
            "/",
            $name,
            ".cel"
        ))
        .trim_ascii_end()
    };
}

macro_rules! expr {
    ($kind:literal) => {
        HealthCheckExpr {
            api_version: "ray.io/v1",
            kind: $kind,
            current: cel!($kind, "current"),
            in_progress: cel!($kind, "inProgress"),
            failed: cel!($kind, "failed"),
        }
    };
}

/// The expressions for every ray.io kind rayc emits, sorted by kind.
pub fn health_check_exprs() -> Vec<HealthCheckExpr> {
    vec![
        expr!("RayCluster"),
        expr!("RayCronJob"),
        expr!("RayJob"),
        expr!("RayService"),
    ]
}
