#!/usr/bin/env bash
# Runs every fuzz target for SECONDS each on its seed corpus (fuzz/corpus/<target>/), one after
# the other. New inputs go to BUILD/fuzz-corpus/<target>/ (the seeds are never rewritten);
# a crash is saved as BUILD/fuzz-artifacts/<target>/crash-* and fails the run at the end.
# Usage: fuzz/run.sh BUILD SECONDS [TARGET...]
set -uo pipefail
build=${1:?usage: fuzz/run.sh BUILD SECONDS [TARGET...]}
seconds=${2:?usage: fuzz/run.sh BUILD SECONDS [TARGET...]}
shift 2
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "$build" && pwd)
targets=("$@")
if [[ ${#targets[@]} -eq 0 ]]; then
  for d in "$here"/corpus/*/; do targets+=("$(basename "$d")"); done
fi

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
failed=()
for t in "${targets[@]}"; do
  bin="$build/bin/fuzz_$t"
  [[ -x "$bin" ]] || { echo "fuzz: $bin is missing (make fuzz-build)" >&2; failed+=("$t"); continue; }
  work="$build/fuzz-corpus/$t" artifacts="$build/fuzz-artifacts/$t"
  mkdir -p "$work" "$artifacts"
  log="$build/fuzz-$t.log"
  started=$(date +%s)
  # -rss_limit_mb: ASan's shadow and quarantine; -max_len: bodies are small, crashes need not be.
  "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
    -print_final_stats=1 -artifact_prefix="$artifacts/" "$work" "$here/corpus/$t" > "$log" 2>&1
  rc=$?
  stats=$(grep -E '^stat::number_of_executed_units|^stat::new_units_added' "$log" | awk '{printf "%s ", $2}')
  echo "fuzz: $t: exit $rc after $(( $(date +%s) - started )) s (runs, new units: ${stats:-?})"
  if [[ $rc -ne 0 ]]; then
    failed+=("$t")
    grep -E -A40 '^==[0-9]+==ERROR|runtime error:|^SUMMARY|deadly signal|Test unit written' "$log" | head -80
  fi
done
if [[ ${#failed[@]} -gt 0 ]]; then
  echo "fuzz: FAILED: ${failed[*]} (logs: $build/fuzz-<target>.log, inputs: $build/fuzz-artifacts/)" >&2
  exit 1
fi
echo "fuzz: all ${#targets[@]} targets ran ${seconds} s each without a finding"
