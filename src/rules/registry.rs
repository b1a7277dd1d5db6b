//! The one table of rules: code, name, severity, area and the struct that
//! checks and documents it. The `Rule` enum and its lookups are generated from
//! this table, so a rule cannot exist without a code, and no code exists twice
//! (a test checks). Codes are stable and never reused: retire a rule by
//! keeping its row out of `ALL`, never by giving its code to another.

use crate::diag::Severity;
use crate::diag::codes::Code;
use crate::model::kuberay::KubeRayVersion;

use super::{Input, Sink};

#[allow(clippy::wildcard_imports)]
use super::{
    autoscaling::*, bounds::*, cronjob::*, ft::*, gates::*, gitops::*, images::*, ingress::*,
    lifecycle::*, names::*, pods::*, resources::*, storage::*,
};

/// The documentation of a rule, taken from its struct's doc comment by `declare_rule!`.
pub(crate) trait Explain {
    const EXPLAIN: &'static str;
    const FILE: &'static str;
}

/// The check of a rule: reads the whole input, reports through the sink.
pub(crate) trait Check {
    fn check(input: &Input, sink: &mut Sink);
}

macro_rules! registry {
    ($( $code:literal => $variant:ident, $name:literal, $severity:ident, $area:literal; )*) => {
        /// Every semantic rule rayc knows, in code order.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Rule {
            $( #[doc = $code] $variant, )*
        }

        impl Rule {
            pub const ALL: &'static [Rule] = &[$(Rule::$variant),*];

            pub fn iter() -> impl Iterator<Item = Rule> {
                Rule::ALL.iter().copied()
            }

            /// The stable code, e.g. `RAY201`.
            pub fn code(self) -> Code {
                match self { $(Rule::$variant => Code::new($code),)* }
            }

            /// The kebab-case name, e.g. `min-above-max`.
            pub fn name(self) -> &'static str {
                match self { $(Rule::$variant => $name,)* }
            }

            pub fn severity(self) -> Severity {
                match self { $(Rule::$variant => Severity::$severity,)* }
            }

            /// The area folder the rule lives in (`bounds`, `names`, …).
            pub fn area(self) -> &'static str {
                match self { $(Rule::$variant => $area,)* }
            }

            /// The source file that defines the rule.
            pub fn source_file(self) -> &'static str {
                match self { $(Rule::$variant => <$variant as Explain>::FILE,)* }
            }

            fn raw_doc(self) -> &'static str {
                match self { $(Rule::$variant => <$variant as Explain>::EXPLAIN,)* }
            }

            pub(crate) fn run(self, input: &Input, sink: &mut Sink) {
                match self { $(Rule::$variant => <$variant as Check>::check(input, sink),)* }
            }
        }
    };
}

/// How a rule's verdict depends on the target KubeRay version: from `since`
/// on, the operator refuses the object (the rule's registry severity); before,
/// that operator accepts it and the rule reports `before` (or nothing).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Versions {
    pub since: KubeRayVersion,
    pub before: Option<Severity>,
    /// What an operator before `since` does with the object, for the docs.
    pub before_means: &'static str,
    /// The upstream check, as `file@tag, function`.
    pub source: &'static str,
    /// What an operator from `since` on does with the object, for the docs.
    pub since_means: &'static str,
}

/// What most version-dependent checks mirror: the operator's refusal.
const REJECTS: &str = "rejects the object";

