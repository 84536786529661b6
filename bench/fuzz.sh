#!/usr/bin/env bash
# Builds the libFuzzer harnesses of tests/fuzz (clang, ASan + UBSan) and runs each target for
# SECONDS, one after another, on a working copy of its seed corpus and saved regressions.
# Usage: bench/fuzz.sh SECONDS [TARGET...]     (targets: tests/fuzz/*_fuzz.cpp)
# Environment: CERTNN_FUZZ_DIR (default build-fuzz) holds the build, corpus/<target> (what the
# fuzzer grew), artifacts/<target> (crash-, leak-, timeout-, oom- inputs), logs/<target>.log and
# summary.tsv: target, seconds, executions, cov (edges), ft (features), corpus files, crashes.
# After a crash the target is restarted for the rest of its time, so one bug does not end the run.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
seconds="${1:?usage: bench/fuzz.sh SECONDS [TARGET...]}"
shift
targets=("$@")
if ((${#targets[@]} == 0)); then targets=(onnx_import vnnlib_text vnnlib_gzip csv options serve_request); fi
dir="${CERTNN_FUZZ_DIR:-$root/build-fuzz}"

launcher=()
if command -v ccache >/dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
cmake -S "$root" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
  "${launcher[@]}" -DCERTNN_BUILD_TESTS=OFF -DCERTNN_BUILD_BENCH=OFF -DCERTNN_BUILD_FUZZ=ON >/dev/null
cmake --build "$dir" --target certnn_fuzzers --parallel "$(nproc)"

summary="$dir/summary.tsv"
[[ -f $summary ]] || printf 'target\tseconds\texecutions\tcov\tft\tcorpus\tcrashes\n' >"$summary"
mkdir -p "$dir/logs"
for target in "${targets[@]}"; do
  binary="$dir/tests/fuzz/fuzz_$target"
  [[ -x $binary ]] || { echo "fuzz.sh: no harness $target" >&2; exit 1; }
  corpus="$dir/corpus/$target" artifacts="$dir/artifacts/$target" log="$dir/logs/$target.log"
  mkdir -p "$corpus" "$artifacts"
  cp -n "$root/tests/fuzz/corpus/$target"/* "$corpus"/
  if [[ -d $root/tests/fuzz/regressions/$target ]]; then cp -n "$root/tests/fuzz/regressions/$target"/* "$corpus"/ 2>/dev/null || true; fi
  options=(-print_final_stats=1 -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$artifacts/")
  if [[ $target == vnnlib_* ]]; then options+=(-dict="$root/tests/fuzz/vnnlib.dict"); fi

  : >"$log"
  start=$SECONDS executions=0 runs=0
  while ((SECONDS - start < seconds && runs < 50)); do
    runs=$((runs + 1))
    # The harnesses' temporary files go to a folder of their own, removed with the run.
    scratch="$(mktemp -d)"
    TMPDIR="$scratch" "$binary" "${options[@]}" -max_total_time=$((seconds - (SECONDS - start))) "$corpus" >>"$log" 2>&1 || true
    rm -rf "$scratch"
    units=$(grep -a 'stat::number_of_executed_units' "$log" | tail -1 | awk '{print $2}')
    executions=$((executions + ${units:-0}))
    # Only the last run's stats line counts once; drop it so the next run's is not added twice.
    sed -i 's/^stat::number_of_executed_units/stat::counted_executed_units/' "$log"
  done
  coverage=$(grep -a -E '^#[0-9]+.*cov: [0-9]+' "$log" | tail -1)
  cov=$(sed -E 's/.*cov: ([0-9]+).*/\1/' <<<"$coverage")
  ft=$(sed -E 's/.*ft: ([0-9]+).*/\1/' <<<"$coverage")
  files=$(find "$corpus" -type f | wc -l)
  crashes=$(find "$artifacts" -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) | wc -l)
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$target" "$((SECONDS - start))" "$executions" "${cov:-?}" "${ft:-?}" "$files" "$crashes" |
    tee -a "$summary"
done
