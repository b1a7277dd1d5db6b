package conformance

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"sigs.k8s.io/yaml"
)

// The operator's own validation tests (`controllers/ray/utils/validation_test.go`
// of the ray-operator module, OperatorVersion) are table tests that call the
// Validate* functions with Go values. They become inputs here at test time: the
// module's package is tested with a `go test -overlay` that wraps each top-level
// Validate* call to write its argument as JSON, and every call becomes one
// ray.io/v1 object. Nothing of upstream is copied into this repository.

// recordedCall is one top-level Validate* call of the upstream tests.
type recordedCall struct {
	Func string          `json:"func"`
	Arg  json.RawMessage `json:"arg"`
	// Annotations passed next to a RayClusterSpec.
	Annotations map[string]string `json:"annotations,omitempty"`
	// Whether the test had switched the RayJobDeletionPolicy gate on.
	DeletionPolicyGate bool `json:"deletionPolicyGate"`
}

// wrapped are the functions the operator's reconcilers call on user objects.
var wrapped = map[string]string{
	"ValidateRayClusterMetadata":    "metadata metav1.ObjectMeta",
	"ValidateRayClusterSpec":        "spec *rayv1.RayClusterSpec, annotations map[string]string",
	"ValidateRayJobMetadata":        "metadata metav1.ObjectMeta",
	"ValidateRayJobSpec":            "rayJob *rayv1.RayJob",
	"ValidateRayServiceMetadata":    "metadata metav1.ObjectMeta",
	"ValidateRayServiceSpec":        "rayService *rayv1.RayService",
	"ValidateClusterUpgradeOptions": "rayService *rayv1.RayService",
}

const recorder = `package utils

import (
	"encoding/json"
	"os"
	"sync"

	"github.com/ray-project/kuberay/ray-operator/pkg/features"
)

var raycDepth int
var raycMu sync.Mutex

// raycEnter records a call made by a test (not one Validate* function calling another).
func raycEnter(fn string, arg any, annotations map[string]string) {
	raycMu.Lock()
	defer raycMu.Unlock()
	raycDepth++
	if raycDepth > 1 {
		return
	}
	line, err := json.Marshal(map[string]any{"func": fn, "arg": arg, "annotations": annotations,
		"deletionPolicyGate": features.Enabled(features.RayJobDeletionPolicy)})
	if err != nil {
		panic(err)
	}
	f, err := os.OpenFile(os.Getenv("RAYC_RECORD"), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		panic(err)
	}
	defer f.Close()
	if _, err := f.Write(append(line, '\n')); err != nil {
		panic(err)
	}
}

func raycLeave() {
	raycMu.Lock()
	raycDepth--
	raycMu.Unlock()
}
`

