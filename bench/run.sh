#!/usr/bin/env bash
# The whole race in one command: builds bench/target/benchmarks.jar, runs the JMH benchmarks (FP32
# peak, every kernel, training steps with JMH's GC profiler), runs the Python references (NumPy on
# OpenBLAS and torch.mm GEMMs, PyTorch convolution layers and training steps) on the same machine
# with the same number of threads, and writes one Markdown report: Ingot, reference, ratio, % of peak.
#
#   bench/run.sh                      # default settings (about 30 minutes on 2 cores)
#   bench/run.sh --quick              # short settings, to check that everything runs (a few minutes)
#   bench/run.sh --isa avx512,avx2    # the race once per ISA, both sides held to it; one report per ISA
#                                     # and results.md with all of them
#
# Options: --quick, --skip-build, --skip-python, --skip-jmh (report from what is in --results DIR),
#          --skip-pipeline (no image-pipeline race),
#          --results DIR (where JSON results and the report go; default bench/target/results/<time>),
#          --isa ISA[,ISA...] (or BENCH_ISA=...): which vector ISA both sides may use:
#            native  no restriction (default): each side picks what it detects
#            avx512  the same, but refuses to run on a CPU without AVX-512F, and holds OpenBLAS to SkylakeX
#            avx2    Java -XX:UseAVX=2 (256-bit vectors, 16 registers); OpenBLAS OPENBLAS_CORETYPE=Haswell;
#                    PyTorch ATEN_CPU_CAPABILITY=avx2, ONEDNN_MAX_CPU_ISA=DNNL_MAX_CPU_ISA=AVX2
#            sse     Java -XX:UseAVX=2 -XX:MaxVectorSize=16 (128-bit vectors, the width of NEON); OpenBLAS
#                    Nehalem (SSE4.2, no FMA: x86 has no 128-bit FMA BLAS kernel); PyTorch
#                    ATEN_CPU_CAPABILITY=default, ONEDNN_MAX_CPU_ISA=DNNL_MAX_CPU_ISA=SSE41
#          The report says which kernels each side really ran: the Java vector shape (width, registers,
#          SGEMM tile), OpenBLAS's core type (threadpoolctl), PyTorch's ATen capability and oneDNN's ISA.
# Headline rows (FP32 peak, SGEMM 1024 and 2048, training steps at batch 64) run HEADLINE_FORKS JMH
# forks (default 3; 1 with --quick) and the report shows their spread (min / median / max per fork).
# Settings (environment):
#   JMH_OPTS            JMH options for every run (default: -f 1 -wi 3 -i 5 -w 1s -r 1s)
#   HEADLINE_FORKS      forks of the headline rows (default 3), replacing JMH_OPTS's -f for them
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
#   PIPELINE_TREE_32    CIFAR-10 JPEG tree for the image-pipeline race at 32 px (default /tmp/cifar10-jpeg;
#                       written by scripts/cifar10-image-folder.py when missing)
#   PIPELINE_TREE_224   the upscaled 224 px tree (default /tmp/cifar10-jpeg-224; written when missing,
#                       5,000 training images)
#   PIPELINE_WORKERS    decoding workers on both sides (default 2)
set -euo pipefail
script=$(readlink -f "${BASH_SOURCE[0]}")
root=$(cd "$(dirname "$script")/.." && pwd)
cd "$root"

quick= skip_build= skip_python= skip_jmh= skip_pipeline= results= isa=${BENCH_ISA:-native}
args=("$@")
while [[ $# -gt 0 ]]; do
  case $1 in
    --quick) quick=1 ;;
    --isa) isa=$2; shift ;;
    --skip-build) skip_build=1 ;;
    --skip-python) skip_python=1 ;;
    --skip-jmh) skip_jmh=1 ;;
    --skip-pipeline) skip_pipeline=1 ;;
    --results) results=$2; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$script" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "run.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done

