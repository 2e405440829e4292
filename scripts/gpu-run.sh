#!/usr/bin/env bash
# The second device call (docs/gpu.md): on a GPU machine without Java or Maven, after
# scripts/gpu-bundle.sh filled .gpu/ here and the call carried it, in at most 7 minutes:
#   doctor     the backends' diagnostics; stops the run when CUDA is not available
#   engine     engine-cuda's tests (cuDNN algorithms chosen by Find, as in training)
#   parity     the parity suite, convolutions restricted to the GEMM family (ingot.cuda.conv.algo=gemm)
#   gradcheck  the gradient checks, GEMM family too
#   train      one epoch of mnist-cnn on CUDA (curves attempted: the small runtime has no AWT, so a warning)
#   jmh        TrainingStepBenchmark, mnist-cnn on CUDA, batch 32 and 128
#   torch      PyTorch's same training step on the same GPU (bench/python/train_reference.py)
# each in its own process under its own `timeout` (see scripts/gpu-stage.sh), then a summary of at most
# 20 lines, printed last. $OUT gets at most 6 files: summary.txt, gpu-run.log, parity-summary.txt,
# results.tgz, crashes.tgz (only after a JVM crash), training-curves warning aside.
#
# Usage (device tool: carry [".gpu"], timeout_s 480): bash scripts/gpu-run.sh
#   INGOT_GPU_BUDGET=400      seconds for all stages (the call's own limit must leave room to start)
#   INGOT_GPU_LIMIT_<stage>=S one stage's limit, e.g. INGOT_GPU_LIMIT_parity=150
#   INGOT_JAVA_OPTS           extra JVM options for every stage
set -uo pipefail
# shellcheck source=scripts/gpu-stage.sh
source "$(dirname "${BASH_SOURCE[0]}")/gpu-stage.sh"
gpu_begin gpu-run "${INGOT_GPU_BUDGET:-400}"

jvm doctor
stage doctor 25 "${J[@]}" -cp "$classpath" dev.ingot.cli.IngotCli doctor
device=$(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader 2>/dev/null | head -1)
if ! grep -q '^cuda: available' "$log" && [[ -z $dry ]]; then
  notes+=("CUDA is not available here (see doctor in gpu-run.log): nothing else run")
  gpu_end "${device:-no GPU}"
  exit 3
fi

stage engine 75 junit engine -- --select-package=dev.ingot.cuda

stage parity 120 junit parity -Dingot.cuda.conv.algo=gemm -Dingot.parity.summary="$out/parity-summary.txt" -- \
  --select-package=dev.ingot.parity --exclude-classname='.*OpGradientCheckTest'

stage gradcheck 50 junit gradcheck -Dingot.cuda.conv.algo=gemm -- --select-class=dev.ingot.parity.OpGradientCheckTest

jvm train
stage train 75 "${J[@]}" -cp "$classpath" dev.ingot.cli.IngotCli train --model mnist-cnn --epochs 1 \
  --batch-size 32 --backend cuda --seed 42 --output "$work/train" --no-progress --no-download

jvm jmh
# jmh.ignoreLock: JMH refuses to start while another JMH holds /tmp/jmh.lock (a shared build machine)
stage jmh 60 "${J[@]}" -Djmh.ignoreLock=true -jar .gpu/benchmarks.jar TrainingStepBenchmark -p model=mnist-cnn -p batchSize=32,128 \
  -p backend=cuda -foe true -f 1 -wi 3 -w 1s -i 3 -r 1s -jvmArgsPrepend "-XX:ErrorFile=$out/hs_err-jmh.log" \
  -rf json -rff "$work/jmh.json"

stage torch 45 python3 bench/python/train_reference.py --device cuda --models mnist-cnn --batch-sizes 32,128 \
  --out-dir "$work/torch" --warmup-time 1 --min-time 0.5 --rounds 3

# The figures worth a line each: parity counts, the epoch, Ingot's and PyTorch's step times.
[[ -f $out/parity-summary.txt ]] && while IFS= read -r l; do [[ -n $l ]] && notes+=("${l:0:160}"); done \
  < <(head -2 "$out/parity-summary.txt")
epoch=$(grep -m1 '^epoch 1/1:' "$work/train.out" 2>/dev/null)
tested=$(grep -m1 '^test set:' "$work/train.out" 2>/dev/null)
[[ -n $epoch ]] && notes+=("train mnist-cnn on cuda: ${epoch#epoch 1/1: }; ${tested:-no test-set line}")
grep -q 'warning: training-curves.png not written' "$work/train.out" 2>/dev/null \
  && notes+=("train: training-curves.png not drawn (no AWT in the bundled runtime), as expected: a warning only")
# JMH columns: Benchmark (backend) (batchSize) (model) Mode Cnt Score ± Error Units
while IFS= read -r l; do notes+=("$l"); done < <(awk '/^TrainingStepBenchmark\./ && $5 == "avgt" {
  printf "ingot %s batch %4d: %8.3f ms/step (± %s) %9.0f images/s\n", $4, $3, $7, $9, $3 / $7 * 1000}' \
  "$work/jmh.out" 2>/dev/null | head -2)
while IFS= read -r l; do notes+=("${l:0:120}"); done < <(grep '^torch mnist-cnn' "$work/torch.out" 2>/dev/null | head -2)
gpu_end "${device:-no GPU}$([[ -n $dry ]] && echo ' (dry run)')"