// upstreamCases runs the module's validation tests with the recording overlay
// and returns every recorded call as a ray.io/v1 document, written under dir.
func upstreamCases(dir string) ([]doc, error) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/ray-project/kuberay/ray-operator").Output()
	if err != nil {
		return nil, fmt.Errorf("go list ray-operator: %w", err)
	}
	pkg := filepath.Join(strings.TrimSpace(string(out)), "controllers", "ray", "utils")
	source, err := os.ReadFile(filepath.Join(pkg, "validation.go"))
	if err != nil {
		return nil, err
	}
	text := string(source)
	var wrappers strings.Builder
	for fn, params := range wrapped {
		decl := regexp.MustCompile(`(?m)^func ` + fn + `\(`)
		if !decl.MatchString(text) {
			return nil, fmt.Errorf("validation.go has no func %s", fn)
		}
		text = decl.ReplaceAllString(text, "func rayc"+fn+"(")
		names := []string{}
		for _, p := range strings.Split(params, ", ") {
			names = append(names, strings.Fields(p)[0])
		}
		annotations := "nil"
		if len(names) == 2 {
			annotations = names[1]
		}
		fmt.Fprintf(&wrappers, "\nfunc %s(%s) error {\n\traycEnter(%q, %s, %s)\n\tdefer raycLeave()\n\treturn rayc%s(%s)\n}\n",
			fn, params, fn, names[0], annotations, fn, strings.Join(names, ", "))
	}
	// A throw-away module holding a copy of the package, with this module's
	// requirements (the module cache itself cannot be overlaid).
	work, err := os.MkdirTemp("", "rayc-upstream-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(work)
	copyDir := filepath.Join(work, "utils")
	if err := os.MkdirAll(copyDir, 0o755); err != nil {
		return nil, err
	}
	files, _ := filepath.Glob(filepath.Join(pkg, "*.go"))
	for _, f := range files {
		base := filepath.Base(f)
		// Only validation_test.go runs: the package's other tests need modules this one lacks.
		if strings.HasSuffix(base, "_test.go") && base != "validation_test.go" {
			continue
		}
		body, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		if base == "validation.go" {
			body = []byte(text + wrappers.String())
		}
		if err := os.WriteFile(filepath.Join(copyDir, base), body, 0o644); err != nil {
			return nil, err
		}
	}
	if err := os.WriteFile(filepath.Join(copyDir, "rayc_record.go"), []byte(recorder), 0o644); err != nil {
		return nil, err
	}
	gomod, err := os.ReadFile("go.mod")
	if err != nil {
		return nil, err
	}
	gomod = []byte(strings.Replace(string(gomod), "module rayc.dev/conformance", "module rayc.dev/upstream", 1) +
		"\nrequire github.com/stretchr/testify v1.11.0\n")
	gosum, err := os.ReadFile("go.sum")
	if err != nil {
		return nil, err
	}
	if os.WriteFile(filepath.Join(work, "go.mod"), gomod, 0o644) != nil || os.WriteFile(filepath.Join(work, "go.sum"), gosum, 0o644) != nil {
		return nil, fmt.Errorf("cannot write the module in %s", work)
	}
	record := filepath.Join(work, "calls.jsonl")
	cmd := exec.Command("go", "test", "-mod=mod", "-count=1", "-run", "^TestValidate", "./utils")
	cmd.Dir = work
	cmd.Env = append(os.Environ(), "RAYC_RECORD="+record)
	if msg, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("upstream validation tests: %v\n%s", err, msg)
	}
	f, err := os.Open(record)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var calls []recordedCall
	scanner := bufio.NewScanner(f)
	scanner.Buffer(make([]byte, 1<<20), 1<<26)
	for scanner.Scan() {
		var call recordedCall
		if err := json.Unmarshal(scanner.Bytes(), &call); err != nil {
			return nil, err
		}
		calls = append(calls, call)
	}
	if err := scanner.Err(); err != nil {
		return nil, err
	}
	// Some upstream tables are Go maps, run in random order: number the cases by content.
	key := func(c recordedCall) string {
		k, _ := json.Marshal(c)
		return string(k)
	}
	sort.SliceStable(calls, func(i, j int) bool { return key(calls[i]) < key(calls[j]) })
	var docs []doc
	for i, call := range calls {
		n := i + 1
		object := caseObject(call, n)
		raw, err := yaml.Marshal(object)
		if err != nil {
			return nil, err
		}
		name := fmt.Sprintf("case-%03d", n)
		file := filepath.Join(dir, fmt.Sprintf("%03d-%s.yaml", n, strings.TrimPrefix(call.Func, "Validate")))
		if err := os.WriteFile(file, raw, 0o644); err != nil {
			return nil, err
		}
		meta, _ := object["metadata"].(map[string]any)
		if n, ok := meta["name"].(string); ok {
			name = n
		}
		class := "operator's validation_test.go (" + OperatorVersion + ")"
		if call.DeletionPolicyGate {
			class = "operator's validation_test.go (" + OperatorVersion + "), cases for RayJobDeletionPolicy on"
		}
		docs = append(docs, doc{class: class, file: file, kind: object["kind"].(string), name: name,
			apiVersion: "ray.io/v1", raw: raw, version: "v1.5"})
	}
	return docs, nil
}

// caseObject turns one recorded call into the object the reconciler would have
// been given: metadata cases get a minimal valid spec, spec cases a name.
func caseObject(call recordedCall, n int) map[string]any {
	var arg map[string]any
	_ = json.Unmarshal(call.Arg, &arg)
	name := fmt.Sprintf("case-%03d", n)
	kind := map[string]string{
		"ValidateRayClusterMetadata": "RayCluster", "ValidateRayClusterSpec": "RayCluster",
		"ValidateRayJobMetadata": "RayJob", "ValidateRayJobSpec": "RayJob",
		"ValidateRayServiceMetadata": "RayService", "ValidateRayServiceSpec": "RayService",
		"ValidateClusterUpgradeOptions": "RayService",
	}[call.Func]
	object := map[string]any{"apiVersion": "ray.io/v1", "kind": kind}
	switch {
	case strings.HasSuffix(call.Func, "Metadata"):
		object["metadata"] = arg
		object["spec"] = minimalSpec(kind)
	case call.Func == "ValidateRayClusterSpec":
		meta := map[string]any{"name": name}
		if len(call.Annotations) > 0 {
			meta["annotations"] = call.Annotations
		}
		object["metadata"] = meta
		object["spec"] = arg
	default: // the whole object
		for k, v := range arg {
			if k != "status" {
				object[k] = v
			}
		}
		object["apiVersion"], object["kind"] = "ray.io/v1", kind
	}
	meta, _ := object["metadata"].(map[string]any)
	if meta == nil {
		meta = map[string]any{}
	}
	delete(meta, "creationTimestamp")
	if meta["name"] == nil || meta["name"] == "" {
		if !strings.HasSuffix(call.Func, "Metadata") {
			meta["name"] = name
		}
	}
	object["metadata"] = meta
	return object
}

func minimalSpec(kind string) map[string]any {
	cluster := map[string]any{"headGroupSpec": map[string]any{"rayStartParams": map[string]any{},
		"template": map[string]any{"spec": map[string]any{"containers": []any{
			map[string]any{"name": "ray-head", "image": "rayproject/ray:2.46.0"}}}}}}
	switch kind {
	case "RayJob":
		return map[string]any{"entrypoint": "python main.py", "rayClusterSpec": cluster}
	case "RayService":
		return map[string]any{"serveConfigV2": "applications: []\n", "rayClusterConfig": cluster}
	}
	return cluster
}
