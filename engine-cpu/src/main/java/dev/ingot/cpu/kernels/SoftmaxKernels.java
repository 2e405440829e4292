package dev.ingot.cpu.kernels;

import dev.ingot.cpu.parallel.Parallel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Row-wise softmax and log-softmax, forward and backward, on (rows, cols) matrices.
 *
 * <p>Each row is independent: rows are split over threads, and a row is handled by one thread in
 * two or three vector passes (max, exp-and-sum, normalise). The last partial vector of a row is
 * done with a lane mask rather than a scalar loop, so a 10-class row is one masked vector and every
 * element goes through the same {@link VectorMath#exp}. Row sums use {@link VectorMath#sumLanes}'
 * fixed order, so a row's result is the same bits on every run and any thread count.
 *
 * <p>Every output may be the same array as an input: each pass reads an element before it writes
 * that element, and later passes read only what earlier passes wrote.
 */
public final class SoftmaxKernels {
    private SoftmaxKernels() {
    }

    private static final VectorSpecies<Float> SPECIES = VectorMath.SPECIES;

    /**
     * Elements per thread below which a call stays on the calling thread. An exp costs about 17
     * vector instructions, so splitting pays earlier than for the streaming kernels (measured on the
     * 2-core Zen 5, noisy: 2 threads first won at about 32 K elements).
     */
    static final int GRAIN = 1 << 14;

    static int rowGrain(int cols) {
        return Math.max(1, GRAIN / cols);
    }

    /**
     * {@code y[r,i] = exp(x[r,i] - max_r) / sum_j exp(x[r,j] - max_r)}.
     *
     * <p>Per row: pass 1 the max (lane-wise, then across lanes); pass 2 {@code e = exp(x - max)}
     * stored into y and summed ({@link #expSumMinusOne}); pass 3 {@code y = e / sum}. Subtracting the max keeps every
     * exponent at most 0, so nothing overflows and the largest term is exactly 1.
     */
    public static void softmaxForward(Parallel parallel, float[] x, float[] y, int rows, int cols) {
        parallel.forRange(rows, rowGrain(cols), (start, end) -> {
            for (int r = start; r < end; r++) {
                softmaxRow(x, y, r * cols, cols);
            }
        });
    }

    private static void softmaxRow(float[] x, float[] y, int offset, int cols) {
        float sum = 1f + expSumMinusOne(x, y, offset, cols, rowMax(x, offset, cols));
        int i = 0;
        for (int bound = SPECIES.loopBound(cols); i < bound; i += SPECIES.length()) {
            FloatVector.fromArray(SPECIES, y, offset + i).div(sum).intoArray(y, offset + i);
        }
        if (i < cols) {
            VectorMask<Float> tail = SPECIES.indexInRange(i, cols);
            FloatVector.fromArray(SPECIES, y, offset + i, tail).div(sum).intoArray(y, offset + i, tail);
        }
    }

    /**
     * {@code dx[r,i] = y[r,i] * (dy[r,i] - sum_j dy[r,j] * y[r,j])}.
     *
     * <p>Per row: pass 1 the dot product dy.y with fma into lane accumulators (masked-off tail lanes
     * load as 0 and add nothing); pass 2 the formula lane-wise.
     */
    public static void softmaxBackward(Parallel parallel, float[] y, float[] dy, float[] dx, int rows, int cols) {
        parallel.forRange(rows, rowGrain(cols), (start, end) -> {
            for (int r = start; r < end; r++) {
                softmaxBackwardRow(y, dy, dx, r * cols, cols);
            }
        });
    }

    private static void softmaxBackwardRow(float[] y, float[] dy, float[] dx, int offset, int cols) {
        FloatVector acc = FloatVector.zero(SPECIES);
        int i = 0;
        for (int bound = SPECIES.loopBound(cols); i < bound; i += SPECIES.length()) {
            acc = FloatVector.fromArray(SPECIES, dy, offset + i).fma(FloatVector.fromArray(SPECIES, y, offset + i), acc);
        }
        VectorMask<Float> tail = SPECIES.indexInRange(i, cols);
        if (i < cols) {
            acc = FloatVector.fromArray(SPECIES, dy, offset + i, tail)
                    .fma(FloatVector.fromArray(SPECIES, y, offset + i, tail), acc);
        }
        float dot = VectorMath.sumLanes(acc);
        i = 0;
        for (int bound = SPECIES.loopBound(cols); i < bound; i += SPECIES.length()) {
            FloatVector yv = FloatVector.fromArray(SPECIES, y, offset + i);
            yv.mul(FloatVector.fromArray(SPECIES, dy, offset + i).sub(dot)).intoArray(dx, offset + i);
        }
        if (i < cols) {
            FloatVector yv = FloatVector.fromArray(SPECIES, y, offset + i, tail);
            yv.mul(FloatVector.fromArray(SPECIES, dy, offset + i, tail).sub(dot)).intoArray(dx, offset + i, tail);
        }
    }

    /**
     * {@code y[r,i] = (x[r,i] - max_r) - log(sum_j exp(x[r,j] - max_r))}.
     *
     * <p>Per row: pass 1 the max; pass 2 the sum of exponentials (nothing stored: y may be x, and x
     * is needed again) as {@link #expSumMinusOne}, and its log1p in double, so the largest entry of
     * a confident row is a tiny negative number rather than 0; pass 3 two subtractions. Subtracting max and log
     * separately keeps y exact near 0 even when max is large, where {@code x - (max + log)} would
     * round max + log first.
     */
    public static void logSoftmaxForward(Parallel parallel, float[] x, float[] y, int rows, int cols) {
        parallel.forRange(rows, rowGrain(cols), (start, end) -> {
            for (int r = start; r < end; r++) {
                logSoftmaxRow(x, y, r * cols, cols);
            }
        });
    }

    private static void logSoftmaxRow(float[] x, float[] y, int offset, int cols) {
        float max = rowMax(x, offset, cols);
        float logSum = (float) Math.log1p(expSumMinusOne(x, null, offset, cols, max));
        int i = 0;
        for (int bound = SPECIES.loopBound(cols); i < bound; i += SPECIES.length()) {
            FloatVector.fromArray(SPECIES, x, offset + i).sub(max).sub(logSum).intoArray(y, offset + i);
        }
        if (i < cols) {
            VectorMask<Float> tail = SPECIES.indexInRange(i, cols);
            FloatVector.fromArray(SPECIES, x, offset + i, tail).sub(max).sub(logSum).intoArray(y, offset + i, tail);
        }
    }

    /**
     * {@code dx[r,i] = dy[r,i] - exp(y[r,i]) * sum_j dy[r,j]}, with y the log-probabilities.
     *
     * <p>Per row: pass 1 the sum of dy in lanes; pass 2 {@code fma(exp(y), -sum, dy)}.
     */
    public static void logSoftmaxBackward(Parallel parallel, float[] y, float[] dy, float[] dx, int rows, int cols) {
        parallel.forRange(rows, rowGrain(cols), (start, end) -> {
            for (int r = start; r < end; r++) {
                logSoftmaxBackwardRow(y, dy, dx, r * cols, cols);
            }
        });
    }

    private static void logSoftmaxBackwardRow(float[] y, float[] dy, float[] dx, int offset, int cols) {
        FloatVector acc = FloatVector.zero(SPECIES);
        int i = 0;
        for (int bound = SPECIES.loopBound(cols); i < bound; i += SPECIES.length()) {
            acc = acc.add(FloatVector.fromArray(SPECIES, dy, offset + i));
        }
        VectorMask<Float> tail = SPECIES.indexInRange(i, cols);
        if (i < cols) {
            acc = acc.add(FloatVector.fromArray(SPECIES, dy, offset + i, tail));
        }
        FloatVector negSum = FloatVector.broadcast(SPECIES, -VectorMath.sumLanes(acc));
        i = 0;
        for (int bound = SPECIES.loopBound(cols); i < bound; i += SPECIES.length()) {
            VectorMath.exp(FloatVector.fromArray(SPECIES, y, offset + i))
                    .fma(negSum, FloatVector.fromArray(SPECIES, dy, offset + i)).intoArray(dx, offset + i);
        }
        if (i < cols) {
            VectorMath.exp(FloatVector.fromArray(SPECIES, y, offset + i, tail))
                    .fma(negSum, FloatVector.fromArray(SPECIES, dy, offset + i, tail)).intoArray(dx, offset + i, tail);
        }
    }

    // ---------------------------------------------------------------- row helpers (also used by LossKernels)

    /** The largest of {@code x[offset .. offset+cols)}; NaN if any is NaN (MAX is exact, so order does not matter). */
    static float rowMax(float[] x, int offset, int cols) {
        FloatVector max = FloatVector.broadcast(SPECIES, Float.NEGATIVE_INFINITY);
        int i = 0;
        for (int bound = SPECIES.loopBound(cols); i < bound; i += SPECIES.length()) {
            max = max.lanewise(VectorOperators.MAX, FloatVector.fromArray(SPECIES, x, offset + i));
        }
        if (i < cols) {
            VectorMask<Float> tail = SPECIES.indexInRange(i, cols);
            max = max.lanewise(VectorOperators.MAX, FloatVector.fromArray(SPECIES, x, offset + i, tail), tail);
        }
        return max.reduceLanes(VectorOperators.MAX);
    }

    /**
     * {@code sum_i exp(x[offset+i] - max) - 1} over the row, without losing the small terms: the
     * elements equal to the max contribute exactly 1 each and are counted, not added, and only the
     * smaller terms are summed (in lanes, then {@link VectorMath#sumLanes}). So a confident row
     * (one logit far above the rest) keeps its 1e-11 instead of rounding {@code 1 + 1e-11} to 1,
     * and {@code log1p} of the result is its exact log-sum. Also stores every exponential into
     * {@code e} at the same offsets unless {@code e} is null.
     */
    static float expSumMinusOne(float[] x, float[] e, int offset, int cols, float max) {
        FloatVector below = FloatVector.zero(SPECIES);
        int ties = 0;
        int i = 0;
        for (int bound = SPECIES.loopBound(cols); i < bound; i += SPECIES.length()) {
            FloatVector xv = FloatVector.fromArray(SPECIES, x, offset + i);
            FloatVector ev = VectorMath.exp(xv.sub(max));
            if (e != null) {
                ev.intoArray(e, offset + i);
            }
            below = below.add(ev, xv.compare(VectorOperators.LT, max));
            ties += xv.compare(VectorOperators.EQ, max).trueCount();
        }
        if (i < cols) {
            VectorMask<Float> tail = SPECIES.indexInRange(i, cols);
            FloatVector xv = FloatVector.fromArray(SPECIES, x, offset + i, tail);
            FloatVector ev = VectorMath.exp(xv.sub(max));
            if (e != null) {
                ev.intoArray(e, offset + i, tail);
            }
            below = below.add(ev, xv.compare(VectorOperators.LT, max).and(tail));
            ties += xv.compare(VectorOperators.EQ, max).and(tail).trueCount();
        }
        return (ties - 1) + VectorMath.sumLanes(below);
    }
}
