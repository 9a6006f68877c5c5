#!/usr/bin/env bash
# Runs every cargo-fuzz target of fuzz/ for SECONDS_PER_TARGET seconds each (default 60),
# one after the other (never two fuzzers at once: the machine is shared), and prints a summary
# line per target: executions, units added to the corpus, coverage, crashes.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET]         all targets
#   FUZZ_TARGETS="frame trackers" scripts/fuzz.sh 30
#   FUZZ_SEED=1 scripts/fuzz.sh 15                # fixed libFuzzer seed
#   FUZZ_SEED=1 FUZZ_RUNS=15000 scripts/fuzz.sh 60  # fixed seed and input count (what CI uses)
#
# Needs cargo-fuzz (`cargo install cargo-fuzz --locked`); the stable toolchain runs it with
# RUSTC_BOOTSTRAP=1. Working corpora grow in fuzz/corpus/<target> (git-ignored) on top of the
# committed seeds in fuzz/seeds/<target> (scripts/fuzz-seeds.py writes them); crashing inputs
# land in fuzz/artifacts/<target>/. Exit status: 0 when no target crashed, 1 otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."

secs="${1:-60}"
targets="${FUZZ_TARGETS:-pcap_reader frame filter_parse trackers}"
export RUSTC_BOOTSTRAP=1
# The fuzz crate keeps its own target directory (fuzz/target), whatever the caller's is.
unset CARGO_TARGET_DIR

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "fuzz.sh: cargo-fuzz is not installed (cargo install cargo-fuzz --locked)" >&2
    exit 2
fi

cd fuzz
cargo fuzz build -O -a -s none >/dev/null 2>target-build.log || {
    cat target-build.log >&2
    exit 2
}
rm -f target-build.log

extra=()
if [ -n "${FUZZ_SEED:-}" ]; then
    extra+=("-seed=$FUZZ_SEED")
fi
# FUZZ_RUNS=N stops each target after N inputs: with a fixed seed and the committed seeds the
# run is then the same on every machine for a given commit (a time budget is not: a faster
# machine tries more inputs), which is what a CI gate needs.
if [ -n "${FUZZ_RUNS:-}" ]; then
    extra+=("-runs=$FUZZ_RUNS")
fi

crashed=0
summary=()
for t in $targets; do
    mkdir -p "corpus/$t" "artifacts/$t"
    log="artifacts/$t/last-run.log"
    started=$(date +%s)
    marker="artifacts/$t/.run-start"
    touch "$marker"
    status=0
    # -max_len: the trackers seeds reach 8 KiB; -timeout: one input taking 10 s is a hang;
    # -rss_limit_mb / -malloc_limit_mb: one allocation or a footprint over 2 GiB is a bug.
    cargo fuzz run -O -a -s none "$t" "corpus/$t" "seeds/$t" -- \
        -max_total_time="$secs" -max_len=16384 -timeout=10 \
        -rss_limit_mb=2048 -malloc_limit_mb=2048 -print_final_stats=1 ${extra[@]+"${extra[@]}"} \
        >"$log" 2>&1 || status=$?
    took=$(($(date +%s) - started))
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    added=$(sed -n 's/^stat::new_units_added: *//p' "$log" | tail -1)
    cov=$( (grep -o 'cov: [0-9]*' "$log" || true) | tail -1 | cut -d' ' -f2)
    found=$(find "artifacts/$t" -maxdepth 1 -type f -newer "$marker" ! -name '*.log' ! -name '.*')
    new=$(printf '%s' "$found" | grep -c . || true)
    line=$(printf '%-13s ran %4ss  runs %-10s new units %-6s cov %-6s crashes %s' \
        "$t" "$took" "${runs:-?}" "${added:-?}" "${cov:-?}" "$new")
    if [ "$status" -ne 0 ] || [ "$new" -gt 0 ]; then
        crashed=1
        line="$line  FAILED (exit $status): see fuzz/$log"
        for f in $found; do
            line="$line; fuzz/$f"
        done
    fi
    summary+=("$line")
    echo "$line"
done

echo
echo "fuzz summary (${secs}s per target):"
printf '  %s\n' "${summary[@]}"
failed=$(printf '%s\n' "${summary[@]}" | grep -c FAILED || true)
echo "fuzz: $((${#summary[@]} - failed)) passed, $failed failed"
exit "$crashed"
