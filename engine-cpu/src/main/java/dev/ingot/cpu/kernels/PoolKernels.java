package dev.ingot.cpu.kernels;

import dev.ingot.core.spec.Pool2dGeometry;
import dev.ingot.core.spec.Pool2dSpec;
import dev.ingot.cpu.parallel.Parallel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

/**
 * Max and average pooling, forward and backward, on NCHW tensors.
 *
 * <p>The N*C planes are independent, so threads split them (a plane is never split: backward
 * windows may overlap and add into the same dx pixel). Within a plane, two implementations:
 * <ul>
 *   <li>the 2x2 window with stride 2 and no padding (Keras {@code MaxPooling2D(2)}, both reference
 *       CNNs) is vectorised across output columns: a vector pair covers 2L input columns of a row,
 *       the two rows of the window are combined lane-wise, and even and odd columns are separated
 *       with two-vector permutes ({@code selectFrom}); the row's last partial vector uses lane masks,
 *       so the 13- and 15-wide outputs of the reference models are one masked step per row;</li>
 *   <li>every other geometry runs a tight scalar loop over each window's real pixels (the window
 *       clipped to the input, so padding is never read and never wins).</li>
 * </ul>
 *
 * <p>The maximum's rule everywhere: the first maximum in row-major window order wins, and a NaN
 * counts as larger than any number (so a NaN input shows up in y, and its window routes its
 * gradient to it). The forward value is the lane-wise MAX (Math.max semantics), the same number.
 */
public final class PoolKernels {
    private PoolKernels() {
    }

    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    private static final int LANES = SPECIES.length();

    /**
     * Input elements per thread for the vectorised 2x2 forward pass, which costs 0.13-0.3 ns per
     * input element on one thread: splitting starts at 64 K (each half 5-10 us; see
     * ElementwiseKernels.GRAIN).
     */
    static final int FAST_GRAIN = 1 << 15;

    /**
     * Input elements per thread for everything else (the 2x2 backward step, 1-3.6 ns per input
     * element; the window loops, 1-2.8 ns): splitting starts at 8 K.
     */
    static final int GRAIN = 1 << 12;

    /** selectFrom indices on the 2L-lane concatenation (a, b): its even lanes, then its odd lanes. */
    private static final FloatVector EVEN_LANES = indexVector(k -> 2 * k);
    private static final FloatVector ODD_LANES = indexVector(k -> 2 * k + 1);
    /** Interleaving (a, b) back: a0 b0 a1 b1 ... from the first halves, then from the second halves. */
    private static final FloatVector INTERLEAVE_LOW = indexVector(k -> (k % 2) * LANES + k / 2);
    private static final FloatVector INTERLEAVE_HIGH = indexVector(k -> (k % 2) * LANES + LANES / 2 + k / 2);

    private static FloatVector indexVector(java.util.function.IntUnaryOperator lane) {
        float[] indices = new float[LANES];
        for (int k = 0; k < LANES; k++) {
            indices[k] = lane.applyAsInt(k);
        }
        return FloatVector.fromArray(SPECIES, indices, 0);
    }

    private static boolean isTwoByTwoStrideTwo(Pool2dSpec s) {
        return s.kernelH() == 2 && s.kernelW() == 2 && s.strideH() == 2 && s.strideW() == 2
                && s.padH() == 0 && s.padW() == 0;
    }

    private static int planeGrain(Pool2dGeometry g, int grain) {
        return Math.max(1, grain / (g.h() * g.w()));
    }

    // ---------------------------------------------------------------- max forward

    /**
     * {@code y[n,c,p,q] = max over the window's real pixels of x[n,c,...]}. Planes split over
     * threads; per plane the 2x2/stride-2 vector kernel or the generic window loop.
     */
    public static void maxForward(Parallel parallel, Pool2dGeometry g, float[] x, float[] y) {
        int inPlane = g.h() * g.w();
        int outPlane = g.p() * g.q();
        boolean fast = isTwoByTwoStrideTwo(g.spec());
        parallel.forRange(g.n() * g.c(), planeGrain(g, fast ? FAST_GRAIN : GRAIN), (start, end) -> {
            for (int plane = start; plane < end; plane++) {
                if (fast) {
                    maxForward2x2(x, y, plane * inPlane, plane * outPlane, g.w(), g.p(), g.q());
                } else {
                    maxForwardWindows(g, x, y, plane * inPlane, plane * outPlane);
                }
            }
        });
    }