impl Rule {
    /// Where the rule's verdict changes with the KubeRay version; `None`
    /// when it is the same for every version rayc knows.
    pub fn versions(self) -> Option<Versions> {
        let v1 = KubeRayVersion::v1;
        Some(match self {
            Rule::RayServiceHeadServiceName => Versions {
                since: v1(3),
                before: Some(Severity::Warning),
                before_means: "accepts it, and the first zero-downtime upgrade hangs: the new cluster's head Service cannot take the name",
                source: "ray-operator/controllers/ray/utils/validation.go@v1.3.0, ValidateRayServiceSpec",
                since_means: REJECTS,
            },
            Rule::AutoscalerV2RestartPolicy => Versions {
                since: v1(4),
                before: None,
                before_means: "has no `autoscalerOptions.version` (the field is new in v1.4) and no such check",
                source: "ray-operator/controllers/ray/utils/validation.go@v1.4.0, ValidateRayClusterSpec",
                since_means: REJECTS,
            },
            Rule::TtlWithoutShutdown => Versions {
                since: v1(4),
                before: Some(Severity::Warning),
                before_means: "accepts it and ignores the TTL (nothing is deleted)",
                source: "ray-operator/controllers/ray/utils/validation.go@v1.4.0, ValidateRayJobSpec",
                since_means: REJECTS,
            },
            Rule::DuplicateDeletionRule
            | Rule::DeletionRuleTtlOrder
            | Rule::LegacyDeletionPolicyUnset => Versions {
                since: v1(5),
                before: None,
                before_means: "has no `deletionStrategy` (the field is new in v1.5)",
                source: "ray-operator/controllers/ray/utils/validation.go@v1.5.0, validateDeletionRules and validateLegacyDeletionPolicies",
                since_means: REJECTS,
            },
            Rule::FeatureGateIgnored => Versions {
                since: v1(5),
                before: None,
                before_means: "has neither gate: the incremental upgrade type is new in v1.5, the RayCronJob kind in v1.6",
                source: "ray-operator/pkg/features/features.go@v1.5.0 (RayServiceIncrementalUpgrade) and @v1.6.0 (RayCronJob)",
                since_means: "accepts the object and does not act on it",
            },
            Rule::InvalidInitializingTimeout => Versions {
                since: v1(5),
                before: None,
                before_means: "has no such annotation and ignores it",
                source: "ray-operator/controllers/ray/utils/validation.go@v1.5.0, validateInitializingTimeout",
                since_means: REJECTS,
            },
            Rule::AutoscalerStartCmdInEnv => Versions {
                since: v1(7),
                before: None,
                before_means: "does not generate the variable and passes yours to the autoscaler",
                source: "ray-operator/controllers/ray/utils/validation.go@v1.7.0, ValidateRayClusterSpec",
                since_means: REJECTS,
            },
            Rule::K8sTokenAuthInManagedCluster => Versions {
                since: v1(6),
                before: None,
                before_means: "has no `enableK8sTokenAuth` (the field is new in v1.6)",
                source: "ray-operator/controllers/ray/utils/validation.go@v1.6.0, ValidateRayJobSpec and ValidateRayServiceSpec",
                since_means: REJECTS,
            },
            Rule::WorkerIdleTimeoutWithoutV2 => Versions {
                since: v1(6),
                before: Some(Severity::Warning),
                before_means: "accepts it, and the idle timeout does nothing without autoscaler v2",
                source: "ray-operator/controllers/ray/utils/validation.go@v1.6.0, validateWorkerGroupIdleTimeout",
                since_means: REJECTS,
            },
            Rule::WorkerPriorityRequirements => Versions {
                since: v1(7),
                before: None,
                before_means: "has no `priority` (the field is new in v1.7)",
                source: "ray-operator/controllers/ray/utils/validation.go@v1.7.0, validateWorkerGroupPriority",
                since_means: REJECTS,
            },
            Rule::InvalidGroupLabel => Versions {
                since: v1(5),
                before: None,
                before_means: "has no group `labels` (the field is new in v1.5)",
                source: "ray-operator/controllers/ray/utils/validation.go@v1.5.0, validateRayGroupLabels",
                since_means: REJECTS,
            },
            Rule::UpgradeStrategyInManagedCluster => Versions {
                since: v1(6),
                before: None,
                before_means: "has no RayCluster `upgradeStrategy` (the field is new in v1.6)",
                source: "ray-operator/controllers/ray/utils/validation.go@v1.6.0, ValidateRayClusterUpgradeOptions",
                since_means: REJECTS,
            },
            Rule::TimeZoneInSchedule => Versions {
                since: v1(7),
                before: Some(Severity::Warning),
                before_means: "accepts the prefix (the cron library reads `TZ=`), though `spec.timeZone` is the supported place",
                source: "ray-operator/controllers/ray/utils/validation.go@v1.7.0, ValidateRayCronJobSpec",
                since_means: REJECTS,
            },
            Rule::FeatureGateRefused => Versions {
                since: v1(3),
                before: None,
                before_means: "has no feature gate that refuses a field (v1.2 has only RayClusterStatusConditions)",
                source: "ray-operator/controllers/ray/utils/validation.go@v1.3.0 (RayJobDeletionPolicy) and @v1.7.0 (RayClusterMTLS, RayClusterNetworkPolicy, RayClusterHistoryServer, GCSFaultToleranceEmbeddedStorage)",
                since_means: REJECTS,
            },
            _ => return None,
        })
    }

