# Sourced by scripts/gpu-smoke.sh and scripts/gpu-run.sh (not run by itself): the stage machinery of
# the two device calls. A GPU machine lent through the device tool gives 15 minutes in all, at most
# 10 per command and 8 files back from $OUT, so:
#   - every stage runs in its own process (a JVM per stage: a sticky CUDA fault or a crash in one
#     stage cannot fail the next) under its own `timeout`, cut further to what is left of the
#     script's budget;
#   - each JVM writes its crash log (-XX:ErrorFile) straight into $OUT, so a crash leaves a trace
#     even if the call is cut off; at the end they are packed into one crashes.tgz;
#   - everything a stage prints goes to $OUT/<script>.log; many-file results (JUnit XML, a training
#     run's folder, JMH and PyTorch JSON) go to a work folder packed into $OUT/results.tgz;
#   - a summary of at most 20 lines is written to $OUT/summary.txt and printed last.
# INGOT_GPU_DRY_RUN=1 (scripts/gpu-dryrun.sh, on a machine without a GPU) goes on past a missing
# CUDA, and marks a stage that failed only because there is no GPU here "n/a" instead of FAIL (never a
# test stage: the GPU tests skip themselves, and everything else in it must pass).
# INGOT_GPU_LIMIT_<stage>=S overrides one stage's limit (the dry run uses it to check the timeout path).

gpu_begin() { # gpu_begin SCRIPT BUDGET_SECONDS
  script=$1
  budget=$2
  t0=$(date +%s)
  deadline=$((t0 + budget))
  reserve=8 # seconds kept for packing and the summary
  dry=${INGOT_GPU_DRY_RUN:-}
  cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 2
  for f in .gpu/jre.txz .gpu/gpu-env.sh .gpu/benchmarks.jar .gpu/tests.jar .gpu/junit-console.jar; do
    [[ -f $f ]] || { echo "$script: $f is missing; run scripts/gpu-bundle.sh on a build machine and carry .gpu" >&2; exit 2; }
  done
  out=${OUT:-/tmp/ingot-gpu-out}
  mkdir -p "$out"
  log=$out/$script.log
  work=$(mktemp -d "/tmp/ingot-$script.XXXXXX")
  : > "$log"
  # shellcheck source=/dev/null
  source .gpu/gpu-env.sh >> "$log" 2>&1
  export INGOT_CACHE_DIR=${INGOT_CACHE_DIR:-/tmp/ingot-cache} PYTHONUNBUFFERED=1
  [[ -d .gpu/data ]] && export INGOT_DATA_DIR=$PWD/.gpu/data
  classpath=.gpu/benchmarks.jar:.gpu/tests.jar:.gpu/junit-console.jar
  export out work classpath
  export -f jvm junit # `timeout` runs programs: stages run as `bash -c` with these functions
  stages=()
  notes=()
  echo "$script: budget ${budget}s, output in $out${dry:+ (dry run: no GPU expected)}"
}

# The JVM options of one stage: its own crash log under $OUT.
jvm() { # jvm STAGE -> prints nothing; sets the array J
  J=(java --add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED -XX:+UseParallelGC -Xmx12g
     -Djava.awt.headless=true "-XX:ErrorFile=$out/hs_err-$1.log" ${INGOT_JAVA_OPTS:-})
}

