#!/usr/bin/env python3
"""Generate a benchmark workload: N RayJobs as a rayc project and as the
equivalent hand-written Kustomize tree.

    python3 bench/gen.py [--envs] N OUT_DIR

writes
    OUT_DIR/rayc/       rayc.yaml + jobs/<name>/{job.yaml,main.py}
    OUT_DIR/kustomize/  kustomization.yaml, components/rayjob-refs/,
                        jobs/<name>/{kustomization.yaml,rayjob.yaml,[pvc.yaml],main.py}

Both trees describe the same objects (RayJob, code ConfigMap, PVC); only the
ConfigMap's hash suffix differs, since rayc and kustomize hash differently.
`bench/compare.py` checks that equivalence.

Everything is a pure function of N: no clock, no randomness, sorted output.
Standard library only.
"""

import json
import os
import re
import sys

IMAGE = "rayproject/ray:2.41.0-py311"
GPU_IMAGE = "rayproject/ray:2.41.0-py311-gpu"
RAY_VERSION = "2.41.0"
NAMESPACE = "ml"
PROJECT = "bench"
MANAGED_LABELS = {
    "app.kubernetes.io/managed-by": "rayc",
    "app.kubernetes.io/part-of": PROJECT,
}
# Project-wide group defaults (rayc: defaults.spec.groupDefaults).
DEFAULT_CPU = ("500m", "2")  # request, limit
DEFAULT_MEMORY = "4Gi"
# Worker group shapes: name, cpu, memory (None keeps the defaults).
GROUP_SHAPES = [("cpu", None, None), ("highmem", "4", "16Gi"), ("large", "8", "32Gi")]
HEAD_PORTS = [("gcs-server", 6379), ("dashboard", 8265), ("client", 10001)]
CODE_DIR = "/home/ray/code"

CODE_TEMPLATE = '''"""Training job {index}: a small Ray program, shipped as a ConfigMap."""
import argparse
import os

import ray

ray.init()


@ray.remote
def shard_loss(shard: int, lr: float) -> float:
    # Stand-in for one step of training on one shard.
    return ((shard * 7919 + {index}) % 1000) / 1000.0 * lr


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--job", type=int, default={index})
    parser.add_argument("--shards", type=int, default={shards})
    parser.add_argument("--lr", type=float, default=0.01)
    args = parser.parse_args()
    losses = ray.get([shard_loss.remote(s, args.lr) for s in range(args.shards)])
    print(f"job {{args.job}}: mean loss {{sum(losses) / len(losses):.4f}}")
    print("log level", os.environ.get("LOG_LEVEL", "info"))


if __name__ == "__main__":
    main()
'''