    /// The operator feature gate this check runs under: the operator makes
    /// it only with the gate on (off, it refuses or ignores the field first,
    /// which `RAY940`/`RAY941` report). Where the target operator has no such
    /// gate, the rule follows [`Rule::versions`] alone.
    pub fn gate(self) -> Option<&'static str> {
        match self {
            Rule::DeletionStrategyWithShutdown
            | Rule::DeleteWorkersWithAutoscaling
            | Rule::DuplicateDeletionRule
            | Rule::DeletionRuleTtlOrder
            | Rule::LegacyDeletionPolicyUnset => Some("RayJobDeletionPolicy"),
            Rule::IncrementalUpgradeWithoutAutoscaler | Rule::IncrementalUpgradeOptions => {
                Some("RayServiceIncrementalUpgrade")
            }
            _ => None,
        }
    }

    /// The severity at `version`, or `None` where the rule does not apply.
    pub fn severity_at(self, version: KubeRayVersion) -> Option<Severity> {
        if self.until().is_some_and(|u| version > u.last) {
            return None;
        }
        match self.versions() {
            Some(v) if version < v.since => v.before,
            _ => Some(self.severity()),
        }
    }

    /// Whether the operator of `version` refuses what the rule reports
    /// (rules whose verdict does not depend on the version: always `true`).
    pub fn refused_at(self, version: KubeRayVersion) -> bool {
        self.versions().is_none_or(|v| version >= v.since)
            && self.until().is_none_or(|u| version <= u.last)
    }
}

/// A check only older operators make: after `last` the field it reads is gone
/// (reported as RAY106), and the rule says nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Until {
    pub last: KubeRayVersion,
    /// What later versions do instead, for the docs.
    pub after_means: &'static str,
    /// The upstream check, as `file@tag, function`.
    pub source: &'static str,
}

impl Rule {
    /// The last version whose operator makes the rule's check, for checks
    /// later versions dropped; `None` when the newest operator still makes it.
    pub fn until(self) -> Option<Until> {
        let v1 = KubeRayVersion::v1;
        Some(match self {
            Rule::RuntimeEnvTwice => Until {
                last: v1(0),
                after_means: "has no `runtimeEnv` field (RAY106)",
                source: "ray-operator/controllers/ray/common/job.go@v1.0.0, getRuntimeEnvJson",
            },
            Rule::ServeConfigTwice => Until {
                last: v1(0),
                after_means: "has no `serveConfig` field (RAY106)",
                source: "ray-operator/controllers/ray/rayservice_controller.go@v1.0.0, Reconcile",
            },
            _ => return None,
        })
    }
}

impl Rule {
    /// The rule's documentation (Markdown), from its doc comment.
    pub fn explain(self) -> String {
        let lines: Vec<&str> = self
            .raw_doc()
            .lines()
            .map(|l| l.strip_prefix(' ').unwrap_or(l))
            .collect();
        let mut text = lines.join("\n").trim().to_owned();
        text.push('\n');
        text
    }

