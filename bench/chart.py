#!/usr/bin/env python3
"""Write a Helm chart that renders the same objects as a `bench/gen.py`
kustomize tree (folder per job).

    python3 bench/chart.py KUSTOMIZE_DIR CHART_DIR

One template per job, as a team converting that tree to Helm would write it:
the job's manifests with the namespace and the shared labels from the chart,
and the code ConfigMap built from the job's files with a content hash in its
name (`sha256sum | trunc 10`; bench/compare.py normalises hash suffixes,
since kustomize hashes differently). Standard library only.
"""

import os
import re
import sys

CHART = """apiVersion: v2
name: bench
version: 0.1.0
"""

VALUES = """namespace: ml
labels:
  app.kubernetes.io/managed-by: rayc
  app.kubernetes.io/part-of: bench
"""

CONFIGMAP = """{{{{- $code := .Files.Get "files/{job}/main.py" }}}}
{{{{- $cm := printf "{job}-code-%s" (sha256sum $code | trunc 10) }}}}
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{{{ $cm }}}}
  namespace: {{{{ .Values.namespace }}}}
  labels:
    {{{{- toYaml .Values.labels | nindent 4 }}}}
    team: {team}
data:
  main.py: {{{{ $code | toJson }}}}
"""


def with_metadata(manifest, team):
    """Adds the chart's namespace and labels after `metadata.name`."""
    head = "metadata:\n"
    at = manifest.index(head) + len(head)
    name_end = manifest.index("\n", at) + 1
    extra = (
        "  namespace: {{ .Values.namespace }}\n"
        "  labels:\n"
        "    {{- toYaml .Values.labels | nindent 4 }}\n"
        f"    team: {team}\n"
    )
    return manifest[:name_end] + extra + manifest[name_end:]


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__.strip().splitlines()[3].strip())
    source, chart = sys.argv[1], sys.argv[2]
    os.makedirs(os.path.join(chart, "templates"), exist_ok=True)
    with open(os.path.join(chart, "Chart.yaml"), "w") as f:
        f.write(CHART)
    with open(os.path.join(chart, "values.yaml"), "w") as f:
        f.write(VALUES)
    jobs = os.path.join(source, "jobs")
    for job in sorted(os.listdir(jobs)):
        folder = os.path.join(jobs, job)
        with open(os.path.join(folder, "kustomization.yaml")) as f:
            kustomization = f.read()
        team = re.search(r"^\s+team: (\S+)$", kustomization, re.M).group(1)
        files = os.path.join(chart, "files", job)
        os.makedirs(files, exist_ok=True)
        with open(os.path.join(folder, "main.py")) as f, open(os.path.join(files, "main.py"), "w") as out:
            out.write(f.read())
        parts = [CONFIGMAP.format(job=job, team=team)]
        with open(os.path.join(folder, "rayjob.yaml")) as f:
            rayjob = f.read()
        rayjob = re.sub(rf"^(\s+name: ){job}-code$", r"\1{{ $cm }}", rayjob, flags=re.M)
        parts.append(with_metadata(rayjob, team))
        pvc = os.path.join(folder, "pvc.yaml")
        if os.path.exists(pvc):
            with open(pvc) as f:
                parts.append(with_metadata(f.read(), team))
        with open(os.path.join(chart, "templates", f"{job}.yaml"), "w") as f:
            f.write("---\n".join(parts))


if __name__ == "__main__":
    main()
