//! The YAML writer reads back as exactly what was written (through
//! serde-saphyr, the parser `load` uses), and its text is pinned by goldens.

use proptest::strategy::Strategy;
use rayc::emit::{canonical_order, canonicalize_quantities, to_yaml_document, to_yaml_documents};
use serde_json::{Map, Value, json};

fn parse_back(text: &str) -> Vec<Value> {
    let options = serde_saphyr::options! {
        budget: serde_saphyr::budget! { max_documents: 100_000, max_nodes: 10_000_000, max_events: 10_000_000 },
    };
    match serde_saphyr::from_multiple_with_options::<Value>(text, options) {
        Ok(docs) => docs,
        Err(e) => panic!("emitted YAML does not parse: {e}\n---\n{text}"),
    }
}

fn assert_round_trip(docs: &[Value]) {
    let text = to_yaml_documents(docs).unwrap();
    let back = parse_back(&text);
    assert_eq!(back.len(), docs.len(), "document count\n{text}");
    for (want, got) in docs.iter().zip(&back) {
        assert_eq!(got, want, "round trip changed a value; YAML was:\n{text}");
        assert_same_key_order(want, got);
    }
}

fn assert_same_key_order(a: &Value, b: &Value) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let kx: Vec<&String> = x.keys().collect();
            let ky: Vec<&String> = y.keys().collect();
            assert_eq!(kx, ky, "key order");
            for (k, v) in x {
                assert_same_key_order(v, &y[k]);
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            for (v, w) in x.iter().zip(y) {
                assert_same_key_order(v, w);
            }
        }
        _ => {}
    }
}

const TRICKY: &[&str] = &[
    "",
    " ",
    "  ",
    "on",
    "On",
    "ON",
    "off",
    "yes",
    "Yes",
    "YES",
    "no",
    "No",
    "y",
    "Y",
    "n",
    "N",
    "true",
    "True",
    "FALSE",
    "null",
    "Null",
    "NULL",
    "~",
    "0123",
    "0",
    "-0",
    "1e3",
    "1E3",
    "1e+3",
    ".5",
    "-.5",
    "+1",
    "0x1F",
    "0o17",
    "0b101",
    "1_000",
    "1:30",
    "190:20:30",
    "2001-12-14",
    "2001-12-14t21:59:43.10-05:00",
    "2001-12-14 21:59:43.10 -5",
    "2.9.3",
    "0.0.0.0",
    ".inf",
    "-.INF",
    ".NaN",
    "nan",
    "<<",
    "=",
    " lead",
    "trail ",
    "a: b",
    "a:",
    "a:b",
    "#x",
    "a #b",
    "a#b",
    "- x",
    "-",
    "--",
    "---",
    "--- x",
    "...",
    "? x",
    "?",
    ":",
    ": x",
    "&anchor",
    "*alias",
    "!tag",
    "!!str",
    "|",
    ">",
    "'",
    "\"",
    "'single'",
    "\"double\"",
    "%YAML",
    "@at",
    "`tick`",
    "[a, b]",
    "{a: b}",
    ",",
    "a, b",
    "ünïcödé",
    "日本語",
    "emoji 🎉",
    "tab\there",
    "\t",
    "\tlead",
    "trail\t",
    "back\\slash",
    "bell\u{7}",
    "nul\0",
    "esc\u{1b}",
    "del\u{7f}",
    "c1\u{85}",
    "nbsp\u{a0}",
    "bom\u{feff}",
    "ls\u{2028}ps\u{2029}",
    "\u{fffe}",
    "cr\r",
    "crlf\r\nx",
    "line\nbreak",
    "\n",
    "\n\n",
    "a\n",
    "a\n\n",
    "a\n\n\n",
    "\na",
    "\n\na\n",
    "a\nb",
    "a\nb\n",
    "a\nb\n\n",
    "  indented\nnext\n",
    "\n  indented after blank\n",
    "trailing spaces  \non lines \n",
    "a\n  \nb",
    "a\n\t\nb",
    "x\n\ty\n",
    "tabs\tinside\nlines\t\n",
    "unicode\n日本語\n",
    "# comment looking\n- list looking\nkey: value\n",
    "---\n...\n",
    "%YAML 1.2\n---\n",
    "   \n",
    "a\r\nb\r\n",
    "def f():\n    return 1\n",
    "last line no newline\n    indented",
    "-Xmx4g",
    "--address=$(RAY_IP):6379",
    "${RAY_ADDRESS}",
    "$$escaped",
    "http://x:8265/api",
    "ray.io/node-type",
    "nvidia.com/gpu",
    "1Gi",
    "500m",
    "rayproject/ray:2.9.3-py310",
];

