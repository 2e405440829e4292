#!/usr/bin/env bash
# Builds Ingot and fills .gpu/ with everything a GPU machine without Java or Maven needs to run the
# diagnostics, the whole test suite (parity suite included) and a training run:
#   .gpu/jre.tgz           a jlinked Java 25 runtime (about 28 MB)
#   .gpu/gpu-env.sh        sourced there: unpacks the runtime, finds the CUDA libraries
#   .gpu/ingot.jar         the command line (./ingot doctor, training)
#   .gpu/jars/             the module jars (engine-core, testkit, engine-cpu, engine-cuda, models, tests)
#   .gpu/test-classes/M/   each module's compiled tests and test resources
#   .gpu/lib/              third-party dependency jars (test scope, JUnit itself excluded) and the
#                          JUnit console launcher (junit-platform-console-standalone, same JUnit version)
#   .gpu/data/mnist/       the MNIST files, when they are beside the checkout (11 MB)
# and checks that the whole of .gpu/ stays under the device tool's 64 MiB.
# Then, there: run with carry [".gpu"] and the command: bash scripts/gpu-run.sh
#
# Usage: scripts/gpu-bundle.sh [--skip-build]     (JDK25_HOME may name the JDK 25 to jlink from)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
gpu=$root/.gpu
limit_mib=64

jdk=${JDK25_HOME:-}
if [[ -z $jdk ]]; then
  for d in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25* /usr/lib/jvm/*-25* "$HOME"/.sdkman/candidates/java/25*; do
    [[ -n $d && -x $d/bin/jlink ]] && "$d/bin/java" -version 2>&1 | grep -q '"25' && { jdk=$d; break; }
  done
fi
[[ -n $jdk ]] || { echo "gpu-bundle: no JDK 25 with jlink found (set JDK25_HOME)" >&2; exit 1; }

modules=(engine-core testkit engine-cpu engine-cuda models tests)
junit_version=$(sed -n 's:.*<junit.version>\(.*\)</junit.version>.*:\1:p' pom.xml | head -1)
[[ -n $junit_version ]] || { echo "gpu-bundle: no <junit.version> in pom.xml" >&2; exit 1; }

mkdir -p "$gpu"
rm -rf "$gpu/jars" "$gpu/test-classes" "$gpu/lib"
mkdir -p "$gpu/jars" "$gpu/test-classes" "$gpu/lib"

if [[ ${1:-} != --skip-build ]]; then
  echo "gpu-bundle: building ${modules[*]} (tests compiled, not run) ..."
  # One reactor run, so that copy-dependencies resolves our own modules without 'mvn install'.
  ./mvnw -B -q -DskipTests -pl "$(IFS=,; echo "${modules[*]}")" -am package dependency:copy-dependencies \
    -DincludeScope=test -DoutputDirectory="$gpu/lib" \
    -DexcludeGroupIds=dev.ingot,org.junit,org.junit.platform,org.junit.jupiter,org.junit.vintage,org.opentest4j,org.apiguardian
  ./mvnw -B -q -N dependency:copy \
    -Dartifact=org.junit.platform:junit-platform-console-standalone:"$junit_version" -DoutputDirectory="$gpu/lib"
else
  echo "gpu-bundle: --skip-build: packing what target/ holds"
fi

for m in "${modules[@]}"; do
  jar=$(ls "$m"/target/"$m"-*.jar 2>/dev/null | grep -v -e '-sources' -e '-tests' | head -1 || true)
  [[ -n $jar ]] || { echo "gpu-bundle: no jar in $m/target (build first)" >&2; exit 1; }
  cp "$jar" "$gpu/jars/$m.jar"
  if [[ -d $m/target/test-classes ]]; then
    mkdir -p "$gpu/test-classes/$m"
    cp -r "$m"/target/test-classes/. "$gpu/test-classes/$m/"
  fi
done
[[ -f models/target/ingot.jar ]] && cp models/target/ingot.jar "$gpu/ingot.jar"
cp scripts/gpu-env.sh "$gpu/gpu-env.sh"

mnist=$root/../shared/data/mnist
if [[ -d $mnist ]]; then
  mkdir -p "$gpu/data/mnist"
  cp "$mnist"/*.gz "$gpu/data/mnist/"
fi

if [[ ! -s $gpu/jre.tgz ]]; then
  echo "gpu-bundle: packing a Java runtime from $jdk ..."
  jre_modules=${JRE_MODULES:-java.base,java.logging,java.management,java.naming,java.net.http,java.sql,java.xml,jdk.unsupported,jdk.incubator.vector,jdk.management,jdk.zipfs}
  tmp=$(mktemp -d)
  "$jdk/bin/jlink" --add-modules "$jre_modules" --strip-debug --no-man-pages --no-header-files \
    --compress=zip-9 --output "$tmp/jre" 2>/dev/null
  tar czf "$gpu/jre.tgz" -C "$tmp" jre
  rm -rf "$tmp"
fi

du -sh "$gpu"/* | sed 's/^/gpu-bundle: /'
# The device tool's limit covers the working tree that travels with .gpu/ (tracked and untracked,
# not ignored, files), not .gpu/ alone.
tree_kib=$(( $(git ls-files -z --cached --others --exclude-standard | xargs -0 -r stat -c %s -- 2>/dev/null \
  | awk '{s += $1} END {print int(s)}') / 1024 ))
size_kib=$(( $(du -sk "$gpu" | cut -f1) + tree_kib ))
echo "gpu-bundle: .gpu/ plus the working tree hold $((size_kib / 1024)) MiB (limit ${limit_mib} MiB)"
if (( size_kib > limit_mib * 1024 )); then
  echo "gpu-bundle: over ${limit_mib} MiB; drop .gpu/data or repack the runtime with fewer modules" >&2
  exit 1
fi
git check-ignore -q "$gpu" || echo "gpu-bundle: warning: .gpu/ is not ignored by git" >&2
echo "gpu-bundle: ready. On the GPU machine: carry [\".gpu\"], command: bash scripts/gpu-run.sh"
