#!/usr/bin/env python3
"""Check that two YAML streams hold the same Kubernetes objects.

    python3 bench/compare.py RAYC_STREAM KUSTOMIZE_STREAM

Objects are matched by (kind, namespace, name) and compared as data, so key
order, quoting and document order do not matter. Two differences are
expected and normalised away: the hash suffix of generated ConfigMap names
(rayc and kustomize hash differently) and the formatting inside
`runtimeEnvYAML` (compared parsed). Exit 0 when equal, 1 when not, 3 when
PyYAML is missing (the benchmark then skips the check).
"""

import re
import sys

try:
    import yaml
except ImportError:
    sys.stderr.write("compare.py: PyYAML not installed; equivalence not checked\n")
    sys.exit(3)

HASHED = re.compile(r"^(?P<base>.+-code)-[0-9a-z]{10}$")


def normalise(value):
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if key == "runtimeEnvYAML" and isinstance(item, str):
                out[key] = yaml.safe_load(item)
            else:
                out[key] = normalise(item)
        return out
    if isinstance(value, list):
        return [normalise(item) for item in value]
    if isinstance(value, str):
        match = HASHED.match(value)
        return match.group("base") + "-HASH" if match else value
    return value


def load(path):
    objects = {}
    with open(path, encoding="utf-8") as f:
        for doc in yaml.safe_load_all(f):
            if not doc:
                continue
            doc = normalise(doc)
            meta = doc.get("metadata", {})
            key = (doc.get("kind"), meta.get("namespace"), meta.get("name"))
            if key in objects:
                raise SystemExit(f"{path}: duplicate object {key}")
            objects[key] = doc
    return objects


def diff(a, b, path=""):
    """First few paths where a and b differ."""
    if isinstance(a, dict) and isinstance(b, dict):
        found = []
        for key in sorted(set(a) | set(b)):
            if key not in a or key not in b:
                found.append(f"{path}.{key}: only in {'second' if key not in a else 'first'}")
            else:
                found.extend(diff(a[key], b[key], f"{path}.{key}"))
        return found
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in diff(x, y, f"{path}[{i}]")]
    return [] if a == b else [f"{path}: {a!r} != {b!r}"]


def main(argv):
    if len(argv) != 3:
        sys.stderr.write("usage: compare.py RAYC_STREAM KUSTOMIZE_STREAM\n")
        return 2
    first, second = load(argv[1]), load(argv[2])
    problems = []
    for key in sorted(set(first) - set(second), key=str):
        problems.append(f"only in {argv[1]}: {key}")
    for key in sorted(set(second) - set(first), key=str):
        problems.append(f"only in {argv[2]}: {key}")
    for key in sorted(set(first) & set(second), key=str):
        problems.extend(f"{key}{d}" for d in diff(first[key], second[key]))
    if problems:
        sys.stderr.write("\n".join(problems[:20]) + "\n")
        sys.stderr.write(f"compare.py: {len(problems)} differences\n")
        return 1
    print(f"compare.py: {len(first)} objects, identical up to ConfigMap hash suffixes")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
