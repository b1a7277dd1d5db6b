#!/usr/bin/env bash
# Speed benchmark: rayc against kustomize on N generated RayJobs.
#
#   bench/run.sh                 # N = 100 and 1000
#   SIZES="100" RUNS=5 bench/run.sh
#
# For each N: bench/gen.py writes a rayc project and two equivalent Kustomize
# trees, bench/compare.py checks that rayc and kustomize render the same
# objects, then every command is timed as a whole process (hyperfine, or
# bench/timing.py when hyperfine is missing) and its peak memory is taken
# from /usr/bin/time -v. `rayc validate` is timed when the binary has it.
# Prints Markdown tables (the ones in BENCHMARKS.md) at the end.
#
# Environment:
#   SIZES        job counts (default "100 1000")
#   RUNS         timed runs per command (default 10); WARMUP untimed runs (default 1)
#   RSS_RUNS     /usr/bin/time runs per command for peak memory (default 3; 0 skips)
#   RAYC         rayc binary (default: `cargo build --release`, then $CARGO_TARGET_DIR/release/rayc)
#   KUSTOMIZE    kustomize command (default "kubectl kustomize"; "kustomize build" works too)
#   KUSTOMIZE_MAX_N  largest N kustomize is run for (default 1000: it takes ~25 s per run there);
#                larger N time rayc only, e.g. SIZES="1000 2000 4000" for rayc's scaling
#   RAYC_SHARED  shared data folder for the validate timing (default ../shared)
#   BENCH_DIR    work folder (default: a fresh temp dir, removed at exit unless KEEP=1)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
SIZES="${SIZES:-100 1000}"
RUNS="${RUNS:-10}"
WARMUP="${WARMUP:-1}"
RSS_RUNS="${RSS_RUNS:-3}"
KUSTOMIZE="${KUSTOMIZE:-kubectl kustomize}"
KUSTOMIZE_MAX_N="${KUSTOMIZE_MAX_N:-1000}"
RAYC_SHARED="${RAYC_SHARED:-$root/../shared}"

if [[ -z "${RAYC:-}" ]]; then
    (cd "$root" && cargo build --release --quiet)
    RAYC="${CARGO_TARGET_DIR:-$root/target}/release/rayc"
fi
[[ -x "$RAYC" ]] || { echo "run.sh: no rayc binary at $RAYC" >&2; exit 2; }
read -r -a kustomize_cmd <<<"$KUSTOMIZE"
command -v "${kustomize_cmd[0]}" >/dev/null || { echo "run.sh: ${kustomize_cmd[0]} not found" >&2; exit 2; }

if [[ -n "${BENCH_DIR:-}" ]]; then
    work="$BENCH_DIR"
    mkdir -p "$work"
else
    work="$(mktemp -d "${TMPDIR:-/tmp}/rayc-bench.XXXXXX")"
    [[ "${KEEP:-0}" == 1 ]] || trap 'rm -rf "$work"' EXIT
fi
results="$work/results"
mkdir -p "$results"
# Other work on the machine skews wall-clock times: record the load around the run.
load_before="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"

has_hyperfine=0
command -v hyperfine >/dev/null && has_hyperfine=1
has_validate=0
"$RAYC" --help | grep -qE '^\s+validate\b' && has_validate=1

# time_cmd JSON NAME PREPARE CMD...: time CMD (whole process), PREPARE (shell, may be "") before each run.
time_cmd() {
    local json="$1" name="$2" prepare="$3"
    shift 3
    if [[ "$has_hyperfine" == 1 ]]; then
        local prep=()
        [[ -n "$prepare" ]] && prep=(--prepare "$prepare")
        # -N: no shell in between; -i: validate exits 1 on findings, which is still a full run.
        hyperfine -N -i --style basic --warmup "$WARMUP" --runs "$RUNS" "${prep[@]}" \
            --command-name "$name" --export-json "$json" -- "$(printf '%q ' "$@")" >&2
    else
        python3 "$here/timing.py" measure --json "$json" --name "$name" --runs "$RUNS" \
            --warmup "$WARMUP" ${prepare:+--prepare "$prepare"} -- "$@"
    fi
}

# peak_rss NAME PREPARE CMD...: median of RSS_RUNS peak resident set sizes.
peak_rss() {
    local name="$1" prepare="$2"
    shift 2
    [[ -x /usr/bin/time ]] || { echo "run.sh: /usr/bin/time missing, no memory figures" >&2; return 0; }
    local values=() i
    for ((i = 0; i < RSS_RUNS; i++)); do
        [[ -n "$prepare" ]] && bash -c "$prepare"
        /usr/bin/time -v -o "$work/time.txt" "$@" >/dev/null 2>&1 || true
        values+=("$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time.txt")")
    done
    python3 "$here/timing.py" rss "$results/rss.json" "$name" "${values[@]}"
}

