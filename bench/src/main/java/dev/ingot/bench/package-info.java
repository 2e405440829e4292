/**
 * JMH benchmarks of the engine's kernels, run from the uber-jar {@code bench/target/benchmarks.jar}
 * (built by {@code ./mvnw -B -pl bench -am package -DskipTests}; run it with
 * {@code java -jar bench/target/benchmarks.jar <class regex> [JMH options]}).
 *
 * <p>Rules of the room:
 * <ul>
 *   <li>A speed claim is a benchmark here, never a timed unit test.</li>
 *   <li>Every benchmark that runs on a backend takes {@code @Param backend} ("cpu", "cuda") and opens
 *       it with {@link dev.ingot.bench.BackendNotAvailableHere#open}: a backend that cannot run on
 *       this machine fails only its own trials, with the reason, and the run goes on.</li>
 *   <li>Forks get {@code --add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED}
 *       through {@code @Fork(jvmArgsAppend)}; CPU thread counts are set per run with
 *       {@code -jvmArgsPrepend -Dingot.cpu.threads=N} (not {@code -jvmArgsAppend}: on the
 *       command line that replaces the annotation's flags, and the forks lose the Vector API).</li>
 *   <li>Benchmarks time kernels on data made in {@code @Setup}, wait for the device
 *       ({@code Backend.synchronize()}) inside the timed method, and report time per operation;
 *       each class's Javadoc says how to turn that into FLOP/s.</li>
 * </ul>
 */
package dev.ingot.bench;
