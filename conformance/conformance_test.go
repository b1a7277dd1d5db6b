package conformance

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

// repoRoot is the rayc repository (this module lives in its conformance/ folder).
func repoRoot(t *testing.T) string {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Dir(wd)
}

// shared is $RAYC_SHARED or ../shared beside the repository. Under CI the oracle
// never skips; elsewhere it skips loudly.
func shared(t *testing.T) string {
	dir := os.Getenv("RAYC_SHARED")
	if dir == "" {
		dir = filepath.Join(repoRoot(t), "..", "shared")
	}
	if _, err := os.Stat(filepath.Join(dir, "kuberay", "crds")); err != nil {
		msg := fmt.Sprintf("SKIPPED: no KubeRay CRDs under RAYC_SHARED=%s (set RAYC_SHARED to the shared folder)", dir)
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return dir
}

// raycBin is the rayc binary the Rust build made ($RAYC_BIN, or target/debug/rayc).
func raycBin(t *testing.T) string {
	bin := os.Getenv("RAYC_BIN")
	if bin == "" {
		bin = filepath.Join(repoRoot(t), "target", "debug", "rayc")
	}
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("rayc binary %s not found: run `cargo build` first or set RAYC_BIN", bin)
	}
	return bin
}

// doc is one ray.io document of an input file.
type doc struct {
	class, file string // file as given to rayc (relative to the repo root)
	kind, name  string
	apiVersion  string
	raw         []byte
	// version is the KubeRay version the input is written for (`# kuberay: v1.3`
	// in a fixture's header): it is compared at that version only. "" = every version.
	version string
}

// declaredVersion reads a fixture's `# kuberay: vX.Y` header (its leading comments).
func declaredVersion(raw []byte) string {
	for _, line := range strings.Split(string(raw), "\n") {
		if !strings.HasPrefix(line, "#") {
			break
		}
		if v, ok := strings.CutPrefix(line, "# kuberay:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

var rayKinds = map[string]bool{"RayCluster": true, "RayJob": true, "RayService": true, "RayCronJob": true}

// inputs gathers every ray.io document of the corpus, by class.
func inputs(t *testing.T, root, sharedDir string) []doc {
	classes := []struct{ class, dir string }{
		{"example outputs (golden/)", filepath.Join(root, "golden")},
		{"rule fixtures (tests/rules/)", filepath.Join(root, "tests", "rules")},
		{"CEL fixtures (tests/cel/)", filepath.Join(root, "tests", "cel")},
		{"KubeRay samples", filepath.Join(sharedDir, "kuberay", "samples")},
		{"real-world manifests (wild)", filepath.Join(sharedDir, "kuberay", "wild")},
		{"tutorial seed", filepath.Join(sharedDir, "seed")},
	}
	if dir := os.Getenv("RAYC_MUTATIONS_DIR"); dir != "" {
		classes = append(classes, struct{ class, dir string }{"mutation suite", dir})
	}
	var out []doc
	for _, c := range classes {
		var files []string
		_ = filepath.WalkDir(c.dir, func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && (strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".yml")) {
				files = append(files, p)
			}
			return nil
		})
		sort.Strings(files)
		for _, f := range files {
			raw, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			version := declaredVersion(raw)
			reader := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(raw)))
			for {
				chunk, err := reader.Read()
				if err == io.EOF {
					break
				}
				if err != nil {
					break
				}
				var head struct {
					APIVersion string `json:"apiVersion"`
					Kind       string `json:"kind"`
					Metadata   struct {
						Name string `json:"name"`
					} `json:"metadata"`
				}
				if yaml.Unmarshal(chunk, &head) != nil || !rayKinds[head.Kind] || !strings.HasPrefix(head.APIVersion, "ray.io/") {
					continue
				}
				out = append(out, doc{class: c.class, file: f, kind: head.Kind, name: head.Metadata.Name, apiVersion: head.APIVersion, raw: chunk, version: version})
			}
		}
	}
	return out
}