#[test]
fn tricky_strings_round_trip_as_values_and_keys() {
    let mut values = Map::new();
    let mut keys = Map::new();
    for (i, s) in TRICKY.iter().enumerate() {
        values.insert(format!("k{i:03}"), json!(s));
        keys.insert((*s).to_string(), json!(i));
    }
    let list: Vec<Value> = TRICKY.iter().map(|s| json!(s)).collect();
    let nested: Vec<Value> = TRICKY
        .iter()
        .map(|s| json!([s, {"inner": s, "other": [s]}]))
        .collect();
    let items: Vec<Value> = TRICKY
        .iter()
        .map(|s| json!({ "name": s, "value": s }))
        .collect();
    assert_round_trip(&[
        Value::Object(values),
        Value::Object(keys),
        json!({ "list": list }),
        json!({ "nested": nested }),
        json!({ "spec": { "containers": items } }),
        Value::Array(TRICKY.iter().map(|s| json!(s)).collect()),
    ]);
    for s in TRICKY {
        // A bare string document, too.
        assert_round_trip(&[json!(s)]);
    }
}

#[test]
fn scalars_and_empty_collections_round_trip() {
    assert_round_trip(&[json!({
        "int": 1, "neg": -42, "zero": 0, "big": u64::MAX, "small": i64::MIN,
        "float": 0.5, "whole_float": 2.0, "tiny": 1.5e-12, "huge": 1.0e300, "negf": -0.25,
        "t": true, "f": false, "nothing": null,
        "emptyMap": {}, "emptyList": [], "listOfEmpties": [{}, [], null, "", 0],
        "deep": {"a": {"b": {"c": [[[1]], {"d": [{"e": "f"}]}]}}}
    })]);
}

/// YAML's troublemakers: indicators, quotes, line breaks of every kind, BOM.
const ALPHABET: &[char] = &[
    'a', 'Z', '0', '1', '9', ' ', ' ', '\n', '\n', '\t', ':', '#', '-', '?', '\'', '"', '\\', '.',
    ',', '[', ']', '{', '}', '&', '*', '!', '|', '>', '%', '@', '`', '~', 'e', 'n', 'o', 'y', 'é',
    '日', '\r', '\u{85}', '\u{feff}', '\u{2028}', '_', '+', '=', '<',
];

proptest::proptest! {
    #![proptest_config(proptest::test_runner::Config {
        cases: 64,
        failure_persistence: None,
        ..proptest::test_runner::Config::default()
    })]

    /// Strings over [`ALPHABET`], as map keys, map values and list items,
    /// come back from the YAML writer unchanged.
    #[test]
    fn generated_strings_round_trip(
        strings in proptest::collection::vec(
            proptest::collection::vec(proptest::sample::select(ALPHABET), 0..14)
                .prop_map(|chars| chars.into_iter().collect::<String>()),
            1..250,
        )
    ) {
        let mut map = Map::new();
        for (i, s) in strings.iter().enumerate() {
            map.insert(format!("{s}\u{1}{i}"), json!(s));
        }
        assert_round_trip(&[json!({ "map": Value::Object(map), "list": strings })]);
    }
}

