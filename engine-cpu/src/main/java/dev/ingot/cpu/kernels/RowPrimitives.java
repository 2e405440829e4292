package dev.ingot.cpu.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The per-row loops softmax, log-softmax and the cross-entropy loss share: the row's max, the sum
 * of {@code exp(x - max)}, a dot product, a sum, and {@code dy + exp(y) * factor}. Each is one
 * vector loop over the row whose last step is masked, so a 10-class row is a single step.
 *
 * <p><b>Same bits on every run.</b> The JDK's {@code lanewise(EXP)} and {@code reduceLanes(ADD)}
 * may differ between the interpreter's fallback and C2's intrinsic (SVML's exp, a tree-shaped
 * reduction), and on this JDK they do: a kernel's first calls, before it is compiled, give other
 * last bits than its later calls, and which calls those are depends on the JIT's timing. So the
 * exponential here is Cephes' expf polynomial and lane sums add along a fixed tree, built only from
 * operations IEEE 754 defines exactly (add, mul, fma, compare, blend, shifts, permutes).
 *
 * <p><b>Why the exp and the lane sum are written out in each loop, not called.</b> A method of
 * ours that takes a vector is fast only when C2 inlines it, and here it did not always: a
 * {@code sumLanes(FloatVector)} helper hit C2's node-count cutoff inside the exp-and-sum loop and
 * every row paid for a boxed call. So these methods take arrays and ints only, each has one loop
 * with a masked last step (one copy of the exp per method), and the two copies of the exp are held
 * equal by a test.
 */
final class RowPrimitives {
    private RowPrimitives() {
    }

    static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    private static final int LANES = SPECIES.length();

    // Cephes expf: x = n ln2 + r, n = round(x log2 e), |r| <= ln2/2; e^r by a degree-6 polynomial;
    // 2^n built in the exponent bits. Within 1.5 ulp of the exact value on [EXP_UNDERFLOW, EXP_OVERFLOW].
    /** 1.5 * 2^23 + 126: adding it rounds to an integer n and leaves n + 126 in the low mantissa bits. */
    private static final float ROUND_AND_BIAS = 12582912f + 126f;
    private static final float LOG2E = 1.44269504088896341f;
    /** ln 2 in two parts so that n * LN2_HI is exact for |n| < 2^9 (Cody-Waite reduction). */
    private static final float LN2_HI = 0.693359375f;
    private static final float LN2_LO = -2.12194440e-4f;
    private static final float P0 = 1.9875691500e-4f, P1 = 1.3981999507e-3f, P2 = 8.3334519073e-3f,
            P3 = 4.1665795894e-2f, P4 = 1.6666665459e-1f, P5 = 5.0000001201e-1f;
    /** Below this, e^x is under 2^-125 and exp returns 0 (the scale 2^(n-1) would be subnormal). */
    static final float EXP_UNDERFLOW = -86.9891f;
    /** Above this, e^x overflows float and exp returns +inf. */
    static final float EXP_OVERFLOW = 88.72283f;

    /** Rotations by L/2, L/4, ..., 1 lanes: the fixed tree every lane sum here adds along. */
    @SuppressWarnings("unchecked")
    private static final VectorShuffle<Float>[] HALVING_ROTATIONS =
            new VectorShuffle[Integer.numberOfTrailingZeros(LANES)];

    static {
        for (int level = 0; level < HALVING_ROTATIONS.length; level++) {
            HALVING_ROTATIONS[level] = VectorShuffle.iota(SPECIES, LANES >> (level + 1), 1, true);
        }
    }

    /** The largest of {@code x[offset .. offset+cols)}; NaN if any is NaN. MAX is exact, so its order does not matter. */
    static float rowMax(float[] x, int offset, int cols) {
        FloatVector max = FloatVector.broadcast(SPECIES, Float.NEGATIVE_INFINITY);
        for (int i = 0; i < cols; i += LANES) {
            VectorMask<Float> live = SPECIES.indexInRange(i, cols);
            max = max.lanewise(VectorOperators.MAX, FloatVector.fromArray(SPECIES, x, offset + i, live), live);
        }
        return max.reduceLanes(VectorOperators.MAX);
    }

    /**
     * The {@code max} the softmax family subtracts: {@link #rowMax}, except that a row whose max
     * is +Inf gives NaN. In the formula {@code exp(x - max)} such a row's +Inf entries are
     * {@code exp(Inf - Inf) = NaN} and its sum NaN, so the whole row is NaN (as in PyTorch);
     * {@link #expSumMinusOne} counts entries equal to the max as exactly 1 and would otherwise
     * return a finite sum.
     */
    static float shiftOf(float[] x, int offset, int cols) {
        float max = rowMax(x, offset, cols);
        return max == Float.POSITIVE_INFINITY ? Float.NaN : max;
    }