// raycVerdicts runs `rayc validate --format json` once over every input file for
// one KubeRay version and returns, per document in input order, whether rayc
// refuses it (an unsuppressed error) and with which codes.
func raycVerdicts(t *testing.T, bin, version, gates string, docs []doc) []Verdict {
	files := map[string]bool{}
	var list []string
	for _, d := range docs {
		if !files[d.file] {
			files[d.file] = true
			list = append(list, d.file)
		}
	}
	args := []string{"validate", "--format", "json", "--kuberay-version", version}
	if gates != "" {
		args = append(args, "--feature-gates", gates)
	}
	args = append(args, list...)
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "NO_COLOR=1")
	out, err := cmd.Output()
	if ee, ok := err.(*exec.ExitError); ok && ee.ExitCode() > 1 {
		t.Fatalf("rayc %s: exit %d: %s", strings.Join(args[:5], " "), ee.ExitCode(), ee.Stderr)
	}
	var report struct {
		Resources []struct {
			Filename string `json:"filename"`
			Kind     string `json:"kind"`
			Name     string `json:"name"`
			Findings []struct {
				Code         string  `json:"code"`
				Severity     string  `json:"severity"`
				SuppressedBy *string `json:"suppressedBy"`
			} `json:"findings"`
		} `json:"resources"`
	}
	if err := json.Unmarshal(out, &report); err != nil {
		t.Fatalf("rayc json: %v", err)
	}
	// The n-th resource of a (file, kind, name) answers the n-th such document.
	type key struct{ file, kind, name string }
	byKey := map[key][]Verdict{}
	for _, r := range report.Resources {
		var v Verdict
		for _, f := range r.Findings {
			if f.Severity == "error" && f.SuppressedBy == nil {
				v.Errors = append(v.Errors, f.Code)
			}
		}
		sort.Strings(v.Errors)
		v.Refused = len(v.Errors) > 0
		k := key{r.Filename, r.Kind, r.Name}
		byKey[k] = append(byKey[k], v)
	}
	verdicts := make([]Verdict, len(docs))
	for i, d := range docs {
		k := key{d.file, d.kind, d.name}
		if vs := byKey[k]; len(vs) > 0 {
			verdicts[i] = vs[0]
			byKey[k] = vs[1:]
		}
	}
	return verdicts
}

// tally counts one comparison class.
type tally struct{ bothAccept, bothRefuse, raycOnly, oracleOnly int }

func (c *tally) add(rayc, oracle bool) {
	switch {
	case rayc && oracle:
		c.bothRefuse++
	case rayc:
		c.raycOnly++
	case oracle:
		c.oracleOnly++
	default:
		c.bothAccept++
	}
}

func (c tally) row(label string) string {
	return fmt.Sprintf("| %s | %d | %d | %d | %d |\n", label, c.bothAccept, c.bothRefuse, c.raycOnly, c.oracleOnly)
}

// versions are the CRD folders of RAYC_SHARED, oldest first, with rayc's name for each.
func versions(t *testing.T, sharedDir string) [][2]string {
	entries, err := os.ReadDir(filepath.Join(sharedDir, "kuberay", "crds"))
	if err != nil {
		t.Fatal(err)
	}
	var out [][2]string
	for _, e := range entries {
		parts := strings.Split(strings.TrimPrefix(e.Name(), "v"), ".")
		if len(parts) < 2 {
			continue
		}
		out = append(out, [2]string{e.Name(), "v" + parts[0] + "." + parts[1]})
	}
	sort.Slice(out, func(i, j int) bool { return versionLess(out[i][0], out[j][0]) })
	return out
}

// sameMinor reports whether two vX.Y.Z tags share X.Y.
func sameMinor(a, b string) bool {
	var a1, a2, b1, b2 int
	fmt.Sscanf(a, "v%d.%d", &a1, &a2)
	fmt.Sscanf(b, "v%d.%d", &b1, &b2)
	return a1 == b1 && a2 == b2
}

func versionLess(a, b string) bool {
	var a1, a2, a3, b1, b2, b3 int
	fmt.Sscanf(a, "v%d.%d.%d", &a1, &a2, &a3)
	fmt.Sscanf(b, "v%d.%d.%d", &b1, &b2, &b3)
	if a1 != b1 {
		return a1 < b1
	}
	if a2 != b2 {
		return a2 < b2
	}
	return a3 < b3
}

