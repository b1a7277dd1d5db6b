//! The measurement behind docs/adr/0002-yaml-emitter.md: rayc's YAML writer
//! against serde-saphyr's serializer on one ~5 MB stream (1000 RayJobs and
//! their ConfigMaps), plus the behaviours that decided between them.
//!
//! Run: `cargo test --release --test it emit_bench:: -- --ignored --nocapture`

use std::time::{Duration, Instant};

use rayc::emit::{canonical_order, to_yaml_documents};
use serde_json::{Value, json};

fn corpus() -> Vec<Value> {
    let mut docs = Vec::new();
    for i in 0..1000 {
        let code: String = (0..45)
            .map(|line| format!("    result_{line} = ray.get(task_{line}.remote({i}, \"on\", 0123))  # step {line}\n"))
            .collect();
        let mut job = json!({
            "apiVersion": "ray.io/v1",
            "kind": "RayJob",
            "metadata": {"name": format!("job-{i:04}"), "namespace": "team-a",
                "labels": {"app.kubernetes.io/managed-by": "rayc", "app.kubernetes.io/part-of": "demo"}},
            "spec": {
                "entrypoint": format!("python /home/ray/app/main.py --index {i} --mode yes"),
                "runtimeEnvYAML": format!("pip:\n  - requests==2.26.0\n  - pandas==2.2.{}\nenv_vars:\n  RUN: \"{i}\"\n", i % 10),
                "shutdownAfterJobFinishes": true,
                "ttlSecondsAfterFinished": 600,
                "rayClusterSpec": {
                    "rayVersion": "2.9.3",
                    "headGroupSpec": {
                        "rayStartParams": {"num-cpus": "0", "dashboard-host": "0.0.0.0"},
                        "template": {"spec": {"containers": [{
                            "name": "ray-head", "image": "rayproject/ray:2.9.3-py310",
                            "ports": [{"containerPort": 6379, "name": "gcs"}, {"containerPort": 8265, "name": "dashboard"}],
                            "resources": {"limits": {"cpu": "2", "memory": "8Gi"}, "requests": {"cpu": "2", "memory": "8Gi"}},
                            "volumeMounts": [{"mountPath": "/home/ray/app", "name": "code"}]
                        }], "volumes": [{"name": "code", "configMap": {"name": format!("job-{i:04}-code")}}]}}
                    },
                    "workerGroupSpecs": [{
                        "groupName": "cpu", "replicas": 2, "minReplicas": 1, "maxReplicas": 10,
                        "rayStartParams": {},
                        "template": {"spec": {"containers": [{
                            "name": "ray-worker", "image": "rayproject/ray:2.9.3-py310",
                            "env": [{"name": "MODE", "value": "off"}, {"name": "LEVEL", "value": "1e3"}],
                            "resources": {"limits": {"cpu": "4", "memory": "16Gi"}}
                        }]}}
                    }]
                }
            }
        });
        canonical_order(&mut job);
        docs.push(job);
        let mut cm = json!({
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": format!("job-{i:04}-code"), "namespace": "team-a"},
            "data": {"main.py": format!("import ray\n\n\ndef main():\n{code}\n\nif __name__ == \"__main__\":\n    main()\n")}
        });
        canonical_order(&mut cm);
        docs.push(cm);
    }
    docs
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn time<T>(runs: usize, mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut samples = Vec::new();
    let mut last = None;
    for _ in 0..runs {
        let start = Instant::now();
        last = Some(f());
        samples.push(start.elapsed());
    }
    (median(samples), last.unwrap())
}

fn parse_back(text: &str) -> Vec<Value> {
    let options = serde_saphyr::options! {
        budget: serde_saphyr::budget! { max_documents: 100_000, max_nodes: 10_000_000, max_events: 10_000_000 },
    };
    serde_saphyr::from_multiple_with_options::<Value>(text, options).unwrap()
}

#[test]
#[ignore = "benchmark; run in release with --ignored --nocapture"]
fn compare_emitters() {
    let docs = corpus();
    let (ours_time, ours) = time(15, || to_yaml_documents(&docs).unwrap());
    let saphyr_default = || serde_saphyr::to_string_multiple(&docs).unwrap();
    let (saphyr_time, saphyr) = time(15, saphyr_default);
    let saphyr_no_fold = || {
        let options = serde_saphyr::ser_options! { folded_wrap_chars: usize::MAX };
        serde_saphyr::to_string_multiple_with_options(&docs, options).unwrap()
    };
    let (saphyr_nf_time, saphyr_nf) = time(15, saphyr_no_fold);
    let (parse_time, parsed) = time(3, || parse_back(&ours));

    let mb = |bytes: usize| bytes as f64 / 1e6;
    let rate = |bytes: usize, d: Duration| mb(bytes) / d.as_secs_f64();
    println!("documents: {}", docs.len());
    println!(
        "rayc emitter:             {:6.2} MB in {:7.1} ms = {:6.1} MB/s",
        mb(ours.len()),
        ours_time.as_secs_f64() * 1e3,
        rate(ours.len(), ours_time)
    );
    println!(
        "serde-saphyr (defaults):  {:6.2} MB in {:7.1} ms = {:6.1} MB/s",
        mb(saphyr.len()),
        saphyr_time.as_secs_f64() * 1e3,
        rate(saphyr.len(), saphyr_time)
    );
    println!(
        "serde-saphyr (no fold):   {:6.2} MB in {:7.1} ms = {:6.1} MB/s",
        mb(saphyr_nf.len()),
        saphyr_nf_time.as_secs_f64() * 1e3,
        rate(saphyr_nf.len(), saphyr_nf_time)
    );
    println!(
        "serde-saphyr parse of rayc output: {:7.1} ms = {:6.1} MB/s",
        parse_time.as_secs_f64() * 1e3,
        rate(ours.len(), parse_time)
    );
    assert_eq!(parsed, docs, "rayc output round-trips");
    assert_eq!(parse_back(&saphyr), docs, "serde-saphyr output round-trips");
    println!(
        "identical text (rayc vs saphyr no-fold): {}",
        ours == saphyr_nf
    );
    let first_diff = ours.lines().zip(saphyr_nf.lines()).find(|(a, b)| a != b);
    println!("first differing line: {first_diff:?}");

    // Behaviours that matter for the decision.
    let probe = json!({
        "long": "x ".repeat(60),
        "tab_first": "\tindented with a tab\nsecond\n",
        "crlf": "a\r\nb\r\n",
        "on": "on", "version": "2.9.3", "quantity": "500m", "lead0": "0123", "exp": "1e3",
        "flag": "--block", "eq": "=", "merge": "<<"
    });
    println!(
        "--- serde-saphyr (defaults) on probe:\n{}",
        serde_saphyr::to_string(&probe).unwrap()
    );
    println!(
        "--- rayc on probe:\n{}",
        rayc::emit::to_yaml_document(&probe).unwrap()
    );
}

/// The measurement behind docs/adr/0001-yaml-library.md: `load` parsing the
/// same stream into positioned trees (serde-saphyr with spans, duplicate-key
/// checks and budgets) against plain `serde_json::Value`.
#[test]
#[ignore = "benchmark; run in release with --ignored --nocapture"]
fn parse_into_positioned_trees() {
    let docs = corpus();
    let text = to_yaml_documents(&docs).unwrap();
    let (plain, _) = time(5, || parse_back(&text));
    let (ours, parsed) = time(5, || {
        rayc::load::parse_documents("bench.yaml", &text, rayc::load::Limits::USER).unwrap()
    });
    let rate = |d: Duration| text.len() as f64 / 1e6 / d.as_secs_f64();
    println!(
        "stream: {:.2} MB, {} documents",
        text.len() as f64 / 1e6,
        parsed.len()
    );
    println!(
        "serde-saphyr into Value:          {:7.1} ms = {:5.1} MB/s",
        plain.as_secs_f64() * 1e3,
        rate(plain)
    );
    println!(
        "rayc load (Node with positions):  {:7.1} ms = {:5.1} MB/s",
        ours.as_secs_f64() * 1e3,
        rate(ours)
    );
    let values: Vec<Value> = parsed.iter().map(|d| d.node.to_json()).collect();
    assert_eq!(values, docs);
}
