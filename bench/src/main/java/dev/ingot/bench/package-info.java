/**
 * JMH benchmarks of the engine, run from the uber-jar {@code bench/target/benchmarks.jar} (built by
 * {@code ./mvnw -B -pl bench -am package -DskipTests}; run it with
 * {@code java -jar bench/target/benchmarks.jar <class regex> [JMH options]}, or everything with
 * {@code bench/run.sh}): every kernel of the {@link dev.ingot.core.Backend} interface at the layer
 * shapes of the three reference models ({@link dev.ingot.bench.ReferenceLayers}), square GEMMs,
 * whole training steps, and the machine's FP32 peak ({@link dev.ingot.bench.FmaPeakBenchmark}).
 *
 * <p>Rules of the room:
 * <ul>
 *   <li>A speed claim is a benchmark here, never a timed unit test.</li>
 *   <li>Class and parameter names are conventions outside tools rely on: {@code *Benchmark} classes,
 *       {@code @Param backend} ("cpu", "cuda"), {@code batchSize} (Conv2dBenchmark: {@code batch}),
 *       {@code layer}, {@code model}, {@code size}; Mode.AverageTime, time per operation.</li>
 *   <li>Every benchmark that runs on a backend opens it through
 *       {@link dev.ingot.bench.BackendNotAvailableHere#open} (directly or via
 *       {@link dev.ingot.bench.BenchmarkFixture}): a backend that cannot run on this machine fails
 *       only its own trials, with the reason, and the run goes on.</li>
 *   <li>Forks get {@code --add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED}
 *       through {@code @Fork(jvmArgsAppend)}; CPU thread counts are set per run with
 *       {@code -jvmArgsPrepend -Dingot.cpu.threads=N} (not {@code -jvmArgsAppend}: on the command
 *       line that replaces the annotation's flags, and the forks lose the Vector API).</li>
 *   <li>Benchmarks time kernels on data made in {@code @Setup} (seeded), wait for the device
 *       ({@code Backend.synchronize()}) inside the timed method, allocate nothing themselves, and
 *       close every tensor and the backend in {@code @TearDown}. How much work an operation does
 *       (FLOPs, bytes) is counted in {@link dev.ingot.bench.report.Workloads}, from the same shapes.</li>
 * </ul>
 */
package dev.ingot.bench;
