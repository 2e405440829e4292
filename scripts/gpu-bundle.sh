#!/usr/bin/env bash
# Builds Ingot and fills .gpu/ with what a GPU machine without Java or Maven needs for both device
# calls, scripts/gpu-smoke.sh and scripts/gpu-run.sh (docs/gpu.md): one bundle serves both.
#   .gpu/jre.txz            a jlinked Java 25 runtime, without java.desktop, xz-packed (16 MB; the jlink-zip +
#                           gzip form was 29 MB, and AWT would add about 16)
#   .gpu/gpu-env.sh         sourced there: unpacks the runtime, finds the CUDA libraries
#   .gpu/benchmarks.jar     every module, the command line (dev.ingot.cli.IngotCli), their dependencies and JMH
#   .gpu/tests.jar          engine-cuda's and the tests module's compiled tests and test resources, and the
#                           testkit module (ReferenceBackend, the finite-difference checker)
#   .gpu/junit-console.jar  the JUnit console launcher (junit-platform-console-standalone, our JUnit version)
#   .gpu/data/mnist/        MNIST, when it is beside the checkout (11 MB)
# The module jars and ingot.jar are not packed: benchmarks.jar holds the same classes. Checks that .gpu/
# plus the working tree that travels with it stay under the device tool's 64 MiB, and prints both.
#
# Usage: scripts/gpu-bundle.sh [--skip-build]     (JDK25_HOME may name the JDK 25 to jlink from)
#   --skip-build packs what target/ holds (after ./mvnw -B verify or package, as scripts/gpu-dryrun.sh does)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
gpu=$root/.gpu
limit_mib=64

jdk=${JDK25_HOME:-}
if [[ -z $jdk ]]; then
  # Where the build's toolchains plugin may have found it, too.
  toolchain_homes=$(sed -n 's:.*<jdkHome>\(.*\)</jdkHome>.*:\1:p' "$HOME/.m2/toolchains.xml" 2>/dev/null || true)
  for d in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25* /usr/lib/jvm/*-25* "$HOME"/.sdkman/candidates/java/25* $toolchain_homes; do
    [[ -n $d && -x $d/bin/jlink ]] && "$d/bin/java" -version 2>&1 | grep -q '"25' && { jdk=$d; break; }
  done
fi
[[ -n $jdk ]] || { echo "gpu-bundle: no JDK 25 with jlink found (set JDK25_HOME)" >&2; exit 1; }

junit_version=$(sed -n 's:.*<junit.version>\(.*\)</junit.version>.*:\1:p' pom.xml | head -1)
[[ -n $junit_version ]] || { echo "gpu-bundle: no <junit.version> in pom.xml" >&2; exit 1; }
console=junit-platform-console-standalone-$junit_version.jar

mkdir -p "$gpu"
rm -rf "$gpu/jars" "$gpu/lib" "$gpu/test-classes" "$gpu/ingot.jar" # the layout before one-bundle-for-both
if [[ ${1:-} != --skip-build ]]; then
  echo "gpu-bundle: building (tests compiled, not run) ..."
  ./mvnw -B -q -DskipTests -pl bench,tests,testkit -am package
else
  echo "gpu-bundle: --skip-build: packing what target/ holds"
fi
# The console launcher of our JUnit version (from ~/.m2 once it has been downloaded), under a fixed name.
tmp=$(mktemp -d)
./mvnw -B -q -N dependency:copy -Dartifact=org.junit.platform:junit-platform-console-standalone:"$junit_version" \
  -DoutputDirectory="$tmp"
mv "$tmp/$console" "$gpu/junit-console.jar"
rm -rf "$tmp" "$gpu"/junit-platform-console-standalone-*.jar
for f in bench/target/benchmarks.jar engine-cuda/target/test-classes tests/target/test-classes testkit/target/classes; do
  [[ -e $f ]] || { echo "gpu-bundle: no $f (build first, or drop --skip-build)" >&2; exit 1; }
done
cp bench/target/benchmarks.jar "$gpu/benchmarks.jar"
rm -f "$gpu/tests.jar"
# testkit/target/classes: ReferenceBackend (the plain-loop reference) and the finite-difference checker.
"$jdk/bin/jar" --create --file "$gpu/tests.jar" -C engine-cuda/target/test-classes . -C testkit/target/classes . \
  -C tests/target/test-classes .
cp scripts/gpu-env.sh "$gpu/gpu-env.sh"

mnist=$root/../shared/data/mnist
if [[ -d $mnist ]]; then
  mkdir -p "$gpu/data/mnist"
  cp "$mnist"/*.gz "$gpu/data/mnist/"
fi

rm -f "$gpu/jre.tgz" # the older, larger form
if [[ ! -s $gpu/jre.txz ]]; then
  echo "gpu-bundle: packing a Java runtime from $jdk (xz: a minute or two, once) ..."
  jre_modules=${JRE_MODULES:-java.base,java.logging,java.management,java.naming,java.net.http,java.sql,java.xml,jdk.unsupported,jdk.incubator.vector,jdk.management,jdk.zipfs}
  tmp=$(mktemp -d)
  # Uncompressed modules image, then xz over the whole: xz finds far more redundancy than jlink's
  # per-resource zip, and the runtime starts without inflating every class.
  "$jdk/bin/jlink" --add-modules "$jre_modules" --strip-debug --no-man-pages --no-header-files \
    --compress=zip-0 --output "$tmp/jre" 2>/dev/null
  XZ_OPT=${XZ_OPT:--6 -T0} tar cJf "$gpu/jre.txz.tmp" -C "$tmp" jre && mv "$gpu/jre.txz.tmp" "$gpu/jre.txz"
  rm -rf "$tmp"
fi

du -sh "$gpu"/* | sed 's/^/gpu-bundle: /'
# The device tool's limit covers the working tree that travels with .gpu/ (tracked and untracked,
# not ignored, files), not .gpu/ alone.
tree_kib=$(( $(git ls-files -z --cached --others --exclude-standard | xargs -0 -r stat -c %s -- 2>/dev/null \
  | awk '{s += $1} END {print int(s)}') / 1024 ))
gpu_kib=$(du -sk "$gpu" | cut -f1)
size_kib=$(( gpu_kib + tree_kib ))
echo "gpu-bundle: .gpu/ holds $((gpu_kib / 1024)) MiB in $(find "$gpu" -type f | wc -l) files; with the working tree" \
  "$((size_kib / 1024)) MiB travel (limit ${limit_mib} MiB)"
if (( size_kib > limit_mib * 1024 )); then
  echo "gpu-bundle: over ${limit_mib} MiB; drop .gpu/data or repack the runtime with fewer modules" >&2
  exit 1
fi
git check-ignore -q "$gpu" || echo "gpu-bundle: warning: .gpu/ is not ignored by git" >&2
echo "gpu-bundle: ready. Device calls: carry [\".gpu\"], command 'bash scripts/gpu-smoke.sh' (timeout_s 200),"
echo "gpu-bundle: then 'bash scripts/gpu-run.sh' (timeout_s 480)"