    /**
     * One plane, 2x2 window, stride 2: per output row p and L outputs q..q+L-1, load input rows 2p
     * and 2p+1 at columns 2q..2q+2L-1 (two vectors each), take the lane-wise max of the two rows,
     * then the max of the even and odd columns. 4 loads, 5 lane ops and 1 store for L outputs. The
     * row's remainder uses the same code under lane masks. Input columns or rows beyond 2Q or 2P
     * (odd W or H) belong to no window and are not read.
     */
    private static void maxForward2x2(float[] x, float[] y, int xPlane, int yPlane, int w, int p, int q) {
        for (int row = 0; row < p; row++) {
            int top = xPlane + 2 * row * w;
            int bottom = top + w;
            int out = yPlane + row * q;
            for (int col = 0; col < q; col += LANES) {
                maxForward2x2Step(x, y, top + 2 * col, bottom + 2 * col, out + col, Math.min(LANES, q - col));
            }
        }
    }

    /** {@code count} (at most L) outputs; masks are made here, from ints, so no mask object crosses a call. */
    private static void maxForward2x2Step(float[] x, float[] y, int top, int bottom, int out, int count) {
        VectorMask<Float> first = SPECIES.indexInRange(0, 2 * count);
        VectorMask<Float> second = SPECIES.indexInRange(LANES, 2 * count);
        VectorMask<Float> outMask = SPECIES.indexInRange(0, count);
        FloatVector a = FloatVector.fromArray(SPECIES, x, top, first)
                .lanewise(VectorOperators.MAX, FloatVector.fromArray(SPECIES, x, bottom, first));
        FloatVector b = FloatVector.fromArray(SPECIES, x, top + LANES, second)
                .lanewise(VectorOperators.MAX, FloatVector.fromArray(SPECIES, x, bottom + LANES, second));
        EVEN_LANES.selectFrom(a, b).lanewise(VectorOperators.MAX, ODD_LANES.selectFrom(a, b)).intoArray(y, out, outMask);
    }

    /** One plane, any window: per output pixel, Math.max over the window clipped to the input. */
    private static void maxForwardWindows(Pool2dGeometry g, float[] x, float[] y, int xPlane, int yPlane) {
        Pool2dSpec s = g.spec();
        int h = g.h(), w = g.w();
        for (int p = 0; p < g.p(); p++) {
            int r0 = Math.max(0, p * s.strideH() - s.padH());
            int r1 = Math.min(h, p * s.strideH() - s.padH() + s.kernelH());
            for (int q = 0; q < g.q(); q++) {
                int c0 = Math.max(0, q * s.strideW() - s.padW());
                int c1 = Math.min(w, q * s.strideW() - s.padW() + s.kernelW());
                float max = Float.NEGATIVE_INFINITY;
                for (int r = r0; r < r1; r++) {
                    for (int i = xPlane + r * w + c0, rowEnd = xPlane + r * w + c1; i < rowEnd; i++) {
                        max = Math.max(max, x[i]);
                    }
                }
                y[yPlane + p * g.q() + q] = max;
            }
        }
    }

    // ---------------------------------------------------------------- max backward

    /**
     * {@code dx = 0}, then each {@code dy[n,c,p,q]} added at its window's winner (first maximum in
     * row-major order, NaN wins), found again from x, so y is not needed: the routing cannot
     * disagree with the forward rule. Overlapping windows add. Planes split over threads.
     */
    public static void maxBackward(Parallel parallel, Pool2dGeometry g, float[] x, float[] y, float[] dy, float[] dx) {
        int inPlane = g.h() * g.w();
        int outPlane = g.p() * g.q();
        boolean fast = isTwoByTwoStrideTwo(g.spec());
        parallel.forRange(g.n() * g.c(), planeGrain(g, GRAIN), (start, end) -> {
            for (int plane = start; plane < end; plane++) {
                if (fast) {
                    maxBackward2x2(x, dy, dx, plane * inPlane, plane * outPlane, g.h(), g.w(), g.p(), g.q());
                } else {
                    maxBackwardWindows(g, x, dy, dx, plane * inPlane, plane * outPlane);
                }
            }
        });
    }