def job_params(i):
    """The parameters of job i: a deterministic mix of shapes and overlays."""
    n_groups = 1 + i % 3
    groups = []
    for g, (name, cpu, memory) in enumerate(GROUP_SHAPES[:n_groups]):
        groups.append({"name": name, "replicas": 1 + (i + g) % 4, "cpu": cpu, "memory": memory})
    gpu = None
    if i % 3 == 0:
        # Every other GPU job puts GPUs on its last group only.
        gpu = {"count": 1 + (i // 3) % 2, "groups": [groups[-1]["name"]] if i % 2 else []}
    return {
        "name": f"job-{i:04d}",
        "team": f"team-{i % 7}",
        "index": i,
        "entrypoint": f"python {CODE_DIR}/main.py --job {i}",
        "groups": groups,
        "worker_env": {"LOG_LEVEL": ["info", "debug"][i % 2], "JOB_INDEX": str(i)},
        "runtime_env": {"env_vars": {"EXPERIMENT": f"exp-{i % 11}"}, "pip": ["numpy==1.26.4"]} if i % 4 == 2 else None,
        "ttl": 300 + 60 * (i % 10),
        "deadline": 3600 * (1 + i % 4) if i % 2 == 0 else None,
        "gpu": gpu,
        "pvc": {"size": f"{10 * (1 + i % 5)}Gi"} if i % 4 == 1 else None,
        "autoscaling": {"minReplicas": 0, "maxReplicas": 4 + i % 8} if i % 5 in (2, 3) else None,
    }


# --- a tiny YAML emitter (block style; strings quoted when YAML could misread them)

PLAIN = re.compile(r"^[A-Za-z_/][A-Za-z0-9_./=-]*( [A-Za-z0-9_./=-]+)*$")
RESERVED = {"true", "false", "yes", "no", "on", "off", "null", "y", "n", "~"}


def scalar(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if PLAIN.match(value) and value.lower() not in RESERVED:
        return value
    return json.dumps(value)


def emit(value, indent=0):
    pad = " " * indent
    lines = []
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, str) and "\n" in item:
                lines.append(f"{pad}{scalar(key)}: |")
                lines.extend(f"{pad}  {line}" if line else "" for line in item.rstrip("\n").split("\n"))
            elif isinstance(item, (dict, list)) and item:
                lines.append(f"{pad}{scalar(key)}:")
                lines.extend(emit(item, indent + (2 if isinstance(item, dict) else 0)))
            else:
                lines.append(f"{pad}{scalar(key)}: {scalar(item) if not isinstance(item, (dict, list)) else '{}'}")
    else:
        for item in value:
            if isinstance(item, dict):
                sub = emit(item, indent + 2)
                lines.append(f"{pad}- {sub[0].lstrip()}")
                lines.extend(sub[1:])
            else:
                lines.append(f"{pad}- {scalar(item)}")
    return lines


def dump(value):
    return "\n".join(emit(value)) + "\n"


# --- the rayc side: one short spec per job


# `--envs`: the rayc project gets these environments (the Kustomize trees do
# not; they describe the single environment without `--envs`).
ENVIRONMENTS = {
    "dev": {"namespace": "ml-dev", "disableOverlays": ["gpu"]},
    "staging": {"namespace": "ml-staging"},
    "prod": {"namespace": "ml-prod"},
}


def rayc_project(envs=False):
    project = {
        "apiVersion": "rayc.dev/v1alpha1",
        "kind": "Project",
        "name": PROJECT,
        "specs": ["jobs/*/job.yaml"],
        "gitops": {"omitAutoscaledReplicas": True},
        "defaults": {
            "namespace": NAMESPACE,
            "spec": {
                "image": IMAGE,
                "rayVersion": RAY_VERSION,
                "groupDefaults": {
                    "cpu": {"request": DEFAULT_CPU[0], "limit": DEFAULT_CPU[1]},
                    "memory": DEFAULT_MEMORY,
                },
            },
        },
    }
    if envs:
        project["environments"] = ENVIRONMENTS
    return project


def rayc_spec(p):
    spec = {
        "entrypoint": p["entrypoint"],
        "code": {"files": ["main.py"]},
        "shutdownAfterJobFinishes": True,
        "ttlSecondsAfterFinished": p["ttl"],
    }
    if p["deadline"]:
        spec["activeDeadlineSeconds"] = p["deadline"]
    if p["runtime_env"]:
        spec["runtimeEnv"] = p["runtime_env"]
    overlays = []
    if p["gpu"]:
        params = {"count": p["gpu"]["count"], "image": GPU_IMAGE}
        if p["gpu"]["groups"]:
            params["groups"] = p["gpu"]["groups"]
        overlays.append({"gpu": params})
    if p["pvc"]:
        overlays.append({"pvc": {"size": p["pvc"]["size"]}})
    if p["autoscaling"]:
        overlays.append({"autoscaling": dict(p["autoscaling"])})
    if overlays:
        spec["overlays"] = overlays
    spec["workerDefaults"] = {"env": p["worker_env"]}
    workers = []
    for g in p["groups"]:
        w = {"name": g["name"], "replicas": g["replicas"]}
        if g["cpu"]:
            w["cpu"] = g["cpu"]
        if g["memory"]:
            w["memory"] = g["memory"]
        workers.append(w)
    spec["workers"] = workers
    return {
        "apiVersion": "rayc.dev/v1alpha1",
        "kind": "RayJob",
        "metadata": {"name": p["name"], "labels": {"team": p["team"]}},
        "spec": spec,
    }


# --- the Kustomize side: the full manifests a team writes by hand


def resources(cpu, memory, gpu_count):
    limits = {"cpu": cpu[1], "memory": memory}
    requests = {"cpu": cpu[0], "memory": memory}
    if gpu_count:
        limits["nvidia.com/gpu"] = str(gpu_count)
        requests["nvidia.com/gpu"] = str(gpu_count)
    return {"limits": limits, "requests": requests}


def rayjob_manifest(p):
    claim = f"{p['name']}-data"
    head_mounts = [{"name": "code", "mountPath": CODE_DIR}]
    head_volumes = [
        {
            "name": "code",
            # kustomize appends the hash suffix of the generated ConfigMap.
            "configMap": {"name": f"{p['name']}-code", "items": [{"key": "main.py", "path": "main.py"}]},
        }
    ]
    if p["pvc"]:
        head_mounts.append({"name": "data", "mountPath": "/data"})
        head_volumes.append({"name": "data", "persistentVolumeClaim": {"claimName": claim}})
    head = {
        "template": {
            "spec": {
                "containers": [
                    {
                        "name": "ray-head",
                        "image": IMAGE,
                        "ports": [{"name": n, "containerPort": port} for n, port in HEAD_PORTS],
                        "resources": resources(DEFAULT_CPU, DEFAULT_MEMORY, 0),
                        "volumeMounts": head_mounts,
                    }
                ],
                "volumes": head_volumes,
            }
        }
    }
    workers = []
    for g in p["groups"]:
        cpu = (g["cpu"], g["cpu"]) if g["cpu"] else DEFAULT_CPU
        memory = g["memory"] or DEFAULT_MEMORY
        gpu = p["gpu"] and (not p["gpu"]["groups"] or g["name"] in p["gpu"]["groups"])
        group = {"groupName": g["name"]}
        if p["autoscaling"]:
            # Autoscaled: replicas left to the autoscaler, bounds on every group.
            group["minReplicas"] = p["autoscaling"]["minReplicas"]
            group["maxReplicas"] = p["autoscaling"]["maxReplicas"]
        else:
            group["replicas"] = g["replicas"]
        pod = {
            "containers": [
                {
                    "name": "ray-worker",
                    "image": GPU_IMAGE if gpu else IMAGE,
                    "env": [{"name": k, "value": v} for k, v in sorted(p["worker_env"].items())],
                    "lifecycle": {"preStop": {"exec": {"command": ["/bin/sh", "-c", "ray stop"]}}},
                    "resources": resources(cpu, memory, p["gpu"]["count"] if gpu else 0),
                }
            ]
        }
        if gpu:
            pod["tolerations"] = [{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}]
        group["template"] = {"spec": pod}
        workers.append(group)
    cluster = {"rayVersion": RAY_VERSION}
    if p["autoscaling"]:
        cluster["enableInTreeAutoscaling"] = True
    cluster["headGroupSpec"] = head
    cluster["workerGroupSpecs"] = workers
    spec = {"entrypoint": p["entrypoint"]}
    if p["runtime_env"]:
        env_vars = "".join(f"  {k}: {v}\n" for k, v in p["runtime_env"]["env_vars"].items())
        pip = "".join(f"- {x}\n" for x in p["runtime_env"]["pip"])
        spec["runtimeEnvYAML"] = f"env_vars:\n{env_vars}pip:\n{pip}"
    spec["shutdownAfterJobFinishes"] = True
    spec["ttlSecondsAfterFinished"] = p["ttl"]
    if p["deadline"]:
        spec["activeDeadlineSeconds"] = p["deadline"]
    spec["rayClusterSpec"] = cluster
    return {"apiVersion": "ray.io/v1", "kind": "RayJob", "metadata": {"name": p["name"]}, "spec": spec}


def pvc_manifest(p):
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": f"{p['name']}-data"},
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": p["pvc"]["size"]}}},
    }


def job_kustomization(p):
    files = ["rayjob.yaml"] + (["pvc.yaml"] if p["pvc"] else [])
    return {
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "labels": [{"pairs": {"team": p["team"]}}],
        "resources": files,
        "configMapGenerator": [{"name": f"{p['name']}-code", "files": ["main.py"]}],
        "components": ["../../components/rayjob-refs"],
    }


# kustomize knows where Deployments reference ConfigMaps, not RayJobs: without
# this, the hash suffix would not reach the RayJob's volume.
REFS_COMPONENT = {
    "apiVersion": "kustomize.config.k8s.io/v1alpha1",
    "kind": "Component",
    "configurations": ["kustomizeconfig.yaml"],
}
REFS_CONFIG = {
    "nameReference": [
        {
            "kind": "ConfigMap",
            "version": "v1",
            "fieldSpecs": [
                {"kind": "RayJob", "path": "spec/rayClusterSpec/headGroupSpec/template/spec/volumes/configMap/name"},
                {"kind": "RayJob", "path": "spec/rayClusterSpec/workerGroupSpecs/template/spec/volumes/configMap/name"},
            ],
        },
        {
            "kind": "PersistentVolumeClaim",
            "version": "v1",
            "fieldSpecs": [
                {
                    "kind": "RayJob",
                    "path": "spec/rayClusterSpec/headGroupSpec/template/spec/volumes/persistentVolumeClaim/claimName",
                },
                {
                    "kind": "RayJob",
                    "path": "spec/rayClusterSpec/workerGroupSpecs/template/spec/volumes/persistentVolumeClaim/claimName",
                },
            ],
        },
    ]
}


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)