#[test]
fn golden_rayjob_text() {
    let mut job = json!({
        "spec": {
            "entrypoint": "python /home/ray/samples/sample_code.py",
            "runtimeEnvYAML": "pip:\n  - requests==2.26.0\nenv_vars:\n  counter_name: \"test_counter\"\n",
            "shutdownAfterJobFinishes": true,
            "ttlSecondsAfterFinished": 10,
            "rayClusterSpec": {
                "rayVersion": "2.9.3",
                "headGroupSpec": {
                    "rayStartParams": {"num-cpus": "0", "dashboard-host": "0.0.0.0"},
                    "template": {"spec": {"containers": [{
                        "image": "rayproject/ray:2.9.3",
                        "name": "ray-head",
                        "ports": [{"containerPort": 6379, "name": "gcs-server"}],
                        "resources": {"limits": {"cpu": 1, "memory": "2048Mi"}, "requests": {"cpu": 0.5, "memory": "2Gi"}},
                        "env": [{"value": "on", "name": "FEATURE"}]
                    }]}}
                },
                "workerGroupSpecs": [{
                    "replicas": 1, "groupName": "small-group", "maxReplicas": 5, "minReplicas": 1,
                    "rayStartParams": {},
                    "template": {"spec": {"containers": [{"name": "ray-worker", "image": "rayproject/ray:2.9.3",
                        "args": ["--block", "yes"]}]}}
                }]
            }
        },
        "metadata": {"labels": {"app.kubernetes.io/part-of": "demo", "app.kubernetes.io/managed-by": "rayc"}, "name": "rayjob-sample", "namespace": "default"},
        "kind": "RayJob",
        "apiVersion": "ray.io/v1"
    });
    assert!(canonicalize_quantities(&mut job).is_empty());
    canonical_order(&mut job);
    let text = to_yaml_document(&job).unwrap();
    let want = r#"apiVersion: ray.io/v1
kind: RayJob
metadata:
  name: rayjob-sample
  namespace: default
  labels:
    app.kubernetes.io/managed-by: rayc
    app.kubernetes.io/part-of: demo
spec:
  entrypoint: python /home/ray/samples/sample_code.py
  rayClusterSpec:
    headGroupSpec:
      rayStartParams:
        dashboard-host: "0.0.0.0"
        num-cpus: "0"
      template:
        spec:
          containers:
          - name: ray-head
            env:
            - name: FEATURE
              value: "on"
            image: rayproject/ray:2.9.3
            ports:
            - name: gcs-server
              containerPort: 6379
            resources:
              limits:
                cpu: "1"
                memory: "2Gi"
              requests:
                cpu: "500m"
                memory: "2Gi"
    rayVersion: "2.9.3"
    workerGroupSpecs:
    - groupName: small-group
      maxReplicas: 5
      minReplicas: 1
      rayStartParams: {}
      replicas: 1
      template:
        spec:
          containers:
          - name: ray-worker
            args:
            - --block
            - "yes"
            image: rayproject/ray:2.9.3
  runtimeEnvYAML: |
    pip:
      - requests==2.26.0
    env_vars:
      counter_name: "test_counter"
  shutdownAfterJobFinishes: true
  ttlSecondsAfterFinished: 10
"#;
    assert_eq!(text, want);
    assert_eq!(parse_back(&text), vec![job]);
}

#[test]
fn golden_block_literals_in_every_position() {
    let doc = json!({
        "clip": "a\nb\n",
        "strip": "a\nb",
        "keep": "a\n\n",
        "indented": "  x\ny\n",
        "list": ["one\ntwo\n", "  lead\n", ["deep\nlist"]],
        "items": [{"name": "main", "code": "print(1)\nprint(2)\n"}]
    });
    let text = to_yaml_document(&doc).unwrap();
    let want = "clip: |\n  a\n  b\nstrip: |-\n  a\n  b\nkeep: |+\n  a\n\nindented: |2\n    x\n  y\nlist:\n- |\n  one\n  two\n- |2\n    lead\n- - |-\n    deep\n    list\nitems:\n- name: main\n  code: |\n    print(1)\n    print(2)\n";
    assert_eq!(text, want);
    assert_eq!(parse_back(&text), vec![doc]);
}

#[test]
fn stream_layout() {
    let text = to_yaml_documents(&[json!({"a": 1}), json!({"b": [1, 2]})]).unwrap();
    assert_eq!(text, "a: 1\n---\nb:\n- 1\n- 2\n");
    assert!(!text.contains('\r'));
    assert!(text.ends_with('\n'));
}

#[test]
fn one_line_change_is_a_one_line_diff() {
    let code = |n: u32| format!("import ray\nray.init()\nprint({n})\nprint('done')\n");
    let a = to_yaml_document(&json!({"data": {"main.py": code(1)}})).unwrap();
    let b = to_yaml_document(&json!({"data": {"main.py": code(2)}})).unwrap();
    let changed: Vec<(&str, &str)> = a.lines().zip(b.lines()).filter(|(x, y)| x != y).collect();
    assert_eq!(a.lines().count(), b.lines().count());
    assert_eq!(changed, [("    print(1)", "    print(2)")]);
}
