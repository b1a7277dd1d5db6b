#!/usr/bin/env python3
"""Same-run A/B: one rayc command with two (or more) binaries, alternating, so
load on a shared machine hits both alike. Per binary: median wall, median CPU
(user + system of the child), median peak RSS (GNU time's %M), and the sha256
of stdout (the outputs must be equal).

    python3 bench/ab.py --runs 5 OLD_RAYC NEW_RAYC -- build -C DIR --all-envs --stdout

Standard library only; /usr/bin/time (GNU time) for the RSS column.
"""

import argparse
import hashlib
import os
import statistics
import subprocess
import sys
import tempfile
import time


def run_once(binary, args, env):
    fd, rss_file = tempfile.mkstemp(prefix="rss.")
    os.close(fd)
    cmd = ["/usr/bin/time", "-f", "%M", "-o", rss_file, binary, *args]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    with open(rss_file) as f:
        digits = [w for w in f.read().split() if w.isdigit()]
    os.unlink(rss_file)
    rss = int(digits[-1]) / 1024 if digits else float("nan")
    code = os.waitstatus_to_exitcode(status)
    return wall, usage.ru_utime + usage.ru_stime, rss, code, hashlib.sha256(out).hexdigest()[:16]


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("binaries", nargs="+", help="rayc binaries, then -- and the arguments")
    argv = sys.argv[1:]
    if "--" not in argv:
        p.error("give the rayc arguments after --")
    split = argv.index("--")
    args = p.parse_args(argv[:split])
    rayc_args = argv[split + 1:]
    env = dict(os.environ)
    samples = {b: [] for b in args.binaries}
    with open("/proc/loadavg") as f:
        print(f"load average before: {' '.join(f.read().split()[:3])}", file=sys.stderr)
    for i in range(args.warmup + args.runs):
        for b in args.binaries:
            s = run_once(b, rayc_args, env)
            if i >= args.warmup:
                samples[b].append(s)
    with open("/proc/loadavg") as f:
        print(f"load average after: {' '.join(f.read().split()[:3])}", file=sys.stderr)
    print(f"`rayc {' '.join(rayc_args)}`, {args.runs} runs each, alternating\n")
    print("| binary | wall median (min) | CPU median (min) | peak RSS | exit | stdout sha256 |")
    print("|---|---:|---:|---:|---|---|")
    for b, ss in samples.items():
        walls, cpus = [s[0] for s in ss], [s[1] for s in ss]
        print(f"| {os.path.basename(b)} | {statistics.median(walls) * 1000:.1f} ms ({min(walls) * 1000:.1f}) | "
              f"{statistics.median(cpus) * 1000:.1f} ms ({min(cpus) * 1000:.1f}) | "
              f"{statistics.median(s[2] for s in ss):.1f} MiB | {sorted({s[3] for s in ss})} | "
              f"{sorted({s[4] for s in ss})} |")


if __name__ == "__main__":
    main()
