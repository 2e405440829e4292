package dev.ingot.cpu.kernels;

import dev.ingot.core.spec.DropoutSpec;
import dev.ingot.cpu.parallel.Parallel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/** Inverted dropout with the counter-based mask of {@link DropoutSpec}. */
public final class DropoutKernels {
    private DropoutKernels() {
    }

    /** The hash works on 64-bit lanes (8 in a 512-bit vector)... */
    private static final VectorSpecies<Long> HASH_LANES = LongVector.SPECIES_PREFERRED;
    /** ... and the floats it masks are taken as many at a time (a half-width float vector). */
    private static final VectorSpecies<Float> FLOAT_LANES =
            VectorSpecies.of(float.class, VectorShape.forBitSize(HASH_LANES.length() * Float.SIZE));
    private static final LongVector LANE_INDEX = LongVector.zero(HASH_LANES).addIndex(1);

    /**
     * Elements per thread: the hash costs about 12 integer vector operations (three 64-bit
     * multiplies) per 8 elements, 0.18 ns per element on one thread, about three times a streaming
     * kernel, so splitting starts at 64 K elements (each half about 6 us; see ElementwiseKernels.GRAIN).
     */
    static final int GRAIN = 1 << 15;

    /**
     * {@code mask[i] = keep(i) ? scale : 0} and {@code y[i] = x[i] * mask[i]}, with keep and scale
     * exactly {@link DropoutSpec}'s: SplitMix64's finaliser of {@code seed + (i + 1) * golden}, top
     * 24 bits as a uniform u in [0, 1), kept when u >= rate. {@code y} may be {@code x}.
     *
     * <p>Vectorised on 64-bit lanes: the same wrapping multiplies, xors and shifts as
     * {@link DropoutSpec#uniform}, then {@code u >= rate} tested as the integer compare
     * {@code top24 >= ceil(rate * 2^24)}, which is the same test exactly (u = top24 * 2^-24 and
     * rate * 2^24 are both exact). The mask depends only on (seed, i), never on the split, so any
     * number of threads makes the identical mask; the scalar tail calls DropoutSpec itself.
     */
    public static void forward(Parallel parallel, float[] x, float[] y, float[] mask, int n, DropoutSpec spec) {
        long seed = spec.seed();
        float scale = spec.scale();
        long threshold = (long) Math.ceil(spec.rate() * 16777216.0);
        parallel.forRange(n, GRAIN, (start, end) -> {
            FloatVector zero = FloatVector.zero(FLOAT_LANES);
            int i = start;
            for (int bound = start + FLOAT_LANES.loopBound(end - start); i < bound; i += FLOAT_LANES.length()) {
                LongVector z = LANE_INDEX.add(i + 1L).mul(0x9E3779B97F4A7C15L).add(seed);
                z = z.lanewise(VectorOperators.XOR, z.lanewise(VectorOperators.LSHR, 30)).mul(0xBF58476D1CE4E5B9L);
                z = z.lanewise(VectorOperators.XOR, z.lanewise(VectorOperators.LSHR, 27)).mul(0x94D049BB133111EBL);
                z = z.lanewise(VectorOperators.XOR, z.lanewise(VectorOperators.LSHR, 31));
                VectorMask<Long> keep = z.lanewise(VectorOperators.LSHR, 40).compare(VectorOperators.GE, threshold);
                FloatVector m = zero.blend(scale, keep.cast(FLOAT_LANES));
                m.intoArray(mask, i);
                FloatVector.fromArray(FLOAT_LANES, x, i).mul(m).intoArray(y, i);
            }
            for (; i < end; i++) {
                float m = spec.keep(i) ? scale : 0f;
                mask[i] = m;
                y[i] = x[i] * m;
            }
        });
    }
}
