#!/usr/bin/env python3
"""Issue 12 benchmark: rayc's scaling in jobs and environments, and the peers
side by side, in one run.

    python3 bench/perf.py --rayc target/release/rayc
    python3 bench/perf.py --rayc R --sizes 100,1000 --runs 3 --no-peers   # a quick look

Scaling: for each N, `bench/gen.py --envs N` (dev, staging, prod), then
`rayc build --all-envs --stdout` (3 environments) and `rayc build --env prod
--stdout` (1 environment), each a whole process, RUNS times: median wall
time, median CPU (user + system of the child) and median peak RSS (GNU
time's maximum resident set size of the command itself). Written to bench/scaling.csv and plotted to bench/scaling.svg.

Peers, at N = PEER_N (default 1000) jobs of `bench/gen.py` (one namespace):
`kubectl kustomize` over the hand-written tree and `helm template` over a
chart (bench/chart.py), both checked to give the same objects as rayc
(bench/compare.py); `rayc validate` against `kubeconform -strict` on the
folder rayc writes (one object per file), kubeconform reading JSON schemas
made from the same KubeRay CRDs (v1.7.0) and rayc's own embedded ConfigMap
and PVC schemas. Written to bench/peers.csv. A peer that is not installed is
skipped with a message.

Standard library only (PyYAML for the CRD conversion and the equivalence
check; skipped without it). Prints Markdown tables to stdout.
"""

import argparse
import csv
import hashlib
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


GNU_TIME = "/usr/bin/time"


def run_once(cmd, cwd=None, stdout=None):
    """Wall seconds, CPU seconds (user + system), peak RSS in KiB, exit code.

    Peak RSS comes from GNU time's %M: the ru_maxrss that wait4 gives for a
    child forked from this (large) Python process keeps the fork's size from
    before exec, so it would report Python, not the tool. Without GNU time,
    that figure is reported and marked negative."""
    out = stdout if stdout is not None else subprocess.DEVNULL
    rss_file = None
    if os.access(GNU_TIME, os.X_OK):
        fd, rss_file = tempfile.mkstemp(prefix="rss.")
        os.close(fd)
        cmd = [GNU_TIME, "-f", "%M", "-o", rss_file, *cmd]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    rss = -usage.ru_maxrss
    if rss_file:
        with open(rss_file) as f:
            lines = [l for l in f.read().split() if l.isdigit()]
        os.unlink(rss_file)
        rss = int(lines[-1]) if lines else rss
    # GNU time exits with the command's status.
    return wall, usage.ru_utime + usage.ru_stime, rss, proc.returncode


WARMUP = 1


def measure(cmd, runs, cwd=None, ok=(0,)):
    """Medians over `runs` runs after WARMUP warm-up runs."""
    samples = []
    for i in range(WARMUP + runs):
        sample = run_once(cmd, cwd)
        if sample[3] not in ok:
            raise SystemExit(f"perf.py: {' '.join(cmd)} exited {sample[3]}")
        if i >= WARMUP:
            samples.append(sample)
    return {
        "wall": statistics.median(s[0] for s in samples),
        "wall_min": min(s[0] for s in samples),
        "cpu": statistics.median(s[1] for s in samples),
        "rss_mib": statistics.median(s[2] for s in samples) / 1024,
        "runs": runs,
    }


def output_of(cmd, cwd=None):
    return subprocess.run(cmd, cwd=cwd, check=True, capture_output=True).stdout


def loadavg():
    try:
        with open("/proc/loadavg") as f:
            return " ".join(f.read().split()[:3])
    except OSError:
        return "unknown"


def gen(n, folder, envs):
    args = [sys.executable, os.path.join(HERE, "gen.py")]
    if envs:
        args.append("--envs")
    subprocess.run(args + [str(n), folder], check=True, stdout=subprocess.DEVNULL)


# ---- scaling ----


