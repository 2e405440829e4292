#!/usr/bin/env bash
# Runs on a GPU machine that has no Java and no Maven, in the checkout's root, after
# scripts/gpu-bundle.sh filled .gpu/ on a build machine: sets up the bundled runtime and the CUDA
# library path (.gpu/gpu-env.sh), prints the backend diagnostics, runs the whole test suite with the
# JUnit console launcher (the parity suite, engine-cuda's GPU tests, everything else), and, when
# INGOT_GPU_TRAIN is set, a short training run on the GPU. Logs and JUnit XML reports go to $OUT
# (default /tmp/ingot-gpu-out), which the device tool brings back.
#
# Usage: bash scripts/gpu-run.sh [console-launcher selectors instead of the whole suite,
#                                  e.g. --select-package=dev.ingot.parity or --select-class=dev.ingot.cuda.CudaBackendGpuTest]
#   INGOT_GPU_TRAIN=mnist-cnn   also train that model for one epoch on the GPU
#   INGOT_JAVA_OPTS             extra JVM options (e.g. -Dingot.cuda.conv.algo=heuristic)
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
[[ -d .gpu/jars && -f .gpu/jre.tgz ]] || { echo "gpu-run: .gpu/ is not filled; run scripts/gpu-bundle.sh on a build machine first" >&2; exit 2; }
# shellcheck source=/dev/null
source .gpu/gpu-env.sh
out=${OUT:-/tmp/ingot-gpu-out}
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

echo "== tests (reports in $out/junit)" | tee "$out/tests.txt"
selectors=()
if (( $# > 0 )); then
  selectors=("$@") # explicit selectors; the console launcher does not combine them with a class-path scan
else
  for d in "${scan[@]}"; do selectors+=("--scan-class-path=$d"); done
fi
start=$(date +%s)
java "${java_opts[@]}" -jar "$launcher" execute --class-path "$classpath" "${selectors[@]}" \
  --reports-dir "$out/junit" --details=tree --disable-banner 2>&1 | tee -a "$out/tests.txt"
status=${PIPESTATUS[0]}
echo "gpu-run: tests exited with $status after $(( $(date +%s) - start )) s" | tee -a "$out/tests.txt"
for f in target/parity-summary.txt tests/target/parity-summary.txt; do [[ -f $f ]] && cp "$f" "$out/"; done

if [[ -n ${INGOT_GPU_TRAIN:-} && -f .gpu/ingot.jar ]]; then
  echo "== training $INGOT_GPU_TRAIN on cuda" | tee "$out/train.txt"
  java "${java_opts[@]}" -jar .gpu/ingot.jar train --model "$INGOT_GPU_TRAIN" --backend cuda --epochs 1 \
    --output "$out/train" --no-progress 2>&1 | tee -a "$out/train.txt"
fi
exit "$status"
