package dev.ingot.cpu.kernels;

import dev.ingot.cpu.parallel.Parallel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * Row-wise softmax and log-softmax, forward and backward, on (rows, cols) matrices.
 *
 * <p>Rows are independent: threads split the rows, and one thread does a row in two or three
 * vector passes (max, exp-and-sum, normalise), each one loop whose last step is masked, so a
 * 10-class row is a single masked vector per pass. The reductions and the exponential are
 * {@link RowPrimitives}', which give the same bits on every run and any thread count.
 *
 * <p>Every output may be the same array as an input: each pass reads an element before it writes
 * that element, and later passes read only what earlier passes wrote.
 */
public final class SoftmaxKernels {
    private SoftmaxKernels() {
    }

    private static final VectorSpecies<Float> SPECIES = RowPrimitives.SPECIES;
    private static final int LANES = SPECIES.length();

    /**
     * Elements per thread below which a call stays on the calling thread. Softmax costs 2.6 ns per
     * element on 10-wide rows (about 26 ns a row, mostly fixed) and 0.6 ns on 1000-wide rows (the
     * exponential is 17 vector instructions), 10-40 times a streaming kernel, so splitting starts
     * at 16 K elements (each half 5-20 us; see ElementwiseKernels.GRAIN).
     */
    static final int GRAIN = 1 << 13;

    static int rowGrain(int cols) {
        return Math.max(1, GRAIN / cols);
    }

    /**
     * {@code y[r,i] = exp(x[r,i] - max_r) / sum_j exp(x[r,j] - max_r)}.
     *
     * <p>Per row: pass 1 the max; pass 2 {@code e = exp(x - max)} stored into y and summed; pass 3
     * {@code y = e / sum}. Subtracting the max keeps every exponent at most 0, so nothing overflows
     * and the largest term is exactly 1.
     */
    public static void softmaxForward(Parallel parallel, float[] x, float[] y, int rows, int cols) {
        parallel.forRange(rows, rowGrain(cols), (start, end) -> {
            for (int r = start; r < end; r++) {
                softmaxRow(x, y, r * cols, cols);
            }
        });
    }

    private static void softmaxRow(float[] x, float[] y, int offset, int cols) {
        float max = RowPrimitives.shiftOf(x, offset, cols);
        float sum = 1f + RowPrimitives.expSumMinusOne(x, y, offset, cols, max);
        for (int i = 0; i < cols; i += LANES) {
            VectorMask<Float> live = SPECIES.indexInRange(i, cols);
            FloatVector.fromArray(SPECIES, y, offset + i, live).div(sum).intoArray(y, offset + i, live);
        }
    }

    /**
     * {@code dx[r,i] = y[r,i] * (dy[r,i] - sum_j dy[r,j] * y[r,j])}.
     *
     * <p>Per row: pass 1 the dot product dy.y; pass 2 the formula lane-wise.
     */
    public static void softmaxBackward(Parallel parallel, float[] y, float[] dy, float[] dx, int rows, int cols) {
        parallel.forRange(rows, rowGrain(cols), (start, end) -> {
            for (int r = start; r < end; r++) {
                softmaxBackwardRow(y, dy, dx, r * cols, cols);
            }
        });
    }

    private static void softmaxBackwardRow(float[] y, float[] dy, float[] dx, int offset, int cols) {
        float dot = RowPrimitives.dot(dy, y, offset, cols);
        for (int i = 0; i < cols; i += LANES) {
            VectorMask<Float> live = SPECIES.indexInRange(i, cols);
            FloatVector yv = FloatVector.fromArray(SPECIES, y, offset + i, live);
            yv.mul(FloatVector.fromArray(SPECIES, dy, offset + i, live).sub(dot)).intoArray(dx, offset + i, live);
        }
    }

    /**
     * {@code y[r,i] = (x[r,i] - max_r) - log(sum_j exp(x[r,j] - max_r))}.
     *
     * <p>Per row: pass 1 the max; pass 2 the sum of exponentials (nothing stored: y may be x, and x
     * is needed again) as {@code sum - 1}, and its log1p in double, so the largest entry of a
     * confident row is a tiny negative number rather than 0; pass 3 two subtractions (subtracting
     * {@code max + log} at once would round that sum first, losing y's low bits when max is large).
     */
    public static void logSoftmaxForward(Parallel parallel, float[] x, float[] y, int rows, int cols) {
        parallel.forRange(rows, rowGrain(cols), (start, end) -> {
            for (int r = start; r < end; r++) {
                logSoftmaxRow(x, y, r * cols, cols);
            }
        });
    }

    private static void logSoftmaxRow(float[] x, float[] y, int offset, int cols) {
        float max = RowPrimitives.shiftOf(x, offset, cols);
        float logSum = (float) Math.log1p(RowPrimitives.expSumMinusOne(x, null, offset, cols, max));
        for (int i = 0; i < cols; i += LANES) {
            VectorMask<Float> live = SPECIES.indexInRange(i, cols);
            FloatVector.fromArray(SPECIES, x, offset + i, live).sub(max).sub(logSum).intoArray(y, offset + i, live);
        }
    }

    /**
     * {@code dx[r,i] = dy[r,i] - exp(y[r,i]) * sum_j dy[r,j]}, with y the log-probabilities.
     *
     * <p>Per row: pass 1 the sum of dy; pass 2 {@code fma(exp(y), -sum, dy)}.
     */
    public static void logSoftmaxBackward(Parallel parallel, float[] y, float[] dy, float[] dx, int rows, int cols) {
        parallel.forRange(rows, rowGrain(cols), (start, end) -> {
            for (int r = start; r < end; r++) {
                int offset = r * cols;
                RowPrimitives.addScaledExp(y, dy, dx, offset, cols, -RowPrimitives.sum(dy, offset, cols));
            }
        });
    }
}