def scaling(rayc, sizes, runs, work):
    rows = []
    for n in sizes:
        folder = os.path.join(work, f"envs{n}")
        gen(n, folder, envs=True)
        project = os.path.join(folder, "rayc")
        for label, extra in [("3 envs", ["--all-envs"]), ("1 env", ["--env", "prod"])]:
            cmd = [rayc, "build", "-C", project, "--stdout", *extra]
            stream = output_of(cmd)
            m = measure(cmd, runs)
            rows.append(
                {
                    "jobs": n,
                    "envs": label,
                    "objects": stream.count(b"\nkind: ") + stream.startswith(b"kind: "),
                    "wall_s": round(m["wall"], 4),
                    "wall_min_s": round(m["wall_min"], 4),
                    "cpu_s": round(m["cpu"], 4),
                    "peak_rss_mib": round(m["rss_mib"], 1),
                    "runs": runs,
                    "sha256": hashlib.sha256(stream).hexdigest()[:16],
                }
            )
            print(f"  N={n} {label}: {rows[-1]}", file=sys.stderr)
        shutil.rmtree(folder)
    return rows


def write_csv(path, rows):
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
        w.writeheader()
        w.writerows(rows)


def svg_plot(path, rows, title):
    """A log-log plot of wall and CPU time against jobs, one line per series."""
    width, height, left, right, top, bottom = 720, 440, 70, 170, 40, 50
    series = []
    colours = {"3 envs": "#c0392b", "1 env": "#2471a3"}
    for envs in ["3 envs", "1 env"]:
        pts = [r for r in rows if r["envs"] == envs]
        for metric, dash in [("wall_s", ""), ("cpu_s", "6,4")]:
            series.append((f"{envs}, {'wall' if metric == 'wall_s' else 'CPU'}",
                           colours[envs], dash, [(r["jobs"], r[metric]) for r in pts]))
    xs = [p[0] for s in series for p in s[3]]
    ys = [p[1] for s in series for p in s[3] if p[1] > 0]
    x0, x1 = math.log10(min(xs)), math.log10(max(xs))
    y0, y1 = math.floor(math.log10(min(ys))), math.ceil(math.log10(max(ys)))
    pw, ph = width - left - right, height - top - bottom

    def px(x):
        return left + (math.log10(x) - x0) / max(x1 - x0, 1e-9) * pw

    def py(y):
        return top + ph - (math.log10(y) - y0) / max(y1 - y0, 1e-9) * ph

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'font-family="sans-serif" font-size="12">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="{left}" y="22" font-size="14">{title}</text>',
        f'<rect x="{left}" y="{top}" width="{pw}" height="{ph}" fill="none" stroke="#888"/>',
    ]
    for e in range(y0, y1 + 1):
        y = py(10**e)
        label = f"{10**e:g} s"
        out.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + pw}" y2="{y:.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{label}</text>')
    for n in sorted(set(xs)):
        x = px(n)
        out.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{top + ph}" stroke="#eee"/>')
        out.append(f'<text x="{x:.1f}" y="{top + ph + 16}" text-anchor="middle">{n}</text>')
    out.append(f'<text x="{left + pw / 2}" y="{height - 10}" text-anchor="middle">jobs (log scale)</text>')
    # Linear cost: a line of slope 1 through the smallest 3-env wall time.
    first = series[0][3][0]
    ref = [(x, first[1] * x / first[0]) for x in (min(xs), max(xs))]
    out.append(
        f'<polyline points="{" ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in ref)}" '
        f'fill="none" stroke="#999" stroke-dasharray="2,3"/>'
    )
    for i, (name, colour, dash, pts) in enumerate(series):
        line = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in pts)
        out.append(f'<polyline points="{line}" fill="none" stroke="{colour}" stroke-width="2" '
                   f'stroke-dasharray="{dash}"/>')
        for x, y in pts:
            out.append(f'<circle cx="{px(x):.1f}" cy="{py(y):.1f}" r="3" fill="{colour}"/>')
        ly = top + 14 + 18 * i
        lx = left + pw + 12
        out.append(f'<line x1="{lx}" y1="{ly - 4}" x2="{lx + 24}" y2="{ly - 4}" stroke="{colour}" '
                   f'stroke-width="2" stroke-dasharray="{dash}"/>')
        out.append(f'<text x="{lx + 30}" y="{ly}">{name}</text>')
    ly = top + 14 + 18 * len(series)
    out.append(f'<line x1="{left + pw + 12}" y1="{ly - 4}" x2="{left + pw + 36}" y2="{ly - 4}" '
               f'stroke="#999" stroke-dasharray="2,3"/>')
    out.append(f'<text x="{left + pw + 42}" y="{ly}">linear</text>')
    out.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


