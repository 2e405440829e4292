/**
 * JMH benchmarks: every kernel of the {@link dev.ingot.core.Backend} interface at the layer shapes of
 * the three reference models ({@link dev.ingot.bench.ReferenceLayers}), the FP32 peak of the machine
 * ({@link dev.ingot.bench.FmaPeakBenchmark}), and whole training steps.
 *
 * <p>Rules of this package:
 * <ul>
 *   <li>Class and parameter names are conventions outside tools rely on: {@code *Benchmark} classes,
 *       {@code @Param backend} ("cpu", "cuda"), {@code batchSize}, {@code layer} (named
 *       {@code model/layer}), {@code model}; Mode.AverageTime.</li>
 *   <li>Every benchmark method ends with {@code backend.synchronize()}, so an asynchronous backend is
 *       timed to completion, not to the launch.</li>
 *   <li>Inputs are made once per trial by a {@link dev.ingot.bench.BenchmarkFixture} (seeded), which
 *       also closes every tensor and the backend afterwards; benchmark methods allocate nothing.</li>
 *   <li>A backend that cannot run here fails its trial with the backend's own reasons (JMH has no skip
 *       outcome) and the run goes on; {@code bench/run.sh} passes only available backends.</li>
 *   <li>Speed targets are checked here and in the report, never by timed unit tests.</li>
 * </ul>
 */
package dev.ingot.bench;