# ---------------------------------------------------------------- several ISAs: one run each
if [[ $isa == *,* ]]; then
  results=${results:-bench/target/results/$(date -u +%Y%m%d-%H%M%S)}
  mkdir -p "$results"
  rest=() skip=0
  for a in "${args[@]}"; do  # the arguments without --isa and --results, passed to each run
    if [[ $skip == 1 ]]; then skip=0; continue; fi
    case $a in --isa|--results) skip=1 ;; *) rest+=("$a") ;; esac
  done
  status=0 first=1
  for one in ${isa//,/ }; do
    echo "[run.sh $(date +%H:%M:%S)] ===== ISA $one =====" >&2
    extra=()
    [[ -z $first ]] && extra=(--skip-build)
    "$script" "${rest[@]}" "${extra[@]}" --isa "$one" --results "$results/$one" || status=1
    first=
  done
  {
    echo "# Ingot benchmarks, one run per ISA: ${isa//,/, }"
    echo
    for one in ${isa//,/ }; do
      echo "# ISA: $one"
      echo
      [[ -f $results/$one/results.md ]] && sed '1{/^# /d}' "$results/$one/results.md" || echo "(no report: the run failed)"
      echo
    done
  } > "$results/results.md"
  mkdir -p bench/target/results && cp "$results/results.md" bench/target/results/latest.md
  echo "[run.sh $(date +%H:%M:%S)] report: $results/results.md (also bench/target/results/latest.md)" >&2
  exit $status
fi

# ---------------------------------------------------------------- the ISA both sides are held to
java_isa=() torch_isa=() isa_coretype=
case $isa in
  native) ;;
  avx512)
    grep -qw avx512f /proc/cpuinfo || { echo "run.sh: --isa avx512 on a CPU without AVX-512F" >&2; exit 2; }
    isa_coretype=SkylakeX torch_isa=(ATEN_CPU_CAPABILITY=avx512) ;;
  avx2)
    java_isa=(-XX:UseAVX=2) isa_coretype=Haswell
    torch_isa=(ATEN_CPU_CAPABILITY=avx2 ONEDNN_MAX_CPU_ISA=AVX2 DNNL_MAX_CPU_ISA=AVX2) ;;
  sse)
    java_isa=(-XX:UseAVX=2 -XX:MaxVectorSize=16) isa_coretype=Nehalem
    torch_isa=(ATEN_CPU_CAPABILITY=default ONEDNN_MAX_CPU_ISA=SSE41 DNNL_MAX_CPU_ISA=SSE41) ;;
  *) echo "run.sh: --isa '$isa': expected native, avx512, avx2 or sse (or a comma-separated list)" >&2; exit 2 ;;
esac

if [[ -n $quick ]]; then
  # Warm-up: C2 must have compiled the Vector API kernels before measuring (interpreted or C1 code
  # runs them 100-1000x slower). Under load that took 2.3 s into a fork (docs/benchmarks.md).
  jmh_opts=${JMH_OPTS:--f 1 -wi 2 -i 2 -w 1s -r 500ms}
  py_timing=(--warmup-time 0.5 --min-time 0.3 --rounds 2)
else
  jmh_opts=${JMH_OPTS:--f 1 -wi 3 -i 5 -w 1s -r 1s}
  py_timing=(--warmup-time 2 --min-time 1 --rounds 5)
