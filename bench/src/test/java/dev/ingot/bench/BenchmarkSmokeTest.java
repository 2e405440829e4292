package dev.ingot.bench;

import dev.ingot.core.Backends;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.function.Executable;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;

import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.abort;

/**
 * Runs every benchmark method of this module once, outside JMH, on the CPU backend, for every value of
 * its {@code @Param}s (with batch size 2, to stay quick): a layer name that does not exist, a shape
 * mismatch or a kernel that throws shows up here, not half an hour into a benchmark run. Timing is
 * not checked (speed is the benchmarks' business, never a unit test's).
 *
 * <p>A CPU kernel that is not written yet (UnsupportedOperationException) makes its case abort, so it
 * is reported as skipped with the reason, never as passed.
 */
class BenchmarkSmokeTest {

    /** Every benchmark of the module on a backend; their trials are cheap enough to run at every parameter value. */
    private static final List<Class<?>> BENCHMARKS = List.of(GemmBenchmark.class, Conv2dBenchmark.class,
            PoolBenchmark.class, ActivationBenchmark.class, SoftmaxBenchmark.class, LossBenchmark.class,
            OptimizerBenchmark.class, DropoutBenchmark.class, DenseBenchmark.class, ElementwiseBenchmark.class,
            TransferBenchmark.class, TrainingStepBenchmark.class);

    @TestFactory
    Stream<DynamicTest> everyBenchmarkMethodRunsOnTheCpuAtEveryParameterValue() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Class<?> type : BENCHMARKS) {
            for (Map<String, String> params : combinations(type)) {
                tests.add(DynamicTest.dynamicTest(type.getSimpleName() + " " + params, run(type, params)));
            }
        }
        return tests.stream();
    }

    /** ResNet-20's shapes, which are not in the default parameters (run.sh and CpuTimeProbe ask for them). */
    @TestFactory
    Stream<DynamicTest> resnet20ConvolutionsAndTrainingStepRunOnTheCpu() {
        List<DynamicTest> tests = new ArrayList<>();
        for (String layer : Conv2dBenchmark.RESNET20) {
            Map<String, String> params = Map.of("layer", layer, "batch", "2", "backend", "cpu");
            tests.add(DynamicTest.dynamicTest("Conv2dBenchmark " + params, run(Conv2dBenchmark.class, params)));
        }
        Map<String, String> step = Map.of("model", "cifar10-resnet20", "batchSize", "2", "backend", "cpu");
        tests.add(DynamicTest.dynamicTest("TrainingStepBenchmark " + step, run(TrainingStepBenchmark.class, step)));
        return tests.stream();
    }

    @Test
    void resnet20StepFlopsCountEveryConvolutionPassButTheStemsInputGradient() {
        // Multiply-adds of one image's forward convolutions: stem, 6 + 5 + 5 3x3 convolutions of the
        // stages, the two stride-2 3x3 ones and the two 1x1 projections.
        long macs = 3L * 9 * 16 * 1024 + 6L * 16 * 144 * 1024 + 32L * 144 * 256 + 5L * 32 * 288 * 256
                + 32L * 16 * 256 + 64L * 288 * 64 + 5L * 64 * 576 * 64 + 64L * 32 * 64;
        long stem = 3L * 9 * 16 * 1024;
        assertEquals(128 * (2 * 3 * macs - 2 * stem + 3 * 2 * 640), Conv2dBenchmark.resnet20TrainingStepFlops(128));
    }

    @Test
    void fmaLoopComputesTheConvergingChainsAndCountsItsFlops() {
        // Each chain converges to a / (1 - m) = 2 long before the loop ends: chains x lanes x 2.
        int lanes = FmaPeakBenchmark.SPECIES.length();
        assertEquals(16 * lanes * 2f, FmaPeakBenchmark.fmaChains16(0.5f, 1f), 1e-3f);
        assertEquals(12 * lanes * 2f, FmaPeakBenchmark.fmaChains12(0.5f, 1f), 1e-3f);
        // The same FMA count whichever loop runs: 12288 trips of 16 chains, 16384 of 12.
        assertEquals(2L * 12288 * 16 * lanes, FmaPeakBenchmark.flopsPerOperation(lanes));
        assertEquals(2L * 16384 * 12 * lanes, FmaPeakBenchmark.flopsPerOperation(lanes));
    }

    @Test
    void cpuBackendIsAvailableForTheBenchmarks() {
        assertTrue(Backends.provider("cpu").probe().available(), Backends.report());
    }

    /** Every combination of the class's @Param values, with backend = cpu and batchSize = 2. */
    private static List<Map<String, String>> combinations(Class<?> type) {
        List<Map<String, String>> result = new ArrayList<>();
        result.add(new LinkedHashMap<>());
        for (Field f : type.getFields()) {
            Param p = f.getAnnotation(Param.class);
            if (p == null) {
                continue;
            }
            List<String> values = switch (f.getName()) {
                case "backend" -> List.of("cpu");
                case "batchSize", "batch" -> List.of("2");
                default -> Arrays.asList(p.value());
            };
            List<Map<String, String>> next = new ArrayList<>();
            for (Map<String, String> partial : result) {
                for (String v : values) {
                    Map<String, String> m = new LinkedHashMap<>(partial);
                    m.put(f.getName(), v);
                    next.add(m);
                }
            }
            result = next;
        }
        return result;
    }

    private static Executable run(Class<?> type, Map<String, String> params) {
        return () -> {
            Object bench = type.getDeclaredConstructor().newInstance();
            for (Map.Entry<String, String> e : params.entrySet()) {
                Field f = type.getField(e.getKey());
                f.set(bench, f.getType() == int.class ? Integer.parseInt(e.getValue()) : e.getValue());
            }
            if (bench instanceof TrainingStepBenchmark training) {
                training.dataDir = SharedData.folder().toString();
            }
            try {
                invokeAll(type, bench, Setup.class);
                for (Method m : type.getMethods()) {
                    if (m.isAnnotationPresent(Benchmark.class)) {
                        invoke(m, bench);
                        invoke(m, bench); // twice: state left by the first call must be a valid input
                    }
                }
            } catch (UnsupportedOperationException e) {
                abort("a CPU kernel is not implemented yet: " + e.getMessage());
            } finally {
                invokeAll(type, bench, TearDown.class);
            }
        };
    }

    private static void invokeAll(Class<?> type, Object bench, Class<? extends java.lang.annotation.Annotation> a)
            throws Throwable {
        for (Method m : type.getMethods()) {
            if (m.isAnnotationPresent(a)) {
                invoke(m, bench);
            }
        }
    }

    private static void invoke(Method m, Object bench) throws Throwable {
        try {
            m.invoke(bench);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