    /**
     * {@code sum_i exp(x[offset+i] - max) - 1} over the row, without rounding the small terms away:
     * elements equal to the max contribute exactly 1 each and are counted, only the smaller terms
     * are added. So a confident row (one logit far above the rest) keeps its 1e-11 instead of
     * rounding {@code 1 + 1e-11} to 1, and log1p of the result is the row's exact log-sum. Stores
     * each exponential into {@code e} at the same offsets, unless {@code e} is null.
     */
    static float expSumMinusOne(float[] x, float[] e, int offset, int cols, float max) {
        FloatVector below = FloatVector.zero(SPECIES);
        int ties = 0;
        for (int i = 0; i < cols; i += LANES) {
            VectorMask<Float> live = SPECIES.indexInRange(i, cols);
            FloatVector xv = FloatVector.fromArray(SPECIES, x, offset + i, live);
            FloatVector arg = xv.sub(max);
            // exp(arg), Cephes (see the constants); the same lines as in addScaledExp
            FloatVector t = arg.fma(LOG2E, ROUND_AND_BIAS);
            FloatVector n = t.sub(ROUND_AND_BIAS);
            FloatVector r = n.fma(FloatVector.broadcast(SPECIES, -LN2_HI), arg);
            r = n.fma(FloatVector.broadcast(SPECIES, -LN2_LO), r);
            FloatVector p = r.fma(P0, P1);
            p = p.fma(r, FloatVector.broadcast(SPECIES, P2));
            p = p.fma(r, FloatVector.broadcast(SPECIES, P3));
            p = p.fma(r, FloatVector.broadcast(SPECIES, P4));
            p = p.fma(r, FloatVector.broadcast(SPECIES, P5));
            p = p.fma(r.mul(r), r).add(1f);
            FloatVector halfScale = t.reinterpretAsInts().lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
            FloatVector ev = p.mul(halfScale).mul(2f)
                    .blend(0f, arg.compare(VectorOperators.LT, EXP_UNDERFLOW))
                    .blend(Float.POSITIVE_INFINITY, arg.compare(VectorOperators.GT, EXP_OVERFLOW));
            if (e != null) {
                ev.intoArray(e, offset + i, live);
            }
            below = below.add(ev, xv.compare(VectorOperators.LT, max).and(live));
            ties += xv.compare(VectorOperators.EQ, max).and(live).trueCount();
        }
        for (VectorShuffle<Float> rotation : HALVING_ROTATIONS) {
            below = below.add(below.rearrange(rotation));
        }
        return (ties - 1) + below.lane(0);
    }

    /**
     * {@code dx[i] = fma(exp(y[i]), factor, dy[i])} over the row (log-softmax backward, with y the
     * log-probabilities); dx may be dy (each element is read before it is written).
     */
    static void addScaledExp(float[] y, float[] dy, float[] dx, int offset, int cols, float factor) {
        FloatVector factors = FloatVector.broadcast(SPECIES, factor);
        for (int i = 0; i < cols; i += LANES) {
            VectorMask<Float> live = SPECIES.indexInRange(i, cols);
            FloatVector arg = FloatVector.fromArray(SPECIES, y, offset + i, live);
            // exp(arg), Cephes (see the constants); the same lines as in expSumMinusOne
            FloatVector t = arg.fma(LOG2E, ROUND_AND_BIAS);
            FloatVector n = t.sub(ROUND_AND_BIAS);
            FloatVector r = n.fma(FloatVector.broadcast(SPECIES, -LN2_HI), arg);
            r = n.fma(FloatVector.broadcast(SPECIES, -LN2_LO), r);
            FloatVector p = r.fma(P0, P1);
            p = p.fma(r, FloatVector.broadcast(SPECIES, P2));
            p = p.fma(r, FloatVector.broadcast(SPECIES, P3));
            p = p.fma(r, FloatVector.broadcast(SPECIES, P4));
            p = p.fma(r, FloatVector.broadcast(SPECIES, P5));
            p = p.fma(r.mul(r), r).add(1f);
            FloatVector halfScale = t.reinterpretAsInts().lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
            FloatVector ev = p.mul(halfScale).mul(2f)
                    .blend(0f, arg.compare(VectorOperators.LT, EXP_UNDERFLOW))
                    .blend(Float.POSITIVE_INFINITY, arg.compare(VectorOperators.GT, EXP_OVERFLOW));
            ev.fma(factors, FloatVector.fromArray(SPECIES, dy, offset + i, live)).intoArray(dx, offset + i, live);
        }
    }

    /** {@code sum_i a[offset+i] * b[offset+i]}: fma into lanes, then the fixed tree. */
    static float dot(float[] a, float[] b, int offset, int cols) {
        FloatVector acc = FloatVector.zero(SPECIES);
        for (int i = 0; i < cols; i += LANES) {
            VectorMask<Float> live = SPECIES.indexInRange(i, cols);
            // masked-off lanes load as 0 and add 0 * 0
            acc = FloatVector.fromArray(SPECIES, a, offset + i, live).fma(FloatVector.fromArray(SPECIES, b, offset + i, live), acc);
        }
        for (VectorShuffle<Float> rotation : HALVING_ROTATIONS) {
            acc = acc.add(acc.rearrange(rotation));
        }
        return acc.lane(0);
    }

    /** {@code sum_i a[offset+i]}: lanes, then the fixed tree. */
    static float sum(float[] a, int offset, int cols) {
        FloatVector acc = FloatVector.zero(SPECIES);
        for (int i = 0; i < cols; i += LANES) {
            acc = acc.add(FloatVector.fromArray(SPECIES, a, offset + i, SPECIES.indexInRange(i, cols)));
        }
        for (VectorShuffle<Float> rotation : HALVING_ROTATIONS) {
            acc = acc.add(acc.rearrange(rotation));
        }
        return acc.lane(0);
    }
}