for n in $SIZES; do
    dir="$work/n$n"
    echo "== N=$n: generating in $dir" >&2
    rm -rf "$dir"
    python3 "$here/gen.py" "$n" "$dir"
    project="$dir/rayc"

    "$RAYC" build -C "$project" --stdout >"$dir/rayc.out"
    with_kustomize=0
    ((n <= KUSTOMIZE_MAX_N)) && with_kustomize=1
    # Same objects from both tools, or the timings compare different work.
    if [[ "$with_kustomize" == 1 ]]; then
        "${kustomize_cmd[@]}" "$dir/kustomize" >"$dir/kustomize.out"
        "${kustomize_cmd[@]}" "$dir/kustomize-flat" >"$dir/kustomize-flat.out"
        for variant in kustomize kustomize-flat; do
            status=0
            python3 "$here/compare.py" "$dir/rayc.out" "$dir/$variant.out" >&2 || status=$?
            case "$status" in
                0 | 3) ;;
                *) echo "run.sh: rayc and $variant render different objects (N=$n)" >&2; exit 1 ;;
            esac
        done
    else
        echo "N=$n > KUSTOMIZE_MAX_N=$KUSTOMIZE_MAX_N: kustomize not run" >&2
    fi

    cold="$dir/out-cold"
    warm="$dir/out-warm"
    "$RAYC" build -C "$project" --out "$warm" 2>/dev/null
    time_cmd "$results/n$n-1-cold.json" "rayc build --out DIR (cold: empty DIR)" "rm -rf $cold" \
        "$RAYC" build -C "$project" --out "$cold"
    time_cmd "$results/n$n-2-warm.json" "rayc build --out DIR (warm: DIR up to date)" "" \
        "$RAYC" build -C "$project" --out "$warm"
    time_cmd "$results/n$n-3-stdout.json" "rayc build --stdout" "" \
        "$RAYC" build -C "$project" --stdout
    time_cmd "$results/n$n-4-check.json" "rayc build --check --out DIR" "" \
        "$RAYC" build -C "$project" --check --out "$warm"
    if [[ "$with_kustomize" == 1 ]]; then
        time_cmd "$results/n$n-5-kustomize.json" "$KUSTOMIZE kustomize/ (folder per job)" "" \
            "${kustomize_cmd[@]}" "$dir/kustomize"
        time_cmd "$results/n$n-6-kustomize-flat.json" "$KUSTOMIZE kustomize-flat/ (one kustomization)" "" \
            "${kustomize_cmd[@]}" "$dir/kustomize-flat"
    fi
    if [[ "$has_validate" == 1 ]]; then
        time_cmd "$results/n$n-7-validate-out.json" "rayc validate DIR (rendered output)" "" \
            "$RAYC" validate "$warm"
        time_cmd "$results/n$n-8-validate-project.json" "rayc validate -C rayc/ (the specs)" "" \
            "$RAYC" validate -C "$project"
    fi

    if [[ "${RSS_RUNS}" -gt 0 ]]; then
        peak_rss "N=$n rayc build --out DIR (cold)" "rm -rf $cold" "$RAYC" build -C "$project" --out "$cold"
        peak_rss "N=$n rayc build --stdout" "" "$RAYC" build -C "$project" --stdout
        if [[ "$with_kustomize" == 1 ]]; then
            peak_rss "N=$n $KUSTOMIZE kustomize/" "" "${kustomize_cmd[@]}" "$dir/kustomize"
            peak_rss "N=$n $KUSTOMIZE kustomize-flat/" "" "${kustomize_cmd[@]}" "$dir/kustomize-flat"
        fi
        if [[ "$has_validate" == 1 ]]; then
            peak_rss "N=$n rayc validate DIR" "" "$RAYC" validate "$warm"
        fi
    fi
done

samples="$RAYC_SHARED/kuberay/samples"
seed="$RAYC_SHARED/seed"
if [[ "$has_validate" == 1 && -d "$samples" && -d "$seed" ]]; then
    time_cmd "$results/shared-validate.json" "rayc validate samples/ seed/" "" \
        "$RAYC" validate "$samples" "$seed"
elif [[ "$has_validate" == 1 ]]; then
    echo "SKIPPED: RAYC_SHARED ($RAYC_SHARED) has no kuberay/samples or seed; validate timing on them skipped" >&2
else
    echo "SKIPPED: $RAYC has no \`validate\` command yet; validate timings skipped" >&2
fi

echo
if [[ "${kustomize_cmd[0]}" == kubectl ]]; then
    kustomize_version="$(kubectl version --client 2>/dev/null | tr '\n' ' ')"
else
    kustomize_version="$("${kustomize_cmd[0]}" version 2>/dev/null)"
fi
echo "rayc: $("$RAYC" --version); $kustomize_version"
echo "load average (1, 5, 15 min): $load_before before, $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown) after"
echo "timer: $([[ "$has_hyperfine" == 1 ]] && hyperfine --version || echo "bench/timing.py (perf_counter)"); runs: $RUNS (+$WARMUP warm-up)"
for n in $SIZES; do
    echo
    echo "### N = $n jobs ($(grep -c '^kind:' "$work/n$n/rayc.out") objects)"
    echo
    echo "| command | median | min – max | mean ± σ | CPU (user+sys) | runs |"
    echo "|---|---|---|---|---|---|"
    python3 "$here/timing.py" table "$results"/n"$n"-*.json
done
if [[ -f "$results/shared-validate.json" ]]; then
    echo
    echo "### rayc validate on \$RAYC_SHARED/kuberay/samples and \$RAYC_SHARED/seed"
    echo
    echo "| command | median | min – max | mean ± σ | CPU (user+sys) | runs |"
    echo "|---|---|---|---|---|---|"
    python3 "$here/timing.py" table "$results/shared-validate.json"
fi
if [[ -f "$results/rss.json" ]]; then
    echo
    echo "### Peak memory (max RSS, /usr/bin/time -v)"
    echo
    echo "| command | median | runs (MiB) |"
    echo "|---|---|---|"
    python3 "$here/timing.py" rss-table "$results/rss.json"
fi
echo
echo "(raw JSON in $results)" >&2
