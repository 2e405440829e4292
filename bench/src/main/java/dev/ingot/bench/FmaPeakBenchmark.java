package dev.ingot.bench;

import dev.ingot.cpu.kernels.VectorShape;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * The machine's FP32 peak, the physical limit every GFLOP/s figure is a percentage of: a loop of
 * nothing but vector FMAs, on one thread ({@link #oneThread}) and on one thread per logical CPU at
 * once ({@link #allThreads}; JMH's {@code Threads.MAX}).
 *
 * <p>How many accumulators: each FMA depends on the previous one into the same register, so one
 * chain runs at one FMA per latency (4 cycles on Zen 4/5 and Skylake, 5 on Haswell and Zen 2/3). To
 * keep every FMA pipe busy, a core needs latency x pipes independent chains: 8 to 10 on cores with
 * two FMA pipes. The chains and the two operands must also fit the vector registers, or C2 spills
 * and the loop measures its spills instead of the machine. So the count follows the register file
 * of this JVM's vector shape ({@link VectorShape}, the rule the GEMM tile follows too): 16 chains
 * with 32 registers (AVX-512, NEON), 12 with 16 (AVX2, SSE: 12 + 2 operands = 14 of 16).
 * {@code -Dingot.cpu.vectorRegisters=16|32} overrides the register count, for experiments.
 *
 * <p>Each chain computes {@code acc = acc * m + a} with {@code m < 1}: the values converge instead of
 * overflowing or going subnormal, so no slow path is ever timed. One operation is
 * {@value #FMAS_PER_OPERATION} vector FMAs whatever the chain count (12288 trips of 16 chains, or
 * 8192 trips of two steps of 12): {@link #flopsPerOperation(int)} with the species' lane count; the report divides by
 * the time JMH measured (per thread) and multiplies by the thread count.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {ForkOptions.VECTOR_API, ForkOptions.NATIVE_ACCESS, ForkOptions.GC, ForkOptions.HEAP})
@State(Scope.Thread)
public class FmaPeakBenchmark {
    static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    /** Independent FMA chains: 16 with 32 vector registers, 12 with 16. */
    static final int CHAINS = VectorShape.PREFERRED.registers() >= 32 ? 16 : 12;
    /** Vector FMAs per benchmark call: 12288 trips x 16 = 8192 trips x 2 x 12. */
    static final int FMAS_PER_OPERATION = 196_608;

    /** Read from the state, not constants, so the JIT cannot fold the loop away. */
    public float multiplier = 0.999f;
    public float addend = 1e-3f;

    /** Floating-point operations of one benchmark call: 2 per lane per FMA. */
    public static long flopsPerOperation(int lanes) {
        return 2L * FMAS_PER_OPERATION * lanes;
    }

    @Benchmark
    @Threads(1)
    public float oneThread() {
        return CHAINS == 16 ? fmaChains16(multiplier, addend) : fmaChains12(multiplier, addend);
    }

    @Benchmark
    @Threads(Threads.MAX)
    public float allThreads() {
        return CHAINS == 16 ? fmaChains16(multiplier, addend) : fmaChains12(multiplier, addend);
    }

    /** Sixteen independent chains {@code acc_i = acc_i * m + a}, kept in registers by C2 (32 registers). */
    static float fmaChains16(float multiplier, float addend) {
        FloatVector m = FloatVector.broadcast(SPECIES, multiplier);
        FloatVector a = FloatVector.broadcast(SPECIES, addend);
        FloatVector c0 = a, c1 = a.add(1f), c2 = a.add(2f), c3 = a.add(3f);
        FloatVector c4 = a.add(4f), c5 = a.add(5f), c6 = a.add(6f), c7 = a.add(7f);
        FloatVector c8 = a.add(8f), c9 = a.add(9f), c10 = a.add(10f), c11 = a.add(11f);
        FloatVector c12 = a.add(12f), c13 = a.add(13f), c14 = a.add(14f), c15 = a.add(15f);
        for (int i = 0; i < FMAS_PER_OPERATION / 16; i++) {
            c0 = c0.fma(m, a);
            c1 = c1.fma(m, a);
            c2 = c2.fma(m, a);
            c3 = c3.fma(m, a);
            c4 = c4.fma(m, a);
            c5 = c5.fma(m, a);
            c6 = c6.fma(m, a);
            c7 = c7.fma(m, a);
            c8 = c8.fma(m, a);
            c9 = c9.fma(m, a);
            c10 = c10.fma(m, a);
            c11 = c11.fma(m, a);
            c12 = c12.fma(m, a);
            c13 = c13.fma(m, a);
            c14 = c14.fma(m, a);
            c15 = c15.fma(m, a);
        }
        FloatVector sum = c0.add(c1).add(c2).add(c3).add(c4).add(c5).add(c6).add(c7)
                .add(c8).add(c9).add(c10).add(c11).add(c12).add(c13).add(c14).add(c15);
        return sum.reduceLanes(VectorOperators.ADD);
    }

    /**
     * Twelve independent chains, for 16 vector registers (AVX2, SSE); two steps of each chain per
     * trip. The second step is not for speed: it keeps the method's bytecode (406 bytes) above
     * C2's {@code FreqInlineSize} (325), as {@link #fmaChains16}'s 386 bytes are, so C2 compiles the
     * loop on its own instead of inlining it into a hot caller. Inlined into the loop of a caller
     * that C2 compiles later (CpuTimeProbe's timing loop, once it is OSR-compiled after about a
     * second), the one-step version ran at half speed: 54-57 against 110-116 GFLOP per CPU second
     * under {@code -XX:UseAVX=2} on one Zen 4 core, and 8 or 10 chains did the same, so it is not a
     * register spill; with {@code -XX:CompileCommand=dontinline} on it the loop held 112-116 for 10 s.
     * That is why the peak read 64.6 over 3 s windows and 112-114 over 1 s ones (2026-12-07).
     */
    static float fmaChains12(float multiplier, float addend) {
        FloatVector m = FloatVector.broadcast(SPECIES, multiplier);
        FloatVector a = FloatVector.broadcast(SPECIES, addend);
        FloatVector c0 = a, c1 = a.add(1f), c2 = a.add(2f), c3 = a.add(3f);
        FloatVector c4 = a.add(4f), c5 = a.add(5f), c6 = a.add(6f), c7 = a.add(7f);
        FloatVector c8 = a.add(8f), c9 = a.add(9f), c10 = a.add(10f), c11 = a.add(11f);
        for (int i = 0; i < FMAS_PER_OPERATION / 24; i++) {
            c0 = c0.fma(m, a);
            c1 = c1.fma(m, a);
            c2 = c2.fma(m, a);
            c3 = c3.fma(m, a);
            c4 = c4.fma(m, a);
            c5 = c5.fma(m, a);
            c6 = c6.fma(m, a);
            c7 = c7.fma(m, a);
            c8 = c8.fma(m, a);
            c9 = c9.fma(m, a);
            c10 = c10.fma(m, a);
            c11 = c11.fma(m, a);
            c0 = c0.fma(m, a);
            c1 = c1.fma(m, a);
            c2 = c2.fma(m, a);
            c3 = c3.fma(m, a);
            c4 = c4.fma(m, a);
            c5 = c5.fma(m, a);
            c6 = c6.fma(m, a);
            c7 = c7.fma(m, a);
            c8 = c8.fma(m, a);
            c9 = c9.fma(m, a);
            c10 = c10.fma(m, a);
            c11 = c11.fma(m, a);
        }
        FloatVector sum = c0.add(c1).add(c2).add(c3).add(c4).add(c5).add(c6).add(c7)
                .add(c8).add(c9).add(c10).add(c11);
        return sum.reduceLanes(VectorOperators.ADD);
    }
}