    /**
     * One plane, 2x2 window, stride 2 (windows do not overlap, so every dx pixel is written once):
     * per output row and L outputs, de-interleave the four window corners into four vectors, pick
     * the winner lane-wise in row-major order with compare masks, blend dy into the winner's vector
     * and zeros into the others, and interleave them back into the two dx rows. Pixels beyond 2P
     * rows or 2Q columns belong to no window and are set to 0.
     */
    private static void maxBackward2x2(float[] x, float[] dy, float[] dx, int xPlane, int yPlane, int h, int w,
                                       int p, int q) {
        if (w > 2 * q) {
            for (int row = 0; row < 2 * p; row++) {
                Arrays.fill(dx, xPlane + row * w + 2 * q, xPlane + (row + 1) * w, 0f);
            }
        }
        if (h > 2 * p) {
            Arrays.fill(dx, xPlane + 2 * p * w, xPlane + h * w, 0f);
        }
        for (int row = 0; row < p; row++) {
            int top = xPlane + 2 * row * w;
            int bottom = top + w;
            int grad = yPlane + row * q;
            for (int col = 0; col < q; col += LANES) {
                maxBackward2x2Step(x, dy, dx, top + 2 * col, bottom + 2 * col, grad + col, Math.min(LANES, q - col));
            }
        }
    }

    /**
     * {@code count} (at most L) windows. The winner is the first corner, in row-major order, that
     * holds the window's max (see {@link #holds}).
     */
    private static void maxBackward2x2Step(float[] x, float[] dy, float[] dx, int top, int bottom, int grad, int count) {
        VectorMask<Float> first = SPECIES.indexInRange(0, 2 * count);
        VectorMask<Float> second = SPECIES.indexInRange(LANES, 2 * count);
        FloatVector t0 = FloatVector.fromArray(SPECIES, x, top, first);
        FloatVector t1 = FloatVector.fromArray(SPECIES, x, top + LANES, second);
        FloatVector b0 = FloatVector.fromArray(SPECIES, x, bottom, first);
        FloatVector b1 = FloatVector.fromArray(SPECIES, x, bottom + LANES, second);
        FloatVector topLeft = EVEN_LANES.selectFrom(t0, t1);
        FloatVector topRight = ODD_LANES.selectFrom(t0, t1);
        FloatVector bottomLeft = EVEN_LANES.selectFrom(b0, b1);
        FloatVector bottomRight = ODD_LANES.selectFrom(b0, b1);
        FloatVector max = topLeft.lanewise(VectorOperators.MAX, topRight)
                .lanewise(VectorOperators.MAX, bottomLeft.lanewise(VectorOperators.MAX, bottomRight));

        VectorMask<Float> atTopLeft = holds(topLeft, max);
        VectorMask<Float> taken = atTopLeft;
        VectorMask<Float> atTopRight = holds(topRight, max).andNot(taken);
        taken = taken.or(atTopRight);
        VectorMask<Float> atBottomLeft = holds(bottomLeft, max).andNot(taken);
        VectorMask<Float> atBottomRight = taken.or(atBottomLeft).not();

        FloatVector g = FloatVector.fromArray(SPECIES, dy, grad, SPECIES.indexInRange(0, count));
        FloatVector zero = FloatVector.zero(SPECIES);
        storeInterleaved(zero.blend(g, atTopLeft), zero.blend(g, atTopRight), dx, top, first, second);
        storeInterleaved(zero.blend(g, atBottomLeft), zero.blend(g, atBottomRight), dx, bottom, first, second);
    }

    /**
     * Lanes where {@code corner} holds its window's {@code max} (the MAX of the four corners):
     * equal to it, or NaN. If the max is a NaN, no number equals it and the NaN corners match; if
     * it is not, no corner is NaN. So the first matching corner is the first maximum, NaN winning.
     * (NaN is tested as {@code v != v}: C2 does not intrinsify {@code test(IS_NAN)} here.)
     */
    private static VectorMask<Float> holds(FloatVector corner, FloatVector max) {
        return corner.compare(VectorOperators.EQ, max).or(corner.compare(VectorOperators.NE, corner));
    }

    /** Writes left[0] right[0] left[1] right[1] ... as 2L floats at {@code at}. */
    private static void storeInterleaved(FloatVector left, FloatVector right, float[] dx, int at,
                                         VectorMask<Float> first, VectorMask<Float> second) {
        INTERLEAVE_LOW.selectFrom(left, right).intoArray(dx, at, first);
        INTERLEAVE_HIGH.selectFrom(left, right).intoArray(dx, at + LANES, second);
    }