# ---- peers ----


def crd_schemas(folder, crds):
    """kubeconform schemas: the CRDs' openAPIV3Schema (served version) per
    kind, and rayc's embedded ConfigMap and PVC schemas (from k8s-openapi)."""
    import yaml  # noqa: PLC0415 (optional dependency)

    os.makedirs(folder, exist_ok=True)
    for name in sorted(os.listdir(crds)):
        with open(os.path.join(crds, name)) as f:
            crd = yaml.safe_load(f)
        kind = crd["spec"]["names"]["kind"]
        for version in crd["spec"]["versions"]:
            if version["name"] == "v1":
                with open(os.path.join(folder, f"{kind.lower()}-ray-v1.json"), "w") as out:
                    json.dump(version["schema"]["openAPIV3Schema"], out)
    for kind in ["ConfigMap", "PersistentVolumeClaim"]:
        shutil.copy(os.path.join(ROOT, "src/model/schemas", f"{kind}.json"),
                    os.path.join(folder, f"{kind.lower()}-v1.json"))


def version_of(cmd):
    try:
        return output_of(cmd).decode().strip().splitlines()[0]
    except (OSError, subprocess.CalledProcessError, IndexError):
        return "unknown"


def peers(rayc, n, runs, work, shared):
    folder = os.path.join(work, f"peers{n}")
    gen(n, folder, envs=False)
    project = os.path.join(folder, "rayc")
    rows, versions = [], {"rayc": version_of([rayc, "--version"])}
    stream = os.path.join(folder, "rayc.out")
    with open(stream, "wb") as f:
        f.write(output_of([rayc, "build", "-C", project, "--stdout"]))

    def same_objects(other_cmd, name):
        other = os.path.join(folder, f"{name}.out")
        with open(other, "wb") as f:
            f.write(output_of(other_cmd))
        status = subprocess.run([sys.executable, os.path.join(HERE, "compare.py"), stream, other]).returncode
        if status == 1:
            raise SystemExit(f"perf.py: rayc and {name} render different objects")
        return {0: "same objects", 3: "not checked (no PyYAML)"}[status]

    def row(tool, task, cmd, check, ok=(0,)):
        m = measure(cmd, runs, ok=ok)
        rows.append({"task": task, "tool": tool, "command": " ".join(cmd).replace(folder + "/", ""),
                     "wall_s": round(m["wall"], 4), "cpu_s": round(m["cpu"], 4),
                     "peak_rss_mib": round(m["rss_mib"], 1), "runs": runs, "check": check})
        print(f"  {rows[-1]}", file=sys.stderr)

    build = "render N jobs to one YAML stream"
    row("rayc", build, [rayc, "build", "-C", project, "--stdout"], "reference")
    if shutil.which("kubectl"):
        versions["kustomize"] = version_of(["kubectl", "version", "--client"]) + " (kubectl kustomize)"
        cmd = ["kubectl", "kustomize", os.path.join(folder, "kustomize")]
        row("kubectl kustomize", build, cmd, same_objects(cmd, "kustomize"))
    else:
        print("SKIPPED: kubectl not found", file=sys.stderr)
    helm = shutil.which("helm") or os.path.expanduser("~/go/bin/helm")
    if os.path.exists(helm):
        versions["helm"] = version_of([helm, "version", "--short"])
        chart = os.path.join(folder, "chart")
        subprocess.run([sys.executable, os.path.join(HERE, "chart.py"), os.path.join(folder, "kustomize"), chart],
                       check=True)
        cmd = [helm, "template", "bench", chart]
        row("helm template", build, cmd, same_objects(cmd, "helm"))
    else:
        print("SKIPPED: helm not found", file=sys.stderr)

    out_dir = os.path.join(folder, "out")
    subprocess.run([rayc, "build", "-C", project, "--out", out_dir], check=True, stderr=subprocess.DEVNULL)
    manifests = sum(len([f for f in fs if f.endswith(".yaml") and f != "kustomization.yaml"])
                    for _, _, fs in os.walk(out_dir))
    validate = f"validate a folder of {manifests} manifests"
    row("rayc", validate, [rayc, "validate", out_dir], "reference")
    kubeconform = shutil.which("kubeconform") or os.path.expanduser("~/go/bin/kubeconform")
    crds = os.path.join(shared, "kuberay/crds/v1.7.0")
    if os.path.exists(kubeconform) and os.path.isdir(crds):
        versions["kubeconform"] = version_of([kubeconform, "-v"])
        if versions["kubeconform"] == "development" and shutil.which("go"):
            # `go install` builds report no version; the module line has it.
            mod = [l for l in output_of(["go", "version", "-m", kubeconform]).decode().splitlines()
                   if l.split()[:1] == ["mod"]]
            versions["kubeconform"] = " ".join(mod[0].split()[1:3]) if mod else "development"
        schemas = os.path.join(folder, "schemas")
        crd_schemas(schemas, crds)
        cmd = [kubeconform, "-strict", "-summary", "-schema-location",
               schemas + "/{{ .ResourceKind }}{{ .KindSuffix }}.json", out_dir]
        # kubeconform exits 1 when it finds invalid objects: its summary is the result.
        summary = subprocess.run(cmd, capture_output=True).stdout.decode().strip().splitlines()
        check = summary[-1] if summary else "no summary"
        row("kubeconform -strict", validate, cmd, check, ok=(0, 1))
    else:
        print("SKIPPED: kubeconform or the CRDs not found", file=sys.stderr)
    shutil.rmtree(folder)
    return rows, versions


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rayc", default=os.path.join(ROOT, "target/release/rayc"))
    p.add_argument("--sizes", default="100,500,1000,2000,4000,8000")
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--warmup", type=int, default=1, help="untimed runs before each command")
    p.add_argument("--peer-n", type=int, default=1000)
    p.add_argument("--peer-runs", type=int, default=3)
    p.add_argument("--no-peers", action="store_true")
    p.add_argument("--no-scaling", action="store_true")
    p.add_argument("--out", default=HERE, help="folder for the CSV and SVG files")
    args = p.parse_args()
    global WARMUP
    WARMUP = args.warmup
    rayc = os.path.abspath(args.rayc)
    shared = os.environ.get("RAYC_SHARED", os.path.join(ROOT, "..", "shared"))
    work = tempfile.mkdtemp(prefix="rayc-perf.")
    try:
        print(f"load average before: {loadavg()}")
        if not args.no_scaling:
            sizes = [int(s) for s in args.sizes.split(",")]
            rows = scaling(rayc, sizes, args.runs, work)
            write_csv(os.path.join(args.out, "scaling.csv"), rows)
            svg_plot(os.path.join(args.out, "scaling.svg"), rows,
                     "rayc build --stdout: median wall and CPU time (dev/staging/prod, or prod only)")
            print("\n| jobs | envs | objects | wall (median) | CPU (median) | peak RSS | sha256 |")
            print("|---:|---|---:|---:|---:|---:|---|")
            for r in rows:
                print(f"| {r['jobs']} | {r['envs']} | {r['objects']} | {r['wall_s']:.3f} s | "
                      f"{r['cpu_s']:.3f} s | {r['peak_rss_mib']:.0f} MiB | {r['sha256']} |")
            print(f"load average after scaling: {loadavg()}")
        if not args.no_peers:
            rows, versions = peers(rayc, args.peer_n, args.peer_runs, work, shared)
            write_csv(os.path.join(args.out, "peers.csv"), rows)
            print(f"\nversions: {json.dumps(versions)}")
            print("\n| task | tool | wall (median) | CPU (median) | peak RSS | ÷ rayc (wall) | ÷ rayc (CPU) | check |")
            print("|---|---|---:|---:|---:|---:|---:|---|")
            base = {}
            for r in rows:
                base.setdefault(r["task"], r)
                b = base[r["task"]]
                print(f"| {r['task']} | {r['tool']} | {r['wall_s']:.3f} s | {r['cpu_s']:.3f} s | "
                      f"{r['peak_rss_mib']:.0f} MiB | {r['wall_s'] / b['wall_s']:.1f}× | "
                      f"{r['cpu_s'] / max(b['cpu_s'], 1e-9):.1f}× | {r['check']} |")
            for r in rows:
                print(f"- `{r['command']}`")
        print(f"\nload average after: {loadavg()}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
