#!/usr/bin/env bash
# Runs on a GPU machine that has no Java and no Maven, in the checkout's root, after
# scripts/gpu-bundle.sh filled .gpu/ on a build machine: sets up the bundled runtime and the CUDA
# library path (.gpu/gpu-env.sh), prints the backend diagnostics, runs the GPU-facing tests with the
# JUnit console launcher (engine-cuda's own tests, the parity suite and the gradient checks; the
# whole suite with INGOT_GPU_ALL=1) and, when INGOT_GPU_TRAIN is set, a short training run on the GPU.
#
# What comes back: the device tool returns at most 8 files from $OUT, no more than 2 folders down, and
# stops a command after 10 minutes. So $OUT gets a handful of flat files, and everything that is many
# files (JUnit's XML reports, a training run's output folder) is packed into one .tgz each:
#   doctor.txt  tests.txt  parity-summary.txt  junit-reports.tgz  [train.txt  train.tgz]
# and the tests run under a time limit (INGOT_GPU_TEST_TIMEOUT seconds, default 480) that leaves time
# to pack them. $OUT defaults to /tmp/ingot-gpu-out elsewhere.
#
# Usage: bash scripts/gpu-run.sh [console-launcher selectors instead of the default ones,
#                                  e.g. --select-package=dev.ingot.parity or --select-class=dev.ingot.cuda.CudaBackendGpuTest]
#   INGOT_GPU_ALL=1             the whole test suite (every module's tests) instead of the GPU-facing packages
#   INGOT_GPU_TRAIN=mnist-cnn   also train that model for one epoch on the GPU
#   INGOT_GPU_TEST_TIMEOUT=480  seconds the test run may take
#   INGOT_JAVA_OPTS             extra JVM options (e.g. -Dingot.cuda.conv.algo=heuristic)
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
[[ -d .gpu/jars && -f .gpu/jre.tgz ]] || { echo "gpu-run: .gpu/ is not filled; run scripts/gpu-bundle.sh on a build machine first" >&2; exit 2; }
# shellcheck source=/dev/null
source .gpu/gpu-env.sh
out=${OUT:-/tmp/ingot-gpu-out}
work=$(mktemp -d /tmp/ingot-gpu-work.XXXXXX) # many-file results, packed into $out at the end
mkdir -p "$out"
java_opts=(--add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xmx16g ${INGOT_JAVA_OPTS:-})
[[ -d .gpu/data ]] && export INGOT_DATA_DIR=$PWD/.gpu/data
export INGOT_CACHE_DIR=${INGOT_CACHE_DIR:-/tmp/ingot-cache}

echo "== doctor" | tee "$out/doctor.txt"
if [[ -f .gpu/ingot.jar ]]; then
  java "${java_opts[@]}" -jar .gpu/ingot.jar doctor 2>&1 | tee -a "$out/doctor.txt"
fi

cp_entries=()
for j in .gpu/jars/*.jar .gpu/lib/*.jar; do
  [[ $j == *junit-platform-console-standalone* ]] || cp_entries+=("$j")
done
scan=()
for d in .gpu/test-classes/*; do
  [[ -d $d ]] && cp_entries+=("$d") && scan+=("$d")
done
classpath=$(IFS=:; echo "${cp_entries[*]}")
launcher=$(ls .gpu/lib/junit-platform-console-standalone-*.jar | head -1)

timeout_s=${INGOT_GPU_TEST_TIMEOUT:-480}
echo "== tests (at most $timeout_s s; JUnit reports packed into $out/junit-reports.tgz)" | tee "$out/tests.txt"
selectors=()
if (( $# > 0 )); then
  selectors=("$@") # explicit selectors; the console launcher does not combine them with a class-path scan
elif [[ -n ${INGOT_GPU_ALL:-} ]]; then
  for d in "${scan[@]}"; do selectors+=("--scan-class-path=$d"); done
else
  selectors=(--select-package=dev.ingot.cuda --select-package=dev.ingot.parity --select-package=dev.ingot.gradcheck)
fi
start=$(date +%s)
timeout --signal=TERM --kill-after=20 "$timeout_s" \
  java "${java_opts[@]}" -Dingot.parity.summary="$out/parity-summary.txt" -jar "$launcher" execute \
  --class-path "$classpath" "${selectors[@]}" --reports-dir "$work/junit" --details=tree --disable-banner --disable-ansi-colors 2>&1 \
  | tee -a "$out/tests.txt"
status=${PIPESTATUS[0]}
(( status == 124 || status == 137 )) && echo "gpu-run: the tests ran past $timeout_s s and were stopped" | tee -a "$out/tests.txt"
echo "gpu-run: tests exited with $status after $(( $(date +%s) - start )) s" | tee -a "$out/tests.txt"
[[ -d $work/junit ]] && tar czf "$out/junit-reports.tgz" -C "$work" junit

if [[ -n ${INGOT_GPU_TRAIN:-} && -f .gpu/ingot.jar ]]; then
  echo "== training $INGOT_GPU_TRAIN on cuda" | tee "$out/train.txt"
  java "${java_opts[@]}" -jar .gpu/ingot.jar train --model "$INGOT_GPU_TRAIN" --backend cuda --epochs 1 \
    --output "$work/train" --no-progress 2>&1 | tee -a "$out/train.txt"
  [[ -d $work/train ]] && tar czf "$out/train.tgz" -C "$work" train
fi
rm -rf "$work"
exit "$status"
