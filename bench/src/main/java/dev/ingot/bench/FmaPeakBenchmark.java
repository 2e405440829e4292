package dev.ingot.bench;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * The machine's FP32 fused multiply-add peak as the Vector API reaches it: the ceiling the GEMM and
 * convolution benchmarks are measured against. Twelve independent accumulator chains (more than
 * FMA latency x FMA pipes, 4 x 2 on Zen 4/5) keep every FMA unit busy; nothing is loaded.
 * Score: FMA instructions per microsecond per thread; GFLOP/s per thread = {@code score * lanes * 2 / 1000}
 * (lanes: 16 with AVX-512). Run with {@code -t 1} and {@code -t 2} (one thread per core):
 *
 * <pre>
 * java -jar bench/target/benchmarks.jar FmaPeakBenchmark -t 2
 * </pre>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Thread)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class FmaPeakBenchmark {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int CHAINS = 12;
    private static final int STEPS = 1 << 16;

    public float seed = 1f;

    @Benchmark
    @OperationsPerInvocation(CHAINS * STEPS)
    public float fma() {
        FloatVector m = FloatVector.broadcast(S, 0.999999f), add = FloatVector.broadcast(S, 1e-7f);
        FloatVector a0 = FloatVector.broadcast(S, seed), a1 = a0.add(1), a2 = a0.add(2), a3 = a0.add(3);
        FloatVector a4 = a0.add(4), a5 = a0.add(5), a6 = a0.add(6), a7 = a0.add(7);
        FloatVector a8 = a0.add(8), a9 = a0.add(9), a10 = a0.add(10), a11 = a0.add(11);
        for (int i = 0; i < STEPS; i++) {
            a0 = a0.fma(m, add); a1 = a1.fma(m, add); a2 = a2.fma(m, add); a3 = a3.fma(m, add);
            a4 = a4.fma(m, add); a5 = a5.fma(m, add); a6 = a6.fma(m, add); a7 = a7.fma(m, add);
            a8 = a8.fma(m, add); a9 = a9.fma(m, add); a10 = a10.fma(m, add); a11 = a11.fma(m, add);
        }
        return a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).add(a8).add(a9).add(a10).add(a11)
                .reduceLanes(VectorOperators.ADD);
    }
}