    /// The first sentence of `## What it does`, for indexes.
    pub fn summary(self) -> String {
        let doc = self.explain();
        let body = doc
            .split("## What it does")
            .nth(1)
            .and_then(|rest| rest.split("\n## ").next())
            .unwrap_or("");
        let flat = body.split_whitespace().collect::<Vec<_>>().join(" ");
        match flat.find(". ") {
            Some(i) => flat[..=i].to_owned(),
            None => flat,
        }
    }

    /// Finds a rule by code (`RAY201`, any case) or name (`min-above-max`).
    pub fn find(code_or_name: &str) -> Option<Rule> {
        let wanted = code_or_name.trim();
        Rule::iter().find(|r| r.code().as_str().eq_ignore_ascii_case(wanted) || r.name() == wanted)
    }
}

registry! {
    // Numbers and bounds (rules.md 1-3)
    "RAY201" => MinAboveMax, "min-above-max", Error, "bounds";
    "RAY202" => NegativeReplicas, "negative-replicas", Error, "bounds";
    "RAY203" => ReplicasOutsideBounds, "replicas-outside-bounds", Warning, "bounds";
    "RAY204" => NegativeSeconds, "negative-seconds", Error, "bounds";
    "RAY205" => NonPositiveDeadline, "non-positive-deadline", Error, "bounds";
    "RAY206" => InvalidNumOfHosts, "invalid-num-of-hosts", Error, "bounds";
    "RAY207" => PortOutOfRange, "port-out-of-range", Error, "bounds";
    "RAY209" => BoundsWithoutAutoscaling, "bounds-without-autoscaling", Warning, "bounds";
    "RAY210" => NegativeQuantity, "negative-quantity", Error, "bounds";
    "RAY211" => RequestAboveLimit, "request-above-limit", Error, "bounds";
    "RAY212" => UnboundedAutoscaledGroup, "unbounded-autoscaled-group", Error, "bounds";
    // Names (rules.md 4-6)
    "RAY301" => InvalidObjectName, "invalid-object-name", Error, "names";
    "RAY302" => ObjectNameTooLong, "object-name-too-long", Error, "names";
    "RAY303" => InvalidGroupName, "invalid-group-name", Error, "names";
    "RAY304" => DuplicateGroupName, "duplicate-group-name", Error, "names";
    "RAY305" => DuplicateContainerName, "duplicate-container-name", Error, "names";
    "RAY306" => DuplicatePortName, "duplicate-port-name", Error, "names";
    "RAY307" => DuplicateObject, "duplicate-object", Error, "names";
    "RAY308" => InvalidNamespace, "invalid-namespace", Error, "names";
    "RAY309" => MissingObjectName, "missing-object-name", Error, "names";
    // Pods (rules.md 7-9)
    "RAY401" => MissingContainers, "missing-containers", Error, "pods";
    "RAY402" => RayContainerNotFirst, "ray-container-not-first", Error, "pods";
    "RAY403" => InvalidEnumValue, "invalid-enum-value", Error, "pods";
    "RAY404" => PodLevelResources, "pod-level-resources", Warning, "pods";
    // Images and versions (rules.md 10-12)
    "RAY501" => MissingRayVersion, "missing-ray-version", Warning, "images";
    "RAY502" => RayVersionImageMismatch, "ray-version-image-mismatch", Warning, "images";
    "RAY503" => MixedRayVersions, "mixed-ray-versions", Error, "images";
    "RAY504" => MixedRegistries, "mixed-registries", Warning, "images";
    "RAY505" => MixedImages, "mixed-images", Warning, "images";
    "RAY506" => ImagePlaceholder, "image-placeholder", Error, "images";
    "RAY507" => AuthTokenRayVersion, "auth-token-ray-version", Error, "images";
    "RAY508" => K8sTokenAuthRayVersion, "k8s-token-auth-ray-version", Error, "images";
    "RAY509" => K8sTokenAuthWithSecret, "k8s-token-auth-with-secret", Error, "images";
    "RAY510" => K8sTokenAuthWithoutTokenMode, "k8s-token-auth-without-token-mode", Error, "images";
    // Resources and accelerators (rules.md 13-15)
    "RAY601" => ExtendedResourceMismatch, "extended-resource-mismatch", Error, "resources";
    "RAY602" => ExtendedResourceWithoutLimit, "extended-resource-without-limit", Error, "resources";
    "RAY603" => GpuOnHead, "gpu-on-head", Warning, "resources";
    "RAY604" => GpuImageWithoutCuda, "gpu-image-without-cuda", Warning, "resources";
    "RAY605" => RayResourcesTwice, "ray-resources-twice", Error, "resources";
    "RAY606" => LabelsInRayStartParams, "labels-in-ray-start-params", Error, "resources";
    "RAY607" => RayStartParamNotString, "ray-start-param-not-string", Error, "resources";
    // Autoscaling (rules.md 16-17)
    "RAY701" => AutoscalerOptionsWithoutAutoscaling, "autoscaler-options-without-autoscaling", Warning, "autoscaling";
    "RAY702" => AutoscalerV2EnvWithoutAutoscaling, "autoscaler-v2-env-without-autoscaling", Error, "autoscaling";
    "RAY703" => AutoscalerVersionTwice, "autoscaler-version-twice", Error, "autoscaling";
    "RAY704" => AutoscalerV2RestartPolicy, "autoscaler-v2-restart-policy", Error, "autoscaling";
    "RAY705" => SuspendedGroupWithAutoscaling, "suspended-group-with-autoscaling", Error, "autoscaling";
    "RAY706" => GitopsPinnedReplicas, "gitops-pinned-replicas", Warning, "autoscaling";
    // Ingress and services (rules.md 18-19)
    "RAY801" => IngressWithoutClass, "ingress-without-class", Warning, "ingress";
    "RAY802" => RewriteTargetWithoutCapture, "rewrite-target-without-capture", Warning, "ingress";
    "RAY803" => RayServiceHeadServiceName, "rayservice-head-service-name", Error, "ingress";
    "RAY804" => NegativeClusterDeletionDelay, "negative-cluster-deletion-delay", Error, "ingress";
    "RAY805" => IncrementalUpgradeWithoutAutoscaler, "incremental-upgrade-without-autoscaler", Error, "ingress";
    "RAY806" => IncrementalUpgradeOptions, "incremental-upgrade-options", Error, "ingress";
    // RayJob lifecycle (rules.md 20-22)
    "RAY901" => ClusterSourceNotExactlyOne, "cluster-source-not-exactly-one", Error, "lifecycle";
    "RAY902" => ClusterSelectorConflict, "cluster-selector-conflict", Error, "lifecycle";
    "RAY903" => SuspendWithoutShutdown, "suspend-without-shutdown", Error, "lifecycle";
    "RAY904" => TtlWithoutShutdown, "ttl-without-shutdown", Error, "lifecycle";
    "RAY905" => BackoffLimitInteractive, "backoff-limit-interactive", Error, "lifecycle";
    "RAY906" => MissingEntrypoint, "missing-entrypoint", Error, "lifecycle";
    "RAY907" => SidecarModeSubmitter, "sidecar-mode-submitter", Error, "lifecycle";
    "RAY908" => SidecarModeHeadRestartPolicy, "sidecar-mode-head-restart-policy", Error, "lifecycle";
    "RAY909" => DeletionStrategyWithShutdown, "deletion-strategy-with-shutdown", Error, "lifecycle";
    "RAY910" => DeleteWorkersWithAutoscaling, "delete-workers-with-autoscaling", Error, "lifecycle";
    "RAY911" => SelfDeletingJobUnderArgoCd, "self-deleting-job-under-argocd", Warning, "lifecycle";
    "RAY912" => InvalidRuntimeEnvYaml, "invalid-runtime-env-yaml", Error, "lifecycle";
    "RAY913" => InvalidServeConfig, "invalid-serve-config", Error, "lifecycle";
    "RAY914" => ServeAppMissingImportPath, "serve-app-missing-import-path", Error, "lifecycle";
    "RAY915" => DuplicateServeAppName, "duplicate-serve-app-name", Error, "lifecycle";
    "RAY916" => DuplicateRoutePrefix, "duplicate-route-prefix", Error, "lifecycle";
    "RAY917" => RayServiceWithoutServeConfig, "rayservice-without-serve-config", Error, "lifecycle";
    // Operator checks mirrored from utils/validation.go (issue #9 item 9)
    "RAY930" => DuplicateDeletionRule, "duplicate-deletion-rule", Error, "lifecycle";
    "RAY931" => DeletionRuleTtlOrder, "deletion-rule-ttl-order", Error, "lifecycle";
    "RAY932" => InvalidInitializingTimeout, "invalid-initializing-timeout", Error, "ingress";
    "RAY933" => AutoscalerStartCmdInEnv, "autoscaler-start-cmd-in-env", Error, "autoscaling";
    "RAY934" => K8sTokenAuthInManagedCluster, "k8s-token-auth-in-managed-cluster", Error, "images";
    "RAY935" => LegacyDeletionPolicyUnset, "legacy-deletion-policy-unset", Error, "lifecycle";
    "RAY936" => WorkerIdleTimeoutWithoutV2, "worker-idle-timeout-without-v2", Error, "autoscaling";
    "RAY937" => WorkerPriorityRequirements, "worker-priority-requirements", Error, "autoscaling";
    // Operator feature gates (issue #9 item 8)
    "RAY940" => FeatureGateRefused, "feature-gate-refused", Error, "gates";
    "RAY941" => FeatureGateIgnored, "feature-gate-ignored", Error, "gates";
    "RAY945" => InvalidGroupLabel, "invalid-group-label", Error, "names";
    "RAY946" => UpgradeStrategyInManagedCluster, "upgrade-strategy-in-managed-cluster", Error, "lifecycle";
    "RAY947" => RuntimeEnvTwice, "runtime-env-twice", Error, "lifecycle";
    "RAY948" => ServeConfigTwice, "serve-config-twice", Error, "lifecycle";
    "RAY949" => JobMetadataRayVersion, "job-metadata-ray-version", Error, "lifecycle";
    // RayCronJob (rules.md 23)
    "RAY951" => InvalidCronSchedule, "invalid-cron-schedule", Error, "cronjob";
    "RAY952" => TimeZoneInSchedule, "time-zone-in-schedule", Error, "cronjob";
    "RAY953" => InvalidTimeZone, "invalid-time-zone", Error, "cronjob";
    // Storage and sources (rules.md 24-25)
    "RAY961" => SingleNodeClaimShared, "single-node-claim-shared", Error, "storage";
    "RAY962" => UnpinnedGitSource, "unpinned-git-source", Warning, "storage";
    // GCS fault tolerance (rules.md 26)
    "RAY971" => FtAnnotationWithOptions, "ft-annotation-with-options", Error, "ft";
    "RAY972" => LegacyRedisSettingWithFtOptions, "legacy-redis-setting-with-ft-options", Error, "ft";
    "RAY973" => RedisAddressWithoutFt, "redis-address-without-ft", Error, "ft";
    "RAY974" => RedisUsernameOutsideOptions, "redis-username-outside-options", Error, "ft";
    // GitOps (rules.md 27-28)
    "RAY981" => FluxSubstitution, "flux-substitution", Warning, "gitops";
    "RAY982" => NoObjects, "no-objects", Error, "gitops";
}