    /** One plane, any window: zero dx, then per output pixel scan the clipped window for its winner. */
    private static void maxBackwardWindows(Pool2dGeometry g, float[] x, float[] dy, float[] dx, int xPlane, int yPlane) {
        Pool2dSpec s = g.spec();
        int h = g.h(), w = g.w();
        Arrays.fill(dx, xPlane, xPlane + h * w, 0f);
        for (int p = 0; p < g.p(); p++) {
            int r0 = Math.max(0, p * s.strideH() - s.padH());
            int r1 = Math.min(h, p * s.strideH() - s.padH() + s.kernelH());
            for (int q = 0; q < g.q(); q++) {
                int c0 = Math.max(0, q * s.strideW() - s.padW());
                int c1 = Math.min(w, q * s.strideW() - s.padW() + s.kernelW());
                int winner = xPlane + r0 * w + c0;
                float max = x[winner];
                for (int r = r0; r < r1; r++) {
                    for (int i = xPlane + r * w + c0, rowEnd = xPlane + r * w + c1; i < rowEnd; i++) {
                        if (ElementwiseKernels.beats(x[i], max)) {
                            winner = i;
                            max = x[i];
                        }
                    }
                }
                dx[winner] += dy[yPlane + p * g.q() + q];
            }
        }
    }

    // ---------------------------------------------------------------- average

    /**
     * {@code y[n,c,p,q] = (sum of the window's real pixels) / (their count)}; padding is neither
     * added nor counted. Planes split over threads; per output pixel a scalar sum over the clipped
     * window in row-major order (average pooling is not on the reference models' hot path).
     */
    public static void avgForward(Parallel parallel, Pool2dGeometry g, float[] x, float[] y) {
        int inPlane = g.h() * g.w();
        int outPlane = g.p() * g.q();
        parallel.forRange(g.n() * g.c(), planeGrain(g, GRAIN), (start, end) -> {
            for (int plane = start; plane < end; plane++) {
                avgForwardWindows(g, x, y, plane * inPlane, plane * outPlane);
            }
        });
    }

    private static void avgForwardWindows(Pool2dGeometry g, float[] x, float[] y, int xPlane, int yPlane) {
        Pool2dSpec s = g.spec();
        int h = g.h(), w = g.w();
        for (int p = 0; p < g.p(); p++) {
            int r0 = Math.max(0, p * s.strideH() - s.padH());
            int r1 = Math.min(h, p * s.strideH() - s.padH() + s.kernelH());
            for (int q = 0; q < g.q(); q++) {
                int c0 = Math.max(0, q * s.strideW() - s.padW());
                int c1 = Math.min(w, q * s.strideW() - s.padW() + s.kernelW());
                float sum = 0f;
                for (int r = r0; r < r1; r++) {
                    for (int i = xPlane + r * w + c0, rowEnd = xPlane + r * w + c1; i < rowEnd; i++) {
                        sum += x[i];
                    }
                }
                y[yPlane + p * g.q() + q] = sum / ((r1 - r0) * (c1 - c0));
            }
        }
    }

    /**
     * {@code dx = 0}, then each {@code dy[n,c,p,q] / count} added to every real pixel of its window
     * (count as in the forward pass); overlapping windows add. Planes split over threads.
     */
    public static void avgBackward(Parallel parallel, Pool2dGeometry g, float[] dy, float[] dx) {
        int inPlane = g.h() * g.w();
        int outPlane = g.p() * g.q();
        parallel.forRange(g.n() * g.c(), planeGrain(g, GRAIN), (start, end) -> {
            for (int plane = start; plane < end; plane++) {
                avgBackwardWindows(g, dy, dx, plane * inPlane, plane * outPlane);
            }
        });
    }

    private static void avgBackwardWindows(Pool2dGeometry g, float[] dy, float[] dx, int xPlane, int yPlane) {
        Pool2dSpec s = g.spec();
        int h = g.h(), w = g.w();
        Arrays.fill(dx, xPlane, xPlane + h * w, 0f);
        for (int p = 0; p < g.p(); p++) {
            int r0 = Math.max(0, p * s.strideH() - s.padH());
            int r1 = Math.min(h, p * s.strideH() - s.padH() + s.kernelH());
            for (int q = 0; q < g.q(); q++) {
                int c0 = Math.max(0, q * s.strideW() - s.padW());
                int c1 = Math.min(w, q * s.strideW() - s.padW() + s.kernelW());
                float share = dy[yPlane + p * g.q() + q] / ((r1 - r0) * (c1 - c0));
                for (int r = r0; r < r1; r++) {
                    for (int i = xPlane + r * w + c0, rowEnd = xPlane + r * w + c1; i < rowEnd; i++) {
                        dx[i] += share;
                    }
                }
            }
        }
    }
}
