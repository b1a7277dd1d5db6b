#!/usr/bin/env python3
"""Generate a templating workload: one spec with N templated values, or one
spec with N overlay uses, to show that templating cost grows linearly.

    python3 bench/templates.py values N OUT_DIR     # N strings like '{{ vars.tag }}-{{ spec.metadata.name }}-i'
    python3 bench/templates.py overlays N OUT_DIR   # N uses of a text overlay that reads `spec`

writes OUT_DIR/rayc.yaml, OUT_DIR/specs/job.yaml and (overlays) OUT_DIR/overlays/label.yaml.
A pure function of its arguments; standard library only.
"""

import os
import sys

PROJECT = """apiVersion: rayc.dev/v1alpha1
kind: Project
name: templates
specs: ["specs/*.yaml"]
vars:
  tag: "2.41.0"
"""

HEAD = """apiVersion: rayc.dev/v1alpha1
kind: RayJob
metadata:
  name: job
spec:
  image: "rayproject/ray:{{ vars.tag }}"
  entrypoint: python main.py
"""

# A text overlay that reads the spec and adds one label per use.
LABEL_OVERLAY = """apiVersion: rayc.dev/v1alpha1
kind: Overlay
metadata:
  name: label
parameters:
  key: {type: string, required: true}
  value: {type: string, required: true}
patch: |
  metadata:
    labels: {{ {params.key: params.value ~ "-" ~ spec.metadata.name} | tojson }}
"""


def values(n: int) -> str:
    lines = [HEAD, "  runtimeEnv:\n    env_vars:\n"]
    for i in range(n):
        lines.append(f"      V{i}: '{{{{ vars.tag }}}}-{{{{ spec.metadata.name }}}}-{i}'\n")
    return "".join(lines)


def overlays(n: int) -> str:
    lines = [HEAD, "  overlays:\n"]
    for i in range(n):
        lines.append(f"    - label: {{key: k{i}, value: v{i}}}\n")
    return "".join(lines)


def main() -> None:
    if len(sys.argv) != 4 or sys.argv[1] not in ("values", "overlays"):
        sys.exit("usage: templates.py values|overlays N OUT_DIR")
    mode, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    os.makedirs(os.path.join(out, "specs"), exist_ok=True)
    with open(os.path.join(out, "rayc.yaml"), "w") as f:
        f.write(PROJECT)
    with open(os.path.join(out, "specs", "job.yaml"), "w") as f:
        f.write(values(n) if mode == "values" else overlays(n))
    if mode == "overlays":
        os.makedirs(os.path.join(out, "overlays"), exist_ok=True)
        with open(os.path.join(out, "overlays", "label.yaml"), "w") as f:
            f.write(LABEL_OVERLAY)


if __name__ == "__main__":
    main()
