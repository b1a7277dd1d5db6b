#!/usr/bin/env python3
"""Timing helpers for bench/run.sh (standard library only).

    timing.py measure --json OUT --name NAME --runs R [--warmup W] [--prepare CMD] -- CMD...
        Times CMD as a whole process R times (after W untimed warm-up runs),
        running the shell command CMD before each run, and writes the result in
        the shape of hyperfine's --export-json. The fallback when hyperfine is
        not installed.

    timing.py table JSON...
        Prints one Markdown row per command of hyperfine-style JSON files:
        median, min-max, mean +- stddev, mean CPU time (user + system), runs.

    timing.py rss OUT_JSON NAME KB...
        Appends a peak-memory record (median of the given max RSS values) to OUT_JSON.

    timing.py rss-table OUT_JSON
        Prints the peak-memory records as Markdown rows.
"""

import json
import os
import resource
import statistics
import subprocess
import sys
import time


def measure(args):
    opts = {"--runs": "10", "--warmup": "0", "--prepare": None, "--json": None, "--name": None}
    while args and args[0] != "--":
        key, value = args[0], args[1]
        if key not in opts:
            raise SystemExit(f"timing.py measure: unknown option {key}")
        opts[key] = value
        args = args[2:]
    command = args[1:]
    if not command or not opts["--json"]:
        raise SystemExit("timing.py measure: need --json OUT and -- CMD...")
    times = []
    user = []
    system = []
    exit_codes = []
    for run in range(int(opts["--warmup"]) + int(opts["--runs"])):
        if opts["--prepare"]:
            subprocess.run(opts["--prepare"], shell=True, check=True)
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        elapsed = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if run >= int(opts["--warmup"]):
            times.append(elapsed)
            user.append(after.ru_utime - before.ru_utime)
            system.append(after.ru_stime - before.ru_stime)
            exit_codes.append(done.returncode)
    result = {
        "command": opts["--name"] or " ".join(command),
        "mean": statistics.mean(times),
        "stddev": statistics.stdev(times) if len(times) > 1 else 0.0,
        "median": statistics.median(times),
        "min": min(times),
        "max": max(times),
        "user": statistics.mean(user),
        "system": statistics.mean(system),
        "times": times,
        "exit_codes": exit_codes,
    }
    with open(opts["--json"], "w", encoding="utf-8") as f:
        json.dump({"results": [result]}, f, indent=2)
    return 0


def seconds(value):
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"


def table(paths):
    for path in paths:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        for r in data["results"]:
            print(
                f"| `{r['command']}` | {seconds(r['median'])} | {seconds(r['min'])} – {seconds(r['max'])} "
                f"| {seconds(r['mean'])} ± {seconds(r['stddev'])} | {seconds(r['user'] + r['system'])} "
                f"| {len(r['times'])} |"
            )
    return 0


def rss(args):
    path, name, values = args[0], args[1], [int(v) for v in args[2:]]
    records = []
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            records = json.load(f)
    records.append({"command": name, "max_rss_kb": values, "median_kb": statistics.median(values)})
    with open(path, "w", encoding="utf-8") as f:
        json.dump(records, f, indent=2)
    return 0


def rss_table(path):
    with open(path, encoding="utf-8") as f:
        for r in json.load(f):
            runs = ", ".join(f"{v / 1024:.1f}" for v in r["max_rss_kb"])
            print(f"| `{r['command']}` | {r['median_kb'] / 1024:.1f} MiB | {runs} |")
    return 0


def main(argv):
    if len(argv) < 2:
        sys.stderr.write(__doc__)
        return 2
    verb, rest = argv[1], argv[2:]
    if verb == "measure":
        return measure(rest)
    if verb == "table":
        return table(rest)
    if verb == "rss":
        return rss(rest)
    if verb == "rss-table":
        return rss_table(rest[0])
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