// TestAgreement compares rayc with the API server (every CRD version) and with the
// operator's validation (its module's version), writes the agreement table into
// docs/validation.md and every disagreement into docs/conformance.md
// (RAYC_BLESS=1), and otherwise fails when either page is stale.
func TestAgreement(t *testing.T) {
	sharedDir := shared(t)
	root := repoRoot(t)
	bin := raycBin(t)
	docs := inputs(t, root, sharedDir)
	if len(docs) < 100 {
		t.Fatalf("only %d ray.io documents found: the corpus is missing", len(docs))
	}
	// The operator's own test cases, written where rayc can read them (target/ is not committed).
	casesDir := filepath.Join(root, "target", "conformance-upstream")
	_ = os.RemoveAll(casesDir)
	if err := os.MkdirAll(casesDir, 0o755); err != nil {
		t.Fatal(err)
	}
	cases, err := upstreamCases(casesDir)
	if err != nil {
		msg := fmt.Sprintf("UPSTREAM CASES NOT RUN: %v", err)
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Log(msg)
	} else if len(cases) < 100 {
		t.Fatalf("only %d calls recorded from the operator's validation_test.go", len(cases))
	}
	docs = append(docs, cases...)
	rel := func(p string) string {
		if r, err := filepath.Rel(root, p); err == nil && !strings.HasPrefix(r, "..") {
			return r
		}
		if r, err := filepath.Rel(sharedDir, p); err == nil {
			return "$RAYC_SHARED/" + r
		}
		return p
	}

	var table, details strings.Builder
	table.WriteString("| KubeRay | objects | both accept | both refuse | rayc only | API server only |\n|---|---|---|---|---|---|\n")
	perClass := map[string]*tally{}
	var classOrder []string
	var operatorTally = map[string]*tally{}
	var operatorOrder []string
	for _, v := range versions(t, sharedDir) {
		crdDir, raycVersion := v[0], v[1]
		api, err := LoadAPIServer(filepath.Join(sharedDir, "kuberay", "crds", crdDir))
		if err != nil {
			t.Fatal(err)
		}
		var served []doc
		for _, d := range docs {
			if (d.version == "" || d.version == raycVersion) && api.Serves(d.apiVersion, d.kind) {
				served = append(served, d)
			}
		}
		// rayc assumes each version's default feature gates; where the operator
		// oracle runs, it is told that operator's gates explicitly.
		gates := ""
		if sameMinor(crdDir, OperatorVersion) {
			gates = OperatorGates()
		}
		rayc := raycVerdicts(t, bin, raycVersion, gates, served)
		var total tally
		for i, d := range served {
			oracle, defaulted := api.Validate(d.raw)
			total.add(rayc[i].Refused, oracle.Refused)
			if crdDir == "v1.7.0" || d.version != "" {
				if perClass[d.class] == nil {
					perClass[d.class] = &tally{}
					classOrder = append(classOrder, d.class)
				}
				perClass[d.class].add(rayc[i].Refused, oracle.Refused)
			}
			if rayc[i].Refused != oracle.Refused {
				fmt.Fprintf(&details, "- %s `%s` %s/%s at %s: rayc %s; API server %s\n",
					d.class, rel(d.file), d.kind, d.name, crdDir, show(rayc[i]), show(oracle))
			}
			// The operator sees only what the API server stored, defaulted.
			if sameMinor(crdDir, OperatorVersion) && !oracle.Refused {
				op, applicable := Operator(defaulted)
				if !applicable {
					continue
				}
				if operatorTally[d.class] == nil {
					operatorTally[d.class] = &tally{}
					operatorOrder = append(operatorOrder, d.class)
				}
				operatorTally[d.class].add(rayc[i].Refused, op.Refused)
				if rayc[i].Refused != op.Refused {
					fmt.Fprintf(&details, "- %s `%s` %s/%s at %s: rayc %s; operator %s %s\n",
						d.class, rel(d.file), d.kind, d.name, crdDir, show(rayc[i]), OperatorVersion, show(op))
				}
			}
		}
		table.WriteString(total.row(fmt.Sprintf("%s | %d", crdDir, len(served))))
	}
	table.WriteString("\nAt v1.7.0 (an input that declares its version: at that version), by input:\n\n| input | both accept | both refuse | rayc only | API server only |\n|---|---|---|---|---|\n")
	for _, c := range classOrder {
		table.WriteString(perClass[c].row(c))
	}
	table.WriteString(fmt.Sprintf("\nThe operator's own validation (ray-operator %s, on what the API server accepted and defaulted; rayc at v1.5; both with the feature gates `%s`):\n\n| input | both accept | both refuse | rayc only | operator only |\n|---|---|---|---|---|\n", OperatorVersion, OperatorGates()))
	for _, c := range operatorOrder {
		table.WriteString(operatorTally[c].row(c))
	}

	checkGenerated(t, filepath.Join(root, "docs", "validation.md"), "conformance", table.String())
	page := "# Disagreements with the API server and the operator\n\n" +
		"Generated by `conformance/` (`cd conformance && go test ./...`; `RAYC_BLESS=1` rewrites it).\n" +
		"Each line is one object on which rayc and an oracle give different verdicts: rayc's\n" +
		"error codes, then the oracle's own words. `docs/validation.md` explains them by class.\n\n" +
		details.String()
	checkWhole(t, filepath.Join(root, "docs", "conformance.md"), page)
}

func show(v Verdict) string {
	if !v.Refused {
		return "accepts"
	}
	msg := strings.Join(v.Errors, "; ")
	if len(msg) > 300 {
		msg = msg[:300] + "…"
	}
	return "refuses (" + strings.ReplaceAll(msg, "\n", " ") + ")"
}

// checkGenerated keeps the block between `<!-- NAME:begin -->` and `<!-- NAME:end -->` true.
func checkGenerated(t *testing.T, path, name, body string) {
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	text := string(raw)
	begin, end := "<!-- "+name+":begin -->\n", "<!-- "+name+":end -->"
	i, j := strings.Index(text, begin), strings.Index(text, end)
	if i < 0 || j < i {
		t.Fatalf("%s lacks the markers %q … %q", path, begin, end)
	}
	want := text[:i+len(begin)] + body + text[j:]
	if want == text {
		return
	}
	if os.Getenv("RAYC_BLESS") != "" {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("%s is stale: rerun with RAYC_BLESS=1 and read the diff\n--- generated block\n%s", path, body)
}

func checkWhole(t *testing.T, path, want string) {
	raw, _ := os.ReadFile(path)
	if string(raw) == want {
		return
	}
	if os.Getenv("RAYC_BLESS") != "" {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("%s is stale: rerun with RAYC_BLESS=1 and read the diff", path)
}
