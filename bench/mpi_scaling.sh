#!/usr/bin/env bash
# Speed-up of certnn over MPI ranks (docs/scaling.md): wall time of
#   the suite   ACAS Xu properties 3 and 4 on all 45 networks (90 instances, each a few tenths
#               of a second to a few seconds), with the instances handed out to the ranks;
#   the hard    ACAS Xu 3_3/prop 2, 4_2/prop 2 and 1_1/prop 6, the three longest instances,
#   instances   each one search shared by work stealing;
# for 1, 2 and 4 ranks of one worker thread each (--oversubscribe beyond the machine's cores), and
# for one process of `nproc` threads started without mpirun (the default way to use one machine:
# mpirun binds a rank to one core unless told otherwise, and its threads would share it), with the
# verdicts, the sub-problems and the messages between the ranks. Prints a Markdown table.
# Usage: bench/mpi_scaling.sh [BUILD_DIR] [RANKS...]   (default ranks: 1 2 4)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
certnn="${1:-$root/build}/certnn"
shift || true
ranks=("$@")
((${#ranks[@]} > 0)) || ranks=(1 2 4)
acasxu="$root/benchmarks/acasxu"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

grep -E 'prop_(3|4)\.vnnlib' "$acasxu/instances.csv" > "$work/suite.csv"
hard=("3_3 prop_2" "4_2 prop_2" "1_1 prop_6")

echo "cores: $(nproc); load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| job | what | wall s | verdicts | sub-problems | messages | bytes |"
echo "|---|---|---:|---|---:|---:|---:|"
configurations=()
for n in "${ranks[@]}"; do configurations+=("$n 1"); done
configurations+=("0 $(nproc)")
for configuration in "${configurations[@]}"; do
  read -r n threads <<<"$configuration"
  launch=(mpirun --oversubscribe -np "$n" "$certnn")
  label="$n rank(s) × $threads thread(s)"
  if ((n == 0)); then
    launch=("$certnn")
    label="no mpirun, $threads threads"
  fi
  start=$(date +%s.%N)
  "${launch[@]}" suite "$work/suite.csv" --root "$acasxu" --expected "$acasxu/expected.csv" --threads "$threads" \
    --json >"$work/suite.json" 2>/dev/null
  seconds=$(echo "$(date +%s.%N) - $start" | bc)
  verdicts=$(python3 -c 'import json,sys; s=json.load(open(sys.argv[1]))["summary"]; print("%d sat, %d unsat, %d wrong" % (s["sat"], s["unsat"], s["wrong"]))' "$work/suite.json")
  printf '| %s | suite (90) | %.1f | %s | | | |\n' "$label" "$seconds" "$verdicts"
  for instance in "${hard[@]}"; do
    read -r network property <<<"$instance"
    start=$(date +%s.%N)
    "${launch[@]}" verify "$acasxu/onnx/ACASXU_run2a_${network}_batch_2000.onnx" "$acasxu/vnnlib/$property.vnnlib.gz" \
      --threads "$threads" --timeout 600 --json >"$work/verify.json" 2>/dev/null
    seconds=$(echo "$(date +%s.%N) - $start" | bc)
    python3 -c 'import json,sys; v=json.load(open(sys.argv[1])); print("| %s | %s | %.1f | %s | %d | %d | %d |" % (sys.argv[2], sys.argv[3], float(sys.argv[4]), v["result"], v["subproblems"], v.get("messages", 0), v.get("message_bytes", 0)))' \
      "$work/verify.json" "$label" "$network/$property" "$seconds"
  done
done
echo
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
