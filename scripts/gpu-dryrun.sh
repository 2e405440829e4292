#!/usr/bin/env bash
# The device route, run on a machine without a GPU (CI runs it after ./mvnw -B verify, see .ci/run):
# scripts/gpu-bundle.sh, then scripts/gpu-smoke.sh and scripts/gpu-run.sh with $OUT in a temporary
# folder and INGOT_GPU_DRY_RUN=1 (stages that fail only for want of a GPU count as n/a). It fails when
#   - the bundle and the working tree that travels with it reach 64 MiB (the device tool's limit);
#   - a script leaves more than 8 files in $OUT, a file over 16 MiB, more than 2 folders down, or a name
#     the device tool would not bring back (letters, digits, '.', '_' and '-' only);
#   - a summary is missing or longer than 20 lines, or a stage neither passed nor was n/a;
#   - a script outran its budget (smoke 150 s, run 420 s; plus a start-up slack here);
#   - a stage's `timeout` does not stop it: gpu-run.sh runs once more with the parity stage limited to
#     15 s, which must end as TIMEOUT within 15 + 10 (kill-after) + 5 s while the later stages still run.
# Usage: scripts/gpu-dryrun.sh [--skip-build]   (--skip-build: pack what target/ holds, as after verify)
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
problems=()
fail() { problems+=("$*"); echo "gpu-dryrun: PROBLEM: $*"; }
t0=$SECONDS

bundle_log=$(mktemp)
scripts/gpu-bundle.sh "$@" 2>&1 | tee "$bundle_log" | sed 's/^/  /'
(( PIPESTATUS[0] == 0 )) || fail "gpu-bundle.sh failed"
travel=$(grep -o 'holds .*MiB)' "$bundle_log" | head -1)

check_out() { # check_out NAME DIR RC SECONDS BUDGET STAGES...
  local name=$1 dir=$2 rc=$3 took=$4 budget=$5; shift 5
  local n
  n=$(find "$dir" -type f | wc -l)
  (( n <= 8 )) || fail "$name: $n files in \$OUT (at most 8 come back)"
  find "$dir" -mindepth 4 -type f | grep -q . && fail "$name: files more than 2 folders down in \$OUT"
  find "$dir" -type f -size +16M | grep -q . && fail "$name: a file over 16 MiB in \$OUT"
  find "$dir" -mindepth 1 | sed "s|^$dir/||" | tr '/' '\n' | grep -v '^[A-Za-z0-9._-]*$' | grep -q . \
    && fail "$name: a name in \$OUT the device tool would not bring back"
  [[ -f $dir/summary.txt ]] || { fail "$name: no summary.txt"; return; }
  (( $(wc -l < "$dir/summary.txt") <= 20 )) || fail "$name: summary longer than 20 lines"
  (( took <= budget + 30 )) || fail "$name: took ${took}s, budget ${budget}s"
  local s line took_s limit_s
  # Every stage ends within its limit plus timeout's 10 s kill-after (and a little slack).
  while read -r s _ took_s limit_s _; do
    [[ $took_s =~ ^([0-9]+)s/([0-9]+)$ ]] || continue
    (( BASH_REMATCH[1] <= BASH_REMATCH[2] + 15 )) || fail "$name: stage $s took ${BASH_REMATCH[1]}s, limit ${BASH_REMATCH[2]}s"
  done < <(sed -n '3,$p' "$dir/summary.txt")
  for s in "$@"; do
    line=$(grep -E "^${s%%=*} " "$dir/summary.txt" | head -1)
    [[ -n $line ]] || { fail "$name: stage ${s%%=*} missing from the summary"; continue; }
    [[ $(awk '{print $2}' <<< "$line") =~ ^(${s#*=})$ ]] || fail "$name: stage ${s%%=*}: $line"
  done
  [[ $rc == 0 || -n ${expect_fail:-} ]] || fail "$name: exited with $rc"
  echo "gpu-dryrun: $name: rc $rc, ${took}s of ${budget}s, $n files in \$OUT: $(cd "$dir" && ls | tr '\n' ' ')"
}

run_script() { # run_script NAME BUDGET [VAR=value ...] -- STAGE=STATUS-REGEX ...
  local name=$1 budget=$2; shift 2
  local envs=()
  while [[ $1 != -- ]]; do envs+=("$1"); shift; done
  shift
  local dir s rc
  dir=$(mktemp -d /tmp/ingot-dryrun-out.XXXXXX)
  s=$SECONDS
  env OUT="$dir" INGOT_GPU_DRY_RUN=1 "${envs[@]}" bash "scripts/$name.sh" > "$dir.stdout" 2>&1
  rc=$?
  sed 's/^/  /' "$dir.stdout" | tail -22
  check_out "$name${envs[*]:+ (${envs[*]})}" "$dir" "$rc" $((SECONDS - s)) "$budget" "$@"
  rm -rf "$dir" "$dir.stdout"
}

run_script gpu-smoke 150 -- 'env=ok|n/a' 'headers=ok|n/a' 'bindings=ok' 'doctor=ok' 'ops=ok'
run_script gpu-run 420 -- 'doctor=ok' 'engine=ok' 'parity=ok' 'gradcheck=ok' 'train=n/a' 'jmh=n/a' 'torch=n/a'
expect_fail=1 run_script gpu-run 420 INGOT_GPU_LIMIT_parity=15 INGOT_GPU_LIMIT_engine=1 -- 'parity=TIMEOUT' 'gradcheck=ok'
echo "gpu-dryrun: bundle: $travel; total ${SECONDS}s"
if (( ${#problems[@]} > 0 )); then
  printf 'gpu-dryrun: FAILED: %s\n' "${problems[@]}"
  exit 1
fi
echo "gpu-dryrun: passed"
