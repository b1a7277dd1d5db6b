package conformance

import (
	"encoding/json"
	"fmt"
	"strings"

	rayv1 "github.com/ray-project/kuberay/ray-operator/apis/ray/v1"
	"github.com/ray-project/kuberay/ray-operator/controllers/ray/utils"
	"github.com/ray-project/kuberay/ray-operator/pkg/features"
	"k8s.io/component-base/featuregate"
)

// OperatorVersion is the ray-operator module the Go module proxy serves newest
// (v1.4.0 and v1.5.0 are listed; v1.6 and v1.7 are not published as modules).
const OperatorVersion = "v1.5.0"

// operatorGates are the feature gates of this operator release
// (pkg/features/features.go of ray-operator v1.5.0).
var operatorGates = []featuregate.Feature{
	features.RayClusterStatusConditions,
	features.RayJobDeletionPolicy,
	features.RayMultiHostIndexing,
	features.RayServiceIncrementalUpgrade,
}

// OperatorGates is the state of every gate in this run (the release's
// defaults: nothing sets them), in the operator's `--feature-gates` syntax,
// which rayc takes too: both sides judge with the same gates.
func OperatorGates() string {
	var items []string
	for _, g := range operatorGates {
		items = append(items, fmt.Sprintf("%s=%t", g, features.Enabled(g)))
	}
	return strings.Join(items, ",")
}

// Operator judges an object the API server accepted (and defaulted) with the
// operator's own checks, the ones its reconcilers run before doing anything:
// raycluster_controller.go, rayjob_controller.go validateRayJob and
// rayservice_controller.go call utils.Validate*Metadata and utils.Validate*Spec.
// Applicable is false for kinds this operator version has no validation for.
func Operator(defaulted map[string]any) (v Verdict, applicable bool) {
	raw, err := json.Marshal(defaulted)
	if err != nil {
		return refused("encode: " + err.Error()), true
	}
	var errs []error
	switch defaulted["kind"] {
	case "RayCluster":
		var o rayv1.RayCluster
		if err := json.Unmarshal(raw, &o); err != nil {
			return refused("decode: " + err.Error()), true
		}
		errs = append(errs, utils.ValidateRayClusterMetadata(o.ObjectMeta), utils.ValidateRayClusterSpec(&o.Spec, o.Annotations))
	case "RayJob":
		var o rayv1.RayJob
		if err := json.Unmarshal(raw, &o); err != nil {
			return refused("decode: " + err.Error()), true
		}
		errs = append(errs, utils.ValidateRayJobMetadata(o.ObjectMeta), utils.ValidateRayJobSpec(&o))
	case "RayService":
		var o rayv1.RayService
		if err := json.Unmarshal(raw, &o); err != nil {
			return refused("decode: " + err.Error()), true
		}
		errs = append(errs, utils.ValidateRayServiceMetadata(o.ObjectMeta), utils.ValidateRayServiceSpec(&o))
	default:
		return Verdict{}, false
	}
	for _, e := range errs {
		if e != nil {
			v.Errors = append(v.Errors, fmt.Sprint(e))
		}
	}
	v.Refused = len(v.Errors) > 0
	return v, true
}