fi
headline_forks=${HEADLINE_FORKS:-$([[ -n $quick ]] && echo 1 || echo 3)}
# JMH_OPTS with its fork count replaced by the headline's (JMH refuses a repeated -f).
headline_opts=$(sed -E 's/(^| )-f [0-9]+//' <<<"$jmh_opts")" -f $headline_forks"
threads=${THREADS:-$(nproc)}
python=${PYTHON:-/usr/bin/python3}
device=${DEVICE:-cpu}
batches=${TRAINING_BATCHES:-32,64,128}
results=${results:-bench/target/results/$(date -u +%Y%m%d-%H%M%S)$([[ $isa != native ]] && echo "-$isa")}
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
java_cmd=("$jdk/bin/java" --add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED "-Dingot.cpu.threads=$threads"
          ${java_isa[@]+"${java_isa[@]}"})

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
  log "ISA: $isa${java_isa[*]:+ (Java ${java_isa[*]})}; backends: $backends; Ingot threads: $threads; JMH: $jmh_opts;" \
      "headline rows: $headline_forks forks"
  # -jvmArgsPrepend adds to the @Fork(jvmArgsAppend) flags of each benchmark instead of replacing them
  # (JMH splits its value at spaces). The forks get the ISA flags the parent JVM got.
  fork_args="-Dingot.cpu.threads=$threads${java_isa[*]:+ ${java_isa[*]}}"
  jmh_with() {
    local opts=$1; shift
    "${java_cmd[@]}" -jar "$jar" "$@" $opts -jvmArgsPrepend "$fork_args" -p "backend=$backends"
  }
  jmh() { jmh_with "$jmh_opts" "$@"; }
  headline() { jmh_with "$headline_opts" "$@"; }
  stage "FP32 peak" headline 'FmaPeakBenchmark' -rf json -rff "$results/jmh-peak.json"
  if [[ -z ${BENCHMARKS:-} ]] || grep -qE "${BENCHMARKS}" <<<"GemmBenchmark"; then
    stage "SGEMM 1024 and 2048 (headline)" headline 'GemmBenchmark' -p size=1024,2048 -rf json \
      -rff "$results/jmh-gemm-headline.json"
    stage "SGEMM 128 to 512" jmh 'GemmBenchmark' -p size=128,256,512 -rf json -rff "$results/jmh-gemm.json"
  fi
  kernel_filter=("${BENCHMARKS:-.*}" -e 'FmaPeakBenchmark|TrainingStepBenchmark|GemmBenchmark')
  if "${java_cmd[@]}" -jar "$jar" -l "${kernel_filter[@]}" 2>/dev/null | grep -q 'Benchmark\.'; then
    stage "kernels" jmh "${kernel_filter[@]}" -rf json -rff "$results/jmh-kernels.json"
  fi
  if "${java_cmd[@]}" -jar "$jar" -l 2>/dev/null | grep -q 'TrainingStepBenchmark'; then
    data_dir=${INGOT_DATA_DIR:-$HOME/.ingot/datasets}
    [[ -d $data_dir/mnist && -d $data_dir/cifar-10 ]] ||
      log "WARNING: no mnist/ and cifar-10/ in $data_dir: the training benchmarks will fail (set INGOT_DATA_DIR)"
    other_batches=$(tr "," "\n" <<<"$batches" | { grep -vx 64 || true; } | paste -sd, -)
    if grep -qx 64 < <(tr ',' '\n' <<<"$batches"); then
      stage "training steps at batch 64 (headline; with the GC profiler: allocated bytes per step)" \
        headline 'TrainingStepBenchmark' -p batchSize=64 -prof gc -rf json -rff "$results/jmh-training-headline.json"
    fi
    if [[ -n $other_batches ]]; then
      stage "training steps (with the GC profiler: allocated bytes per step)" \
        jmh 'TrainingStepBenchmark' -p "batchSize=$other_batches" -prof gc -rf json -rff "$results/jmh-training.json"
    fi
    stage "ResNet-20 training step at batch 128 (its recipe's batch; with the GC profiler)" \
      jmh 'TrainingStepBenchmark' -p model=cifar10-resnet20 -p batchSize=128 -prof gc -rf json \
      -rff "$results/jmh-training-resnet20.json"
    # airbench94's whole-recipe step (whitening, label smoothing, SGD + schedule + EMA) at its batch of 1024, in
    # one thread's CPU time beside the FMA peak; the PyTorch twin's step is timed the same way below.
    # (in a subfolder: the report reads every .json at the top of $results as a result of its own kinds)
    airbench_step() {
      mkdir -p "$results/airbench94"
      "${java_cmd[@]}" -Dingot.cpu.threads=1 -cp "$jar" dev.ingot.bench.RecipeStepProbe cifar10-airbench94 1024 \
        "$([[ -n $quick ]] && echo 1 || echo 3)" 2> >(grep -v 'incubator modules' >&2) | tee "$results/airbench94/step-ingot.txt"
    }
    stage "airbench94 training step at batch 1024, one thread, CPU time (RecipeStepProbe)" airbench_step
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
  coretype=${REFERENCE_CORETYPE:-${isa_coretype:-auto}}
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
  ref_env=(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE -u ATEN_CPU_CAPABILITY -u ONEDNN_MAX_CPU_ISA -u DNNL_MAX_CPU_ISA
           ${coretype:+OPENBLAS_CORETYPE=$coretype} ${torch_isa[@]+"${torch_isa[@]}"}
           OPENBLAS_NUM_THREADS="$threads" OMP_NUM_THREADS="$threads")
  # What the references really run, under the same environment: OpenBLAS's core type, ATen's
  # capability, oneDNN's ISA (printed by its verbose mode at the first convolution).
  ran=$("${ref_env[@]}" ONEDNN_VERBOSE=1 DNNL_VERBOSE=1 "$python" -c '
import numpy, torch
try:
    from threadpoolctl import threadpool_info
    blas = ", ".join(sorted({str(p.get("architecture")) for p in threadpool_info() if p.get("internal_api") == "openblas"})) or "none"
except ImportError:
    blas = "? (no threadpoolctl)"
cap = next((l.split(":", 1)[1].strip() for l in torch.__config__.show().splitlines() if "CPU capability" in l), "?")
import sys; sys.stdout.flush()
torch.nn.functional.conv2d(torch.ones(2, 3, 8, 8), torch.ones(4, 3, 3, 3))
print("OpenBLAS core type " + blas + "; ATen CPU capability " + cap, flush=True)
' 2>/dev/null | awk -F'isa:' '/verbose,info,cpu,isa:/ { isa = $2 } !/verbose/ { line = $0 }
  END { print line "; oneDNN ISA " (isa == "" ? "?" : isa) }') || ran="(could not ask the references what they run)"
  notes+=(--note "ISA '$isa'. Ingot: $("${java_cmd[@]}" -cp "$jar" dev.ingot.bench.report.MachineInfo --shape 2>/dev/null || echo '?')${java_isa[*]:+ (JVM flags ${java_isa[*]})}. References: $ran${torch_isa[*]:+ (environment ${torch_isa[*]})}.")
  log "references run: $ran"
  py() { "${ref_env[@]}" "$python" "$@" --threads "$threads" --device "$device" --out-dir "$results" "${py_timing[@]}"; }
  stage "NumPy / torch.mm GEMM" py bench/python/gemm_reference.py $([[ $device == cuda ]] && echo --libraries torch)
  stage "PyTorch convolution layers" py bench/python/conv_reference.py
  stage "PyTorch training steps" py bench/python/train_reference.py --batch-sizes "$batches"
  # The twin of RecipeStepProbe: airbench94's step in PyTorch, one thread, CPU time (its own flags: no timing options).
  airbench_reference() {
    mkdir -p "$results/airbench94"
    "${ref_env[@]}" OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 "$python" bench/python/airbench94_reference.py --threads 1 \
      --step-only --seeds 0 > "$results/airbench94/step-pytorch.json" && cat "$results/airbench94/step-pytorch.json"
  }
  stage "PyTorch airbench94 training step at batch 1024, one thread, CPU time" airbench_reference
fi

# ---------------------------------------------------------------- airbench94 step: both sides in one line of the report
ingot_step=$(sed -nE 's/^train cifar10-airbench94 batch 1024: ([0-9.]+) s CPU per step.*= ([0-9.]+) % of FMA peak.*/\1 s CPU per step (\2 % of the FMA peak)/p' \
  "$results/airbench94/step-ingot.txt" 2>/dev/null | tail -1)
torch_step=$(sed -nE 's/.*"cpu_seconds_per_step": ([0-9.]+).*/\1/p' "$results/airbench94/step-pytorch.json" 2>/dev/null | head -1)
[[ -n $torch_step ]] && torch_step="$(printf '%.3f' "$torch_step") s CPU per step"
if [[ -n $ingot_step || -n $torch_step ]]; then
  notes+=(--note "airbench94 training step, batch 1024, one thread, CPU time (RecipeStepProbe vs airbench94_reference.py --step-only): Ingot ${ingot_step:-not measured}; PyTorch ${torch_step:-not measured}.")
fi

# ---------------------------------------------------------------- image pipeline
# decode + transforms + batch (+ normalisation into an input tensor) with PIPELINE_WORKERS workers:
# ImagePipelineBenchmark against torchvision ImageFolder + DataLoader(num_workers=N) with the same
# transforms (bench/python/image_pipeline_reference.py), at 32 px and at 224 px, each pair back to
# back. The figures go into the report's notes and $results/pipeline.txt.
if [[ -z $skip_pipeline ]]; then
  workers=${PIPELINE_WORKERS:-2}
  tree32=${PIPELINE_TREE_32:-/tmp/cifar10-jpeg} tree224=${PIPELINE_TREE_224:-/tmp/cifar10-jpeg-224}
  data_dir=${INGOT_DATA_DIR:-$HOME/.ingot/datasets}
  [[ -d $tree32/train ]] || stage "writing the 32 px CIFAR-10 JPEG tree $tree32" \
    "$python" scripts/cifar10-image-folder.py --data-dir "$data_dir" --output "$tree32"
  [[ -d $tree224/train ]] || stage "writing the 224 px CIFAR-10 JPEG tree $tree224" \
    "$python" scripts/cifar10-image-folder.py --data-dir "$data_dir" --output "$tree224" --size 224 \
    --limit-train 5000 --limit-test 1000
  # size, Ingot transforms, Python transforms, batches, warm-up batches
  pipeline_cases=("32 pad-crop:4,hflip,normalize:cifar10 cifar $([[ -n $quick ]] && echo '60 10' || echo '300 30')"
                  "224 random-resized-crop:224,hflip,normalize:imagenet imagenet $([[ -n $quick ]] && echo '10 3' || echo '40 5')")
  : > "$results/pipeline.txt"
  for c in "${pipeline_cases[@]}"; do
    read -r size augment pyaugment nbatches warm <<<"$c"
    tree=$([[ $size == 32 ]] && echo "$tree32" || echo "$tree224")
    [[ -d $tree/train ]] || { log "no $tree/train: image pipeline at $size px skipped"; continue; }
    ours= theirs=
    log "image pipeline at $size px: Ingot"
    ours=$("${java_cmd[@]}" -cp "$jar" dev.ingot.bench.ImagePipelineBenchmark --root "$tree/train" --size "$size" \
      --augment "$augment" --workers "$workers" --batches "$nbatches" --warmup "$warm" 2> >(grep -v 'incubator modules' >&2)) ||
      failed+=("image pipeline $size px (Ingot)")
    echo "$ours" | tee -a "$results/pipeline.txt" >&2
    if [[ -z $skip_python ]]; then
      log "image pipeline at $size px: torchvision"
      theirs=$("$python" bench/python/image_pipeline_reference.py --root "$tree/train" --size "$size" \
        --augment "$pyaugment" --workers "$workers" --batches "$nbatches" --warmup "$warm") ||
        failed+=("image pipeline $size px (torchvision)")
      echo "$theirs" | tee -a "$results/pipeline.txt" >&2
    fi
    rate() { { grep -oE '[0-9][0-9,]* images/s' <<<"$1" || true; } | head -1 | tr -d ', ' | sed 's/images\/s//'; }
    a=$(rate "$ours") b=$(rate "$theirs")
    ratio=$([[ -n $a && -n $b ]] && awk -v a="$a" -v b="$b" 'BEGIN { printf "%.2f", a / b }' || echo '?')
    notes+=(--note "Image pipeline, $size px, $workers workers, batch 64 (decode + \`$augment\` + batch + normalise): Ingot ${a:-?} images/s, torchvision DataLoader(num_workers=$workers) ${b:-?} images/s, ratio ${ratio}x (target 1.5x). Lines in pipeline.txt.")
  done
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
