// Package health runs rayc's ray.io health checks in the engines that evaluate them:
// the Lua scripts under deploy/argocd/resource_customizations/ in gopher-lua, sandboxed
// the way Argo CD runs a resource.customizations.health script from argocd-cm
// (argo-cd util/lua/lua.go: package, base and table libraries only, 1 s limit), and
// the CEL healthCheckExprs under deploy/flux/health_check_exprs/ through Flux's own
// status reader (github.com/fluxcd/pkg/runtime/cel, as kustomize-controller uses it).
// Both run on the same status fixtures, every case of every health_test.yaml.
package health

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/fluxcd/cli-utils/pkg/kstatus/status"
	"github.com/fluxcd/pkg/apis/kustomize"
	fluxcel "github.com/fluxcd/pkg/runtime/cel"
	lua "github.com/yuin/gopher-lua"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

const (
	luaRoot = "../../../deploy/argocd/resource_customizations/ray.io"
	celRoot = "../../../deploy/flux/health_check_exprs"
)

// The kinds rayc emits (src/model/kuberay/); each needs a Lua check and CEL expressions.
var kinds = []string{"RayCluster", "RayCronJob", "RayJob", "RayService"}

// healthTest is Argo CD's health_test.yaml format (resource_customizations/*/*/health_test.yaml).
type healthTest struct {
	Tests []struct {
		HealthStatus struct {
			Status  string `json:"status"`
			Message string `json:"message"`
		} `json:"healthStatus"`
		InputPath string `json:"inputPath"`
	} `json:"tests"`
}

