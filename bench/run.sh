#!/usr/bin/env bash
# The whole race in one command: builds bench/target/benchmarks.jar, runs the JMH benchmarks (FP32
# peak, every kernel, training steps with JMH's GC profiler), runs the Python references (NumPy on
# OpenBLAS and torch.mm GEMMs, PyTorch convolution layers and training steps) on the same machine
# with the same number of threads, and writes one Markdown report: Ingot, reference, ratio, % of peak.
#
#   bench/run.sh            # default settings (about 25 minutes on 2 cores: ~120 kernel trials, 9 training)
#   bench/run.sh --quick    # short settings, to check that everything runs (a few minutes)
#
# Options: --quick, --skip-build, --skip-python, --skip-jmh (report from what is in --results DIR),
#          --results DIR (where JSON results and the report go; default bench/target/results/<time>).
# Settings (environment):
#   JMH_OPTS            JMH options for every run (default: -f 1 -wi 3 -i 5 -w 1s -r 1s)
#   BENCHMARKS          JMH regex of the kernel benchmarks to run (default: all of them)
#   TRAINING_BATCHES    batch sizes of the training steps (default: 32,64,128)
#   THREADS             CPU threads for Ingot and the references (default: all logical CPUs)
#   PYTHON              the Python with NumPy and PyTorch (default: /usr/bin/python3, where
#                       bench/python/setup-debian.sh installs them)
#   REFERENCE_CORETYPE  OpenBLAS kernel for the references: "auto" (default) lets OpenBLAS detect the
#                       CPU, and falls back to SkylakeX when the detected kernel is not an AVX-512 one
#                       on an AVX-512 CPU; or any OPENBLAS_CORETYPE name (Haswell, SkylakeX, ...)
#   DEVICE              cpu (default) or cuda: where the PyTorch references run
#   INGOT_DATA_DIR      the datasets (default: ../shared/data beside the checkout, when it exists)
set -euo pipefail
script=$(readlink -f "${BASH_SOURCE[0]}")
root=$(cd "$(dirname "$script")/.." && pwd)
cd "$root"

quick= skip_build= skip_python= skip_jmh= results=
while [[ $# -gt 0 ]]; do
  case $1 in
    --quick) quick=1 ;;
    --skip-build) skip_build=1 ;;
    --skip-python) skip_python=1 ;;
    --skip-jmh) skip_jmh=1 ;;
    --results) results=$2; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$script" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "run.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done

if [[ -n $quick ]]; then
  jmh_opts=${JMH_OPTS:--f 1 -wi 1 -i 2 -w 500ms -r 500ms}
  py_timing=(--warmup-time 0.5 --min-time 0.3 --rounds 2)
else
  jmh_opts=${JMH_OPTS:--f 1 -wi 3 -i 5 -w 1s -r 1s}
  py_timing=(--warmup-time 2 --min-time 1 --rounds 5)
fi
threads=${THREADS:-$(nproc)}
python=${PYTHON:-/usr/bin/python3}
device=${DEVICE:-cpu}
batches=${TRAINING_BATCHES:-32,64,128}
results=${results:-bench/target/results/$(date -u +%Y%m%d-%H%M%S)}
mkdir -p "$results"
if [[ -z ${INGOT_DATA_DIR:-} && -d $root/../shared/data ]]; then
  export INGOT_DATA_DIR=$root/../shared/data
fi
export PYTHONDONTWRITEBYTECODE=1
log() { echo "[run.sh $(date +%H:%M:%S)] $*" >&2; }
failed=()
# Runs one stage; a failing stage is logged and remembered, and the run goes on to the report.
stage() {
  local name=$1; shift
  log "$name"
  if ! "$@"; then
    log "FAILED: $name (see the output above); the report is made from what the other stages measured"
    failed+=("$name")
  fi
}

