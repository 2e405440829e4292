#!/usr/bin/env bash
# The first device call (docs/gpu.md): on a GPU machine without Java or Maven, after
# scripts/gpu-bundle.sh filled .gpu/ here and the call carried it, in at most 2.5 minutes:
#   env       nvidia-smi, the CUDA library files found (with their versions in the file names), PyTorch's view
#   headers   the real cuDNN / cuBLAS / NVRTC / CUDA headers, packed into $OUT/headers.tgz for later
#   bindings  our FFM descriptors checked against those headers (BindingPrototypesTest, no GPU needed)
#   doctor    the backends' diagnostics; stops here when CUDA is not available
#   ops       a handful of single-op GPU tests with -Dingot.cuda.debugSync=true (a device fault is named
#             by the op that queued it): copies, GEMM, convolution, pooling, activations, loss, optimizers
# each in its own process under its own `timeout` (scripts/gpu-stage.sh), then a summary of at most
# 20 lines, printed last. $OUT gets at most 5 files: summary.txt, gpu-smoke.log, headers.tgz,
# results.tgz, crashes.tgz (only after a JVM crash).
#
# Usage (device tool: carry [".gpu"], timeout_s 200): bash scripts/gpu-smoke.sh
set -uo pipefail
# shellcheck source=scripts/gpu-stage.sh
source "$(dirname "${BASH_SOURCE[0]}")/gpu-stage.sh"
gpu_begin gpu-smoke "${INGOT_GPU_BUDGET:-140}"

# Where headers may be: the toolkit, and the include folders of the Python wheels (CUDA 13's in nvidia/cu13).
header_dirs=()
for d in /usr/local/cuda/include /usr/local/cuda/targets/x86_64-linux/include /usr/include; do
  [[ -d $d ]] && header_dirs+=("$d")
done
sites=$(python3 -c 'import site; print(" ".join(site.getsitepackages()))' 2>/dev/null)
for s in $sites /opt/*/.venv/lib/python3*/site-packages; do
  for d in "$s"/nvidia/*/include; do [[ -d $d ]] && header_dirs+=("$d"); done
done
export INGOT_CUDA_HEADERS
INGOT_CUDA_HEADERS=$(IFS=:; echo "${header_dirs[*]}")

list_env() {
  nvidia-smi || echo "no nvidia-smi"
  echo "INGOT_CUDA_LIBRARY_PATH=$INGOT_CUDA_LIBRARY_PATH"
  for d in ${INGOT_CUDA_LIBRARY_PATH//:/ }; do
    ls -l "$d" 2>/dev/null | grep -E 'lib(cuda|cudnn|cublas|cublasLt|nvrtc|nvrtc-builtins|cudart)[._]' | awk -v d="$d" '{print d"/"$9, $10, $11}'
  done
  python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda, "cudnn", torch.backends.cudnn.version(), "device", torch.cuda.get_device_name() if torch.cuda.is_available() else None)'
}
export -f list_env
stage env 25 list_env

pack_headers() {
  local files=() d f
  for d in ${INGOT_CUDA_HEADERS//:/ }; do
    for f in "$d"/cuda.h "$d"/cudnn*.h "$d"/cublas_api.h "$d"/cublas_v2.h "$d"/nvrtc.h; do
      [[ -f $f ]] && files+=("$f")
    done
  done
  (( ${#files[@]} > 0 )) || { echo "no CUDA headers found in: $INGOT_CUDA_HEADERS"; return 1; }
  printf '%s\n' "${files[@]}"
  tar czf "$out/headers.tgz" -P "${files[@]}"
}
export -f pack_headers
stage headers 15 pack_headers

stage bindings 25 junit bindings -- --select-class=dev.ingot.cuda.ffm.BindingPrototypesTest \
  --select-class=dev.ingot.cuda.ffm.WrapperSignatureTest

jvm doctor
stage doctor 25 "${J[@]}" -cp "$classpath" dev.ingot.cli.IngotCli doctor
device=$(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader 2>/dev/null | head -1)
while IFS= read -r l; do notes+=("${l:0:160}"); done < <(grep -E '^  (driver|device 0|cuDNN|cuBLAS|NVRTC): ' "$work/doctor.out")
if ! grep -q '^cuda: available' "$log" && [[ -z $dry ]]; then
  notes+=("CUDA is not available here (see doctor in gpu-smoke.log): the GPU tests were not run")
  gpu_end "${device:-no GPU}"
  exit 3
fi

t=dev.ingot.cuda.CudaBackendGpuTest
stage ops 60 junit ops -Dingot.cuda.debugSync=true -- --select-class=dev.ingot.cuda.CudaBackendProviderTest \
  --select-class=dev.ingot.cuda.CublasGemmTest \
  --select-method=$t#copiesRoundTripIncludingChunkedLargeOnes --select-method=$t#bytesInUseCountsOpenTensorsOnly \
  --select-method=$t#argmaxTiesGoToTheFirstIndexAndNaNBeatsEveryNumber \
  --select-method=$t#aClosedBackendRefusesWorkAndLateTensorClosesAreHarmless \
  --select-method=$t#outOfMemoryIsATypedExceptionAndTheBackendCarriesOn

gpu_end "${device:-no GPU}$([[ -n $dry ]] && echo ' (dry run)')"