func readYAML(t *testing.T, path string, into any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.UnmarshalStrict(data, into); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// toLua converts decoded YAML/JSON into Lua values as Argo CD's decodeValue does.
func toLua(l *lua.LState, v any) lua.LValue {
	switch v := v.(type) {
	case nil:
		return lua.LNil
	case bool:
		return lua.LBool(v)
	case float64:
		return lua.LNumber(v)
	case int64:
		return lua.LNumber(v)
	case string:
		return lua.LString(v)
	case []any:
		t := l.CreateTable(len(v), 0)
		for _, item := range v {
			t.Append(toLua(l, item))
		}
		return t
	case map[string]any:
		t := l.CreateTable(0, len(v))
		for k, item := range v {
			t.RawSetH(lua.LString(k), toLua(l, item))
		}
		return t
	}
	panic(fmt.Sprintf("unexpected value %T", v))
}

// runLua evaluates a health script in Argo CD's argocd-cm sandbox and returns hs.status, hs.message.
func runLua(t *testing.T, script string, obj map[string]any) (string, string) {
	t.Helper()
	l := lua.NewState(lua.Options{SkipOpenLibs: true})
	defer l.Close()
	for _, lib := range []struct {
		name string
		open lua.LGFunction
	}{
		{lua.LoadLibName, lua.OpenPackage},
		{lua.BaseLibName, lua.OpenBase},
		{lua.TabLibName, lua.OpenTable},
	} {
		if err := l.CallByParam(lua.P{Fn: l.NewFunction(lib.open), NRet: 0, Protect: true}, lua.LString(lib.name)); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	l.SetContext(ctx)
	l.SetGlobal("obj", toLua(l, obj))
	if err := l.DoString(script); err != nil {
		t.Fatalf("lua: %v", err)
	}
	hs, ok := l.Get(-1).(*lua.LTable)
	if !ok {
		t.Fatalf("lua returned %s, want a table", l.Get(-1).Type())
	}
	str := func(key string) string {
		v, ok := hs.RawGetString(key).(lua.LString)
		if !ok {
			t.Fatalf("hs.%s is %s, want a string", key, hs.RawGetString(key).Type())
		}
		return string(v)
	}
	return str("status"), str("message")
}

func readCEL(t *testing.T, kind, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(celRoot, kind, name+".cel"))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimRight(string(data), "\n")
}

// fluxStatus is what kustomize-controller's health check sees for obj.
func fluxStatus(t *testing.T, kind string, obj map[string]any) status.Status {
	t.Helper()
	newReader, err := fluxcel.NewStatusReader([]kustomize.CustomHealthCheck{{
		APIVersion: "ray.io/v1",
		Kind:       kind,
		HealthCheckExpressions: kustomize.HealthCheckExpressions{
			Current:    readCEL(t, kind, "current"),
			InProgress: readCEL(t, kind, "inProgress"),
			Failed:     readCEL(t, kind, "failed"),
		},
	}})
	if err != nil {
		t.Fatalf("%s: %v", kind, err)
	}
	reader := newReader(meta.NewDefaultRESTMapper(nil))
	rs, err := reader.ReadStatusForObject(context.Background(), nil, &unstructured.Unstructured{Object: obj})
	if err != nil {
		t.Fatal(err)
	}
	return rs.Status
}

// checkPartition evaluates each expression on its own: exactly the one for want is true,
// so every expression is correct when read alone, not only in Flux's evaluation order.
func checkPartition(t *testing.T, kind string, obj map[string]any, want status.Status) {
	t.Helper()
	for name, st := range map[string]status.Status{
		"current":    status.CurrentStatus,
		"inProgress": status.InProgressStatus,
		"failed":     status.FailedStatus,
	} {
		expr, err := fluxcel.NewExpression(readCEL(t, kind, name))
		if err != nil {
			t.Fatalf("%s/%s.cel: %v", kind, name, err)
		}
		got, err := expr.EvaluateBoolean(context.Background(), obj)
		if err != nil {
			t.Fatalf("%s/%s.cel: %v", kind, name, err)
		}
		if got != (st == want) {
			t.Errorf("%s/%s.cel is %v, want %v (object is %s)", kind, name, got, st == want, want)
		}
	}
}

// The Flux status equivalent to an Argo CD health status. A suspended object is where
// its spec asks it to be, so Flux need not wait on it (Current).
var fluxEquivalent = map[string]status.Status{
	"Healthy":     status.CurrentStatus,
	"Suspended":   status.CurrentStatus,
	"Progressing": status.InProgressStatus,
	"Degraded":    status.FailedStatus,
}

// loadObject reads a fixture as Kubernetes hands it to both engines (JSON numbers as int64).
func loadObject(t *testing.T, path string) map[string]any {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	js, err := yaml.YAMLToJSON(data)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	u := &unstructured.Unstructured{}
	if err := u.UnmarshalJSON(js); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return u.Object
}

func TestHealthChecks(t *testing.T) {
	for _, kind := range kinds {
		t.Run(kind, func(t *testing.T) {
			dir := filepath.Join(luaRoot, kind)
			script, err := os.ReadFile(filepath.Join(dir, "health.lua"))
			if err != nil {
				t.Fatal(err)
			}
			var cases healthTest
			readYAML(t, filepath.Join(dir, "health_test.yaml"), &cases)
			if len(cases.Tests) == 0 {
				t.Fatal("health_test.yaml has no tests")
			}
			for _, tc := range cases.Tests {
				t.Run(strings.TrimSuffix(filepath.Base(tc.InputPath), ".yaml"), func(t *testing.T) {
					obj := loadObject(t, filepath.Join(dir, tc.InputPath))
					if obj["kind"] != kind || obj["apiVersion"] != "ray.io/v1" {
						t.Fatalf("fixture is %v %v, want ray.io/v1 %s", obj["apiVersion"], obj["kind"], kind)
					}
					gotStatus, gotMessage := runLua(t, string(script), obj)
					want := tc.HealthStatus
					if gotStatus != want.Status || gotMessage != want.Message {
						t.Errorf("Lua: got %s %q, want %s %q", gotStatus, gotMessage, want.Status, want.Message)
					}

					wantFlux, ok := fluxEquivalent[want.Status]
					if !ok {
						t.Fatalf("no Flux equivalent for %s", want.Status)
					}
					// An object without .status makes every expression that reads it fail to
					// evaluate; Flux then reports Unknown and keeps waiting, as for InProgress.
					if _, has := obj["status"]; !has && wantFlux == status.InProgressStatus {
						wantFlux = status.UnknownStatus
					}
					if got := fluxStatus(t, kind, obj); got != wantFlux {
						t.Errorf("Flux CEL: got %s, want %s (Argo CD %s)", got, wantFlux, want.Status)
					}
					// Flux itself answers InProgress for a stale observedGeneration before it
					// evaluates any expression (runtime/cel/status_evaluator.go).
					observed, hasObserved, _ := unstructured.NestedInt64(obj, "status", "observedGeneration")
					generation, _, _ := unstructured.NestedInt64(obj, "metadata", "generation")
					if _, has := obj["status"]; has && (!hasObserved || observed == generation) {
						checkPartition(t, kind, obj, wantFlux)
					}
				})
			}
		})
	}
}

// Every testdata file is used by a test, and the kind folders are exactly the kinds.
func TestLayout(t *testing.T) {
	for _, root := range []string{luaRoot, celRoot} {
		entries, err := os.ReadDir(root)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range entries {
			got = append(got, e.Name())
		}
		sort.Strings(got)
		if strings.Join(got, ",") != strings.Join(kinds, ",") {
			t.Errorf("%s holds %v, want %v", root, got, kinds)
		}
	}
	for _, kind := range kinds {
		dir := filepath.Join(luaRoot, kind)
		var cases healthTest
		readYAML(t, filepath.Join(dir, "health_test.yaml"), &cases)
		used := map[string]bool{}
		for _, tc := range cases.Tests {
			used[tc.InputPath] = true
		}
		files, err := filepath.Glob(filepath.Join(dir, "testdata", "*.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			if rel := "testdata/" + filepath.Base(f); !used[rel] {
				t.Errorf("%s/%s is no test's input", kind, rel)
			}
		}
		for _, name := range []string{"current", "inProgress", "failed"} {
			if _, err := os.Stat(filepath.Join(celRoot, kind, name+".cel")); err != nil {
				t.Error(err)
			}
		}
	}
}

// The fixtures cover every status value the operator's Go types define, v1.0.0-v1.7.0.
func TestEveryOperatorStatusHasAFixture(t *testing.T) {
	required := map[string]map[string][]string{
		// ray-operator/apis/ray/v1/rayjob_types.go, JobDeploymentStatus constants at v1.0.0 and v1.1.0-v1.7.0.
		"RayJob": {"status.jobDeploymentStatus": {
			"", "Initializing", "Running", "Complete", "Failed", "ValidationFailed", "Suspending",
			"Suspended", "Retrying", "Waiting", "FailedToGetOrCreateRayCluster", "WaitForDashboard",
			"WaitForDashboardReady", "WaitForK8sJob", "FailedJobDeploy", "FailedToGetJobStatus",
		}, "status.jobStatus": {"", "PENDING", "RUNNING", "STOPPED", "SUCCEEDED", "FAILED"}},
		// raycluster_types.go: ClusterState and RayClusterConditionType.
		"RayCluster": {"status.state": {"", "ready", "unhealthy", "failed", "suspended"},
			"status.conditions.type": {"RayClusterProvisioned", "HeadPodReady", "ReplicaFailure",
				"RayClusterSuspending", "RayClusterSuspended"}},
		// rayservice_types.go: ServiceStatus (v1.0-v1.2) and RayServiceConditionType (v1.3+).
		"RayService": {"status.serviceStatus": {"", "Running", "FailedToGetOrCreateRayCluster",
			"WaitForDashboard", "WaitForServeDeploymentReady", "FailedToGetServeDeploymentStatus",
			"Restarting", "FailedToUpdateIngress", "FailedToUpdateServingPodLabel", "FailedToUpdateService"},
			"status.conditions.type": {"Ready", "UpgradeInProgress", "RollbackInProgress", "Suspending", "Suspended"},
			"status.conditions.reason": {"Initializing", "InitializingTimeout", "ZeroServeEndpoints",
				"NonZeroServeEndpoints", "ValidationFailed", "SuspendComplete"}},
		// raycronjob_types.go (v1.6+): lastScheduleTime only; spec.suspend.
		"RayCronJob": {"status.lastScheduleTime": {"", "2026-01-06T02:00:00Z"}},
	}
	for kind, fields := range required {
		seen := map[string]map[string]bool{}
		files, _ := filepath.Glob(filepath.Join(luaRoot, kind, "testdata", "*.yaml"))
		for _, f := range files {
			obj := loadObject(t, f)
			for field := range fields {
				if seen[field] == nil {
					seen[field] = map[string]bool{}
				}
				for _, v := range values(obj, strings.Split(field, ".")) {
					seen[field][v] = true
				}
			}
		}
		for field, want := range fields {
			for _, v := range want {
				if !seen[field][v] {
					t.Errorf("%s: no fixture with %s = %q", kind, field, v)
				}
			}
		}
	}
}

// values collects the strings at path; "" when the path ends early (field unset).
func values(v any, path []string) []string {
	if len(path) == 0 {
		s, _ := v.(string)
		return []string{s}
	}
	switch v := v.(type) {
	case map[string]any:
		return values(v[path[0]], path[1:])
	case []any:
		var out []string
		for _, item := range v {
			out = append(out, values(item, path)...)
		}
		return out
	}
	return []string{""}
}
