#!/usr/bin/env bash
# libFuzzer (coverage-guided) with AddressSanitizer on each fuzz target (issue #28; `make libfuzzer`).
# Builds deblur-libfuzzer instrumented (-sanitize=fuzzer,address) in its own scratch folder, then runs
# each target from a copy of the committed seed corpus (Tests/Fuzz/corpus/TARGET) for FUZZ_SECONDS
# or FUZZ_RUNS inputs, and prints one line per target: inputs, time, corpus growth, peak memory,
# crashes and timeouts (files under .build-libfuzzer/runs/TARGET/artifacts/).
#
#   scripts/libfuzzer.sh                      # every target, 300 s each
#   FUZZ_SECONDS=60 FUZZ_TARGETS="png mat" scripts/libfuzzer.sh
#   FUZZ_RUNS=1000000 scripts/libfuzzer.sh    # a million inputs each (time limit lifted)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
seconds=${FUZZ_SECONDS:-300}
runs=${FUZZ_RUNS:--1}
targets=${FUZZ_TARGETS:-png jpeg psf-spec multipart safetensors mat}
scratch=.build-libfuzzer
[[ $runs != -1 ]] && seconds=0
mkdir -p "$scratch"

echo "libfuzzer: building deblur-libfuzzer with -sanitize=fuzzer,address (release, $scratch; first time ~10 min)"
swift build -c release --scratch-path "$scratch" --product deblur-libfuzzer \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -DDEBLUR_LIBFUZZER -Xswiftc -use-ld=lld >"$scratch/build.log" 2>&1 \
    || { tail -20 "$scratch/build.log"; echo "libfuzzer: the instrumented build failed (log: $scratch/build.log)" >&2; exit 1; }
binary=$scratch/release/deblur-libfuzzer

failed=0
for target in $targets; do
    dir=$scratch/runs/$target
    mkdir -p "$dir/corpus" "$dir/artifacts"
    cp -n Tests/Fuzz/corpus/"$target"/* "$dir/corpus/" 2>/dev/null || true
    seeds=$(ls "$dir/corpus" | wc -l)
    start=$(date +%s.%N)
    status=0
    DEBLUR_FUZZ_TARGET=$target "$binary" "$dir/corpus" -max_total_time="$seconds" -runs="$runs" -timeout=1 \
        -rss_limit_mb=4096 -max_len=65536 -artifact_prefix="$dir/artifacts/" -print_final_stats=1 >"$dir/log" 2>&1 || status=$?
    elapsed=$(echo "$(date +%s.%N) - $start" | bc)
    executions=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$dir/log" | grep -o '[0-9]*$' || echo "?")
    peak=$(grep -o 'stat::peak_rss_mb: *[0-9]*' "$dir/log" | grep -o '[0-9]*$' || echo "?")
    crashes=$(ls "$dir/artifacts" | grep -c -E '^(crash|leak|oom)-' || true)
    timeouts=$(ls "$dir/artifacts" | grep -c '^timeout-' || true)
    printf '%-12s %9s inputs in %6.1f s, corpus %d → %d, peak %s MB, %d crashes, %d timeouts (exit %d)\n' \
        "$target" "$executions" "$elapsed" "$seeds" "$(ls "$dir/corpus" | wc -l)" "$peak" "$crashes" "$timeouts" "$status"
    if [[ $status != 0 || $crashes != 0 || $timeouts != 0 ]]; then
        failed=1
        grep -m3 -E 'ERROR|Fatal error|SUMMARY' "$dir/log" | sed 's/^/  /' || true
    fi
done
exit $failed
