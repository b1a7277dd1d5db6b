//! Argo CD health checks for the ray.io kinds. Placeholder of the agreed
//! shape until the health branch lands; it announces no checks.

/// `(kind, lua)` for every ray.io kind that has a health check.
pub fn lua_checks() -> Vec<(&'static str, &'static str)> {
    Vec::new()
}