# ---------------------------------------------------------------- JDK 25 (same rule as ./ingot)
java_major() {
  local v
  v=$("$1/bin/java" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/{print $2; exit}') || return 0
  echo "${v%%.*}"
}
find_jdk() {
  local candidates=() d v
  [[ -n ${INGOT_JAVA_HOME:-} ]] && candidates+=("$INGOT_JAVA_HOME")
  [[ -n ${JAVA_HOME:-} ]] && candidates+=("$JAVA_HOME")
  command -v java >/dev/null 2>&1 && candidates+=("$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")")
  for d in /usr/lib/jvm/* "$HOME"/.sdkman/candidates/java/* /opt/java/*; do [[ -d $d ]] && candidates+=("$d"); done
  for d in "${candidates[@]}"; do
    [[ -x $d/bin/java ]] || continue
    v=$(java_major "$d")
    if [[ -n $v && $v -ge 25 ]]; then echo "$d"; return 0; fi
  done
  return 1
}
jdk=$(find_jdk) || { echo "run.sh: needs a JDK 25 or newer (INGOT_JAVA_HOME, JAVA_HOME, PATH, /usr/lib/jvm); found none" >&2; exit 1; }
jar=bench/target/benchmarks.jar
java_cmd=("$jdk/bin/java" --add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED "-Dingot.cpu.threads=$threads")

# ---------------------------------------------------------------- build
if [[ -z $skip_build ]]; then
  log "building $jar"
  JAVA_HOME=$jdk ./mvnw -B -q -pl bench -am package -DskipTests
fi
[[ -f $jar ]] || { echo "run.sh: $jar is missing; run without --skip-build" >&2; exit 1; }

load=$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo 0)
if awk -v l="$load" 'BEGIN { exit !(l > 0.5) }'; then
  log "WARNING: load average is $load: other work is running, and every timing below will be noisy"
fi
"${java_cmd[@]}" -cp "$jar" dev.ingot.bench.report.MachineInfo "$results/machine.json" 2>/dev/null

# ---------------------------------------------------------------- JMH
if [[ -z $skip_jmh ]]; then
  backends=$("${java_cmd[@]}" -cp "$jar" dev.ingot.bench.BenchmarkFixture 2> >(grep -v 'incubator modules' >&2))
  [[ -n $backends ]] || { echo "run.sh: no backend can run here" >&2; exit 1; }
  log "backends: $backends; Ingot threads: $threads; JMH: $jmh_opts"
  # -jvmArgsPrepend adds to the @Fork(jvmArgsAppend) flags of each benchmark instead of replacing them.
  jmh() { "${java_cmd[@]}" -jar "$jar" "$@" $jmh_opts -jvmArgsPrepend "-Dingot.cpu.threads=$threads" -p "backend=$backends"; }
  stage "FP32 peak" jmh 'FmaPeakBenchmark' -rf json -rff "$results/jmh-peak.json"
  stage "kernels" jmh "${BENCHMARKS:-.*}" -e 'FmaPeakBenchmark|TrainingStepBenchmark' -rf json \
    -rff "$results/jmh-kernels.json"
  if "${java_cmd[@]}" -jar "$jar" -l 2>/dev/null | grep -q 'TrainingStepBenchmark'; then
    data_dir=${INGOT_DATA_DIR:-$HOME/.ingot/datasets}
    [[ -d $data_dir/mnist && -d $data_dir/cifar-10 ]] ||
      log "WARNING: no mnist/ and cifar-10/ in $data_dir: the training benchmarks will fail (set INGOT_DATA_DIR)"
    stage "training steps (with the GC profiler: allocated bytes per step)" \
      jmh 'TrainingStepBenchmark' -p "batchSize=$batches" -prof gc -rf json -rff "$results/jmh-training.json"
    for b in ${backends//,/ }; do
      stage "GC share of a timed training loop on $b (TrainingGcProbe)" \
        "${java_cmd[@]}" -XX:+UseParallelGC -cp "$jar" dev.ingot.bench.TrainingGcProbe --backend "$b" \
        ${quick:+--warmup-seconds 3 --seconds 5} --json "$results/training-gc-$b.json"
    done
  else
    log "TrainingStepBenchmark is not in this build (the reference models have not landed): skipped"
  fi
fi

# ---------------------------------------------------------------- Python references
notes=()
if [[ -z $skip_python ]]; then
  if ! "$python" -c 'import numpy, torch' 2>/dev/null; then
    echo "run.sh: $python cannot import numpy and torch; install them with: sudo bench/python/setup-debian.sh" \
         "(or point PYTHON at a Python that has them, or pass --skip-python)" >&2
    exit 1
  fi
  detected=$(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$python" -c '
import numpy
try:
    from threadpoolctl import threadpool_info
    print(next((p.get("architecture") or "?" for p in threadpool_info() if p.get("internal_api") == "openblas"), "none"))
except ImportError:
    print("?")')
  coretype=${REFERENCE_CORETYPE:-auto}
  if [[ $coretype == auto ]]; then
    case $detected in
      SkylakeX|Cooperlake|SapphireRapids) coretype= ;;
      *) if grep -qw avx512f /proc/cpuinfo; then coretype=SkylakeX; else coretype=; fi ;;
    esac
  fi
  if [[ -n ${OPENBLAS_CORETYPE:-} ]]; then
    notes+=(--note "This shell had OPENBLAS_CORETYPE=$OPENBLAS_CORETYPE${OPENBLAS_L2_SIZE:+ and OPENBLAS_L2_SIZE=$OPENBLAS_L2_SIZE}; the references ran without them.")
  fi
  if [[ -n $coretype ]]; then used="OPENBLAS_CORETYPE=$coretype"; else used="the kernel OpenBLAS detected"; fi
  notes+=(--note "OpenBLAS 0.3.x detects this CPU as '$detected'; the references ran with $used.")
  log "references: OpenBLAS detects '$detected', running with '${coretype:-$detected}', $threads threads, device $device"
  ref_env=(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE ${coretype:+OPENBLAS_CORETYPE=$coretype}
           OPENBLAS_NUM_THREADS="$threads" OMP_NUM_THREADS="$threads")
  py() { "${ref_env[@]}" "$python" "$@" --threads "$threads" --device "$device" --out-dir "$results" "${py_timing[@]}"; }
  stage "NumPy / torch.mm GEMM" py bench/python/gemm_reference.py $([[ $device == cuda ]] && echo --libraries torch)
  stage "PyTorch convolution layers" py bench/python/conv_reference.py
  stage "PyTorch training steps" py bench/python/train_reference.py --batch-sizes "$batches"
fi

# ---------------------------------------------------------------- report
load_end=$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo '?')
notes+=(--note "Load average (1 min) at the start of the run: $load, at the end: $load_end (above 0.5 means other work shared the CPUs, and the timings are noisy; PyTorch's spinning OpenMP threads suffer most).")
report=$results/results.md
"${java_cmd[@]}" -cp "$jar" dev.ingot.bench.report.BenchmarkReport --machine "$results/machine.json" \
  "${notes[@]}" --out "$report" "$results" 2> >(grep -v 'incubator modules' >&2)
mkdir -p bench/target/results && cp "$report" bench/target/results/latest.md
log "report: $report (also bench/target/results/latest.md)"
if [[ ${#failed[@]} -gt 0 ]]; then
  log "these stages failed, and their rows are missing from the report: ${failed[*]}"
  exit 1
fi