def generate(n, out, envs=False):
    rayc_root = os.path.join(out, "rayc")
    kust_root = os.path.join(out, "kustomize")
    write(os.path.join(rayc_root, "rayc.yaml"), dump(rayc_project(envs)))
    write(os.path.join(kust_root, "components", "rayjob-refs", "kustomization.yaml"), dump(REFS_COMPONENT))
    write(os.path.join(kust_root, "components", "rayjob-refs", "kustomizeconfig.yaml"), dump(REFS_CONFIG))
    names = []
    for i in range(1, n + 1):
        p = job_params(i)
        names.append(p["name"])
        code = CODE_TEMPLATE.format(index=i, shards=4 + i % 13)
        write(os.path.join(rayc_root, "jobs", p["name"], "job.yaml"), dump(rayc_spec(p)))
        write(os.path.join(rayc_root, "jobs", p["name"], "main.py"), code)
        job_dir = os.path.join(kust_root, "jobs", p["name"])
        write(os.path.join(job_dir, "kustomization.yaml"), dump(job_kustomization(p)))
        write(os.path.join(job_dir, "rayjob.yaml"), dump(rayjob_manifest(p)))
        if p["pvc"]:
            write(os.path.join(job_dir, "pvc.yaml"), dump(pvc_manifest(p)))
        write(os.path.join(job_dir, "main.py"), code)
    top = {
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "namespace": NAMESPACE,
        "labels": [{"pairs": dict(MANAGED_LABELS)}],
        "resources": [f"jobs/{name}" for name in names],
    }
    write(os.path.join(kust_root, "kustomization.yaml"), dump(top))
    generate_flat(n, os.path.join(out, "kustomize-flat"))