# JUnit's console launcher in a fresh JVM: junit STAGE [java -D options...] -- [selectors...]
junit() {
  local name=$1; shift
  local props=()
  while (( $# > 0 )) && [[ $1 != -- ]]; do props+=("$1"); shift; done
  shift
  jvm "$name"
  "${J[@]}" "${props[@]}" -cp "$classpath" org.junit.platform.console.ConsoleLauncher execute "$@" \
    --reports-dir="$work/junit-$name" --details=tree --disable-banner --disable-ansi-colors
}

# stage NAME LIMIT_SECONDS command...   runs the command, records one summary line
stage() {
  local name=$1 limit=$2; shift 2
  local override="INGOT_GPU_LIMIT_$name"
  [[ -n ${!override:-} ]] && limit=${!override}
  local now left
  now=$(date +%s)
  left=$((deadline - now - reserve))
  if (( left < 5 )); then
    stages+=("$(printf '%-9s %-7s %4ss          %s' "$name" skipped 0 "no time left in the ${budget}s budget")")
    echo "$script: stage $name skipped: no time left"
    return 0
  fi
  (( limit > left )) && limit=$left
  printf '\n=== stage %s (limit %ss): %s\n' "$name" "$limit" "$*" >> "$log"
  local s=$SECONDS rc
  # timeout signals its whole process group: the JVM under bash -c stops too
  timeout --signal=TERM --kill-after=10 "$limit" bash -c '"$@"' "stage-$name" "$@" > "$work/$name.out" 2>&1
  rc=$?
  local took=$((SECONDS - s))
  cat "$work/$name.out" >> "$log"
  local status detail=""
  if (( rc == 0 )); then
    status=ok
  elif (( rc == 124 || rc == 137 )); then
    status=TIMEOUT
  else
    status="FAIL($rc)"
    # n/a only for a stage that is not a test run: tests must pass (their GPU cases skip themselves)
    if [[ -n $dry ]] && ! grep -q 'tests successful' "$work/$name.out" && grep -qE "cuda: NOT available|not available here|CUDA is not available|No module named 'torch'|torch.cuda.is_available\(\) is False|libcuda.so.1 or libcuda.so" "$work/$name.out"; then
      status=n/a
      detail="no GPU here"
    fi
  fi
  if [[ -f $out/hs_err-$name.log ]]; then
    status=CRASH
    detail="$(grep -m1 -A1 'Problematic frame' "$out/hs_err-$name.log" | tail -1 | cut -c1-90)"
  fi
  local counts
  counts=$(awk '/tests successful/{s=$2} /tests failed/{f=$2} /tests aborted/{a=$2} /tests skipped/{k=$2}
    END {if (s != "") printf "%s passed, %s failed, %s aborted, %s skipped", s, f, a, k}' "$work/$name.out")
  [[ -n $counts ]] && detail="${detail:+$detail; }$counts"
  local sticky
  sticky=$(grep -m1 -o "[A-Za-z0-9_]* failed: CUDA_ERROR_[A-Z_]* ([0-9]*)" "$work/$name.out" | head -1)
  if grep -q "CUDA context is now unusable" "$work/$name.out"; then
    detail="${detail:+$detail; }sticky fault: ${sticky:-see log}"
  fi
  stages+=("$(printf '%-9s %-7s %4ss/%-4s %s' "$name" "$status" "$took" "$limit" "$detail")")
  echo "$script: stage $name: $status after ${took}s (limit ${limit}s) ${detail}"
  if [[ $status == FAIL* || $status == CRASH ]]; then
    grep -v '^WARNING' "$work/$name.out" | tail -6 | cut -c1-300 | sed "s/^/  $name| /"
  fi
  eval "rc_$name=$rc"
  return 0
}

# Packs many-file results and crash logs, writes and prints the summary (head -20). Exits with 0 when
# every stage passed (or was n/a in a dry run), else 1.
gpu_end() {
  local header=$1
  shopt -s nullglob
  local crashes=("$out"/hs_err-*.log)
  if (( ${#crashes[@]} > 0 )); then
    tar czf "$out/crashes.tgz" -C "$out" "${crashes[@]##*/}" && rm -f "${crashes[@]}"
  fi
  tar czf "$out/results.tgz" -C "$work" . 2>/dev/null
  rm -rf "$work"
  local files listing
  files=$(find "$out" -type f | wc -l)
  listing=$(cd "$out" && ls | tr '\n' ' ')
  {
    echo "== $script summary: $header"
    printf '%-9s %-7s %s\n' stage status "time/limit  details"
    printf '%s\n' "${stages[@]}"
    (( ${#notes[@]} == 0 )) || printf '%s\n' "${notes[@]}"
    echo "total $(( $(date +%s) - t0 ))s of ${budget}s; $((files + 1)) files in \$OUT: summary.txt $listing"
  } | head -20 > "$out/summary.txt"
  echo
  cat "$out/summary.txt"
  local s
  for s in "${stages[@]}"; do
    [[ $(awk '{print $2}' <<< "$s") =~ ^(ok|n/a)$ ]] || return 1
  done
  return 0
}
