package conformance

import (
	"path/filepath"
	"strings"
	"testing"
)

// The oracles themselves must be able to say no: a check that cannot fail proves nothing.
func TestOraclesRefuseWhatTheyShould(t *testing.T) {
	api, err := LoadAPIServer(filepath.Join(shared(t), "kuberay", "crds", "v1.5.2"))
	if err != nil {
		t.Fatal(err)
	}
	cluster := `apiVersion: ray.io/v1
kind: RayCluster
metadata:
  name: demo
spec:
  headGroupSpec:
    rayStartParams: {}
    template:
      spec:
        containers:
          - name: ray-head
            image: rayproject/ray:2.9.0
  workerGroupSpecs:
    - groupName: small
      REPLICAS_FIELD
      rayStartParams: {}
      template:
        spec:
          containers:
            - name: ray-worker
              image: rayproject/ray:2.9.0
`
	ok, defaulted := api.Validate([]byte(strings.Replace(cluster, "REPLICAS_FIELD", "replicas: 1", 1)))
	if ok.Refused {
		t.Fatalf("a valid RayCluster was refused: %v", ok.Errors)
	}
	if g := defaulted["spec"].(map[string]any)["workerGroupSpecs"].([]any)[0].(map[string]any); g["maxReplicas"] == nil {
		t.Fatalf("CRD defaults were not applied: %v", g)
	}
	bad, _ := api.Validate([]byte(strings.Replace(cluster, "REPLICAS_FIELD", "replica: 1", 1)))
	if !bad.Refused || !strings.Contains(strings.Join(bad.Errors, " "), "replica") {
		t.Fatalf("a misspelt field passed strict validation: %v", bad.Errors)
	}
	typed, _ := api.Validate([]byte(strings.Replace(cluster, "REPLICAS_FIELD", "replicas: two", 1)))
	if !typed.Refused {
		t.Fatal("replicas: two passed the schema's integer type")
	}

	job := `apiVersion: ray.io/v1
kind: RayJob
metadata:
  name: demo
spec:
  entrypoint: python main.py
  suspend: true
  shutdownAfterJobFinishes: false
`
	v, d := api.Validate([]byte(job))
	if v.Refused {
		t.Fatalf("schema refused a RayJob it accepts: %v", v.Errors)
	}
	op, applicable := Operator(d)
	if !applicable || !op.Refused {
		t.Fatalf("the operator accepted a suspended RayJob without shutdownAfterJobFinishes: %v", op)
	}
}