def generate_flat(n, root):
    """The same objects as one kustomization: every manifest and generator in
    one list, the team label written into each object. Less tidy for a team
    than a folder per job, but kustomize's cheapest layout."""
    resources_list = []
    generators = []
    for i in range(1, n + 1):
        p = job_params(i)
        job_dir = os.path.join(root, "jobs", p["name"])
        manifests = [("rayjob.yaml", rayjob_manifest(p))]
        if p["pvc"]:
            manifests.append(("pvc.yaml", pvc_manifest(p)))
        for file_name, manifest in manifests:
            manifest["metadata"]["labels"] = {"team": p["team"]}
            write(os.path.join(job_dir, file_name), dump(manifest))
            resources_list.append(f"jobs/{p['name']}/{file_name}")
        write(os.path.join(job_dir, "main.py"), CODE_TEMPLATE.format(index=i, shards=4 + i % 13))
        generators.append(
            {
                "name": f"{p['name']}-code",
                "files": [f"jobs/{p['name']}/main.py"],
                "options": {"labels": {"team": p["team"]}},
            }
        )
    write(os.path.join(root, "kustomizeconfig.yaml"), dump(REFS_CONFIG))
    top = {
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "namespace": NAMESPACE,
        "labels": [{"pairs": dict(MANAGED_LABELS)}],
        "configurations": ["kustomizeconfig.yaml"],
        "resources": resources_list,
        "configMapGenerator": generators,
    }
    write(os.path.join(root, "kustomization.yaml"), dump(top))


def main(argv):
    envs = "--envs" in argv[1:]
    argv = [a for a in argv if a != "--envs"]
    if len(argv) != 3 or not argv[1].isdigit() or int(argv[1]) < 1:
        sys.stderr.write(
            "usage: gen.py [--envs] N OUT_DIR   (N >= 1; OUT_DIR gets rayc/ and kustomize/;\n"
            "       --envs gives the rayc project the environments dev, staging and prod)\n"
        )
        return 2
    generate(int(argv[1]), argv[2], envs)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
