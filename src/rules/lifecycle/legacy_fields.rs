//! Fields only KubeRay v1.0 had, set next to the field that replaced them.
//! Later versions lack the old field altogether (`RAY106`), so these rules
//! report only when targeting v1.0 (`Rule::until`).

use crate::rules::registry::Check;
use crate::rules::view::{child, entry};
use crate::rules::{Input, Sink};

/// Whether a field is set to something (the operator tests `len(x) > 0`).
fn set(node: Option<&crate::load::node::Node>) -> bool {
    use crate::load::node::Value;
    node.is_some_and(|n| match &n.value {
        Value::Null => false,
        Value::Str(s) => !s.is_empty(),
        Value::Map(m) => !m.is_empty(),
        Value::Seq(s) => !s.is_empty(),
        _ => true,
    })
}

declare_rule! {
    /// ## What it does
    /// Flags a RayJob that sets both `runtimeEnv` (base64 JSON, KubeRay v1.0
    /// only) and `runtimeEnvYAML`, when targeting KubeRay v1.0.
    ///
    /// ## Why is this bad?
    /// The v1.0 operator refuses to submit the job ("Both runtimeEnv and
    /// RuntimeEnvYAML are specified", `getRuntimeEnvJson`,
    /// ray-operator/controllers/ray/common/job.go@v1.0.0): the cluster starts
    /// and the job never runs. Later versions have no `runtimeEnv` at all
    /// (`RAY106`).
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   runtimeEnv: eyJwaXAiOiBbInJlcXVlc3RzIl19
    ///   runtimeEnvYAML: |
    ///     pip: [requests]
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// spec:
    ///   runtimeEnvYAML: |
    ///     pip: [requests]
    /// ```
    pub(crate) struct RuntimeEnvTwice;
}

impl Check for RuntimeEnvTwice {
    fn check(input: &Input, sink: &mut Sink) {
        for obj in input
            .objects
            .iter()
            .filter(|o| o.is_ray() && o.is("RayJob"))
        {
            let Some(spec) = obj.spec() else { continue };
            let Some(old) = entry(spec, "runtimeEnv") else {
                continue;
            };
            if set(Some(&old.value)) && set(child(spec, "runtimeEnvYAML")) {
                sink.report(
                    obj,
                    old.key_pos,
                    "spec.runtimeEnv",
                    "runtimeEnv and runtimeEnvYAML are both set; the KubeRay v1.0 operator refuses to submit the job",
                    "keep only `runtimeEnvYAML` (plain YAML; `runtimeEnv` is base64-encoded JSON and gone after v1.0)",
                );
            }
        }
    }
}

declare_rule! {
    /// ## What it does
    /// Flags a RayService that sets both `serveConfig` (the v1 Serve config,
    /// KubeRay v1.0 only) and `serveConfigV2`, when targeting KubeRay v1.0.
    ///
    /// ## Why is this bad?
    /// The v1.0 operator stops reconciling the RayService ("Found non-nil
    /// specifications for both serveConfigV1 and serveConfigV2",
    /// ray-operator/controllers/ray/rayservice_controller.go@v1.0.0): no cluster
    /// and no Serve application. Later versions have no `serveConfig` at all
    /// (`RAY106`).
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   serveConfig:
    ///     importPath: app:deployment
    ///   serveConfigV2: |
    ///     applications: []
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// spec:
    ///   serveConfigV2: |
    ///     applications: []
    /// ```
    pub(crate) struct ServeConfigTwice;
}

impl Check for ServeConfigTwice {
    fn check(input: &Input, sink: &mut Sink) {
        for obj in input
            .objects
            .iter()
            .filter(|o| o.is_ray() && o.is("RayService"))
        {
            let Some(spec) = obj.spec() else { continue };
            let Some(old) = entry(spec, "serveConfig") else {
                continue;
            };
            if set(Some(&old.value)) && set(child(spec, "serveConfigV2")) {
                sink.report(
                    obj,
                    old.key_pos,
                    "spec.serveConfig",
                    "serveConfig and serveConfigV2 are both set; the KubeRay v1.0 operator refuses the RayService",
                    "keep only `serveConfigV2` (the multi-application config)",
                );
            }
        }
    }
}
