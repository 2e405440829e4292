package dev.ingot.cpu.kernels;

import dev.ingot.core.spec.Pool2dGeometry;
import dev.ingot.core.spec.Pool2dSpec;
import dev.ingot.cpu.parallel.Parallel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

/**
 * Max and average pooling, forward and backward, on NCHW tensors.
 *
 * <p>The N*C planes are independent, so threads split them (a plane is never split: backward
 * windows may overlap and add into the same dx pixel). Within a plane, two implementations:
 * <ul>
 *   <li>max pooling with the 2x2 window, stride 2 and no padding (Keras {@code MaxPooling2D(2)},
 *       both reference CNNs) is vectorised across a row: forward, a vector pair covers 2L input
 *       columns, the window's two rows are combined lane-wise and even and odd columns separated
 *       with two-vector permutes ({@code selectFrom}); backward works in the input's own lane
 *       order (see {@link #maxBackward2x2}). In the forward pass a row's last partial vector uses
 *       lane masks; the backward pass moves a row's last whole step back to end at the row's end
 *       (redoing a few windows), so only rows narrower than one step use masks;</li>
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
     * input element on one thread with 16 lanes: splitting starts at 64 K (each half 5-10 us; see
     * ElementwiseKernels.GRAIN). The pass does a fixed number of vector operations per L inputs, so
     * its cost per element scales with 1/L and the grain with L, to keep each half at 5-10 us:
     * 2 K x L (32 K at 16 lanes, 16 K at 8, 8 K at 4).
     */
    static final int FAST_GRAIN = (1 << 11) * LANES;

    /**
     * Input elements per thread for everything else (the vectorised 2x2 backward pass, 0.7-1.1 ns
     * per input element; the window loops, 1-2.8 ns): splitting starts at 16 K (each half 6-20 us).
     */
    static final int GRAIN = 1 << 13;

    /** selectFrom indices on the 2L-lane concatenation (a, b): its even lanes, then its odd lanes. */
    private static final FloatVector EVEN_LANES = indexVector(k -> 2 * k);
    private static final FloatVector ODD_LANES = indexVector(k -> 2 * k + 1);

    /** Swaps each even lane with the odd lane after it: a window's left and right pixels. */
    private static final VectorShuffle<Float> SWAP_PAIRS = VectorShuffle.fromOp(SPECIES, k -> k ^ 1);
    /** Lane k takes lane k/2: each window's dy for both of its pixels. */
    private static final VectorShuffle<Float> EACH_TWICE = VectorShuffle.fromOp(SPECIES, k -> k / 2);
    /** The even lanes: a window's left pixels. */
    private static final VectorMask<Float> LEFT_LANES = VectorMask.fromLong(SPECIES, 0x5555555555555555L);

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
        // A full step loads and stores without masks: at 256 bits (AVX2) masked loads are not
        // intrinsified as cheaply, and the unmasked full steps ran mnist and cifar pool1 forward
        // 2.5-2.7x faster under -XX:UseAVX=2 (1.37 -> 0.54 and 1.74 -> 0.64 ms of CPU per call,
        // batch 64, one thread). At 16 lanes these planes (13 and 15 outputs a row) have no full step.
        if (count == LANES) {
            FloatVector a = FloatVector.fromArray(SPECIES, x, top)
                    .lanewise(VectorOperators.MAX, FloatVector.fromArray(SPECIES, x, bottom));
            FloatVector b = FloatVector.fromArray(SPECIES, x, top + LANES)
                    .lanewise(VectorOperators.MAX, FloatVector.fromArray(SPECIES, x, bottom + LANES));
            EVEN_LANES.selectFrom(a, b).lanewise(VectorOperators.MAX, ODD_LANES.selectFrom(a, b)).intoArray(y, out);
            return;
        }
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
     * One plane, 2x2 window, stride 2 (windows do not overlap, so every dx pixel is written once).
     * Per pair of input rows and L input columns (L/2 windows), in the input's own lane order:
     * rotating each pair of lanes ({@code k <-> k^1}) puts every window's max in both of its
     * lanes, so each pixel can test "do I hold my window's max" with one compare, and the winner
     * (first in row-major order) follows from its partner's test ({@link #maxBackward2x2Step}).
     * Pixels beyond 2P rows or 2Q columns belong to no window and are set to 0.
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
        int windowsPerStep = LANES / 2;
        for (int row = 0; row < p; row++) {
            int top = xPlane + 2 * row * w;
            int grad = yPlane + row * q;
            // Whole steps, the last one moved back to end at the row's last window: it redoes a few
            // windows, writing the same values again, instead of a masked step. A whole dy vector
            // is loaded (its upper half unused), so a step needs that vector inside the array.
            int last = q - windowsPerStep;
            int col = 0;
            while (col < q && last >= 0 && grad + Math.min(col, last) + LANES <= dy.length) {
                int start = Math.min(col, last);
                maxBackward2x2FullStep(x, dy, dx, top + 2 * start, w, grad + start);
                col = start + windowsPerStep;
            }
            for (; col < q; col += windowsPerStep) {
                maxBackward2x2Step(x, dy, dx, top + 2 * col, w, grad + col, Math.min(windowsPerStep, q - col));
            }
        }
    }

    /**
     * Both rows of {@code count} (at most L/2) windows starting at input index {@code at}, from one
     * load of each input row and of dy. A pixel "holds the max" if {@code v == max}, or v is a NaN
     * (then the max is a NaN and no number equals it; if the max is not a NaN, no pixel is one);
     * NaN is tested as {@code v != v}: {@code test(IS_NAN)} is not intrinsified here. Winners, in
     * row-major order: top-left if it holds the max; top-right if it does and top-left does not; a
     * bottom pixel if it does, no top pixel of its window does, and (for bottom-right) bottom-left
     * does not. About 25 vector operations for both rows, and only ints and arrays cross the call
     * (see package-info on why).
     */
    private static void maxBackward2x2Step(float[] x, float[] dy, float[] dx, int at, int w, int grad, int count) {
        VectorMask<Float> pixels = SPECIES.indexInRange(0, 2 * count);
        FloatVector top = FloatVector.fromArray(SPECIES, x, at, pixels);
        FloatVector bottom = FloatVector.fromArray(SPECIES, x, at + w, pixels);
        FloatVector topPartner = top.rearrange(SWAP_PAIRS);
        FloatVector bottomPartner = bottom.rearrange(SWAP_PAIRS);
        FloatVector max = top.lanewise(VectorOperators.MAX, topPartner)
                .lanewise(VectorOperators.MAX, bottom.lanewise(VectorOperators.MAX, bottomPartner));
        VectorMask<Float> topHolds = top.compare(VectorOperators.EQ, max).or(top.compare(VectorOperators.NE, top));
        VectorMask<Float> topPartnerHolds = topPartner.compare(VectorOperators.EQ, max)
                .or(topPartner.compare(VectorOperators.NE, topPartner));
        VectorMask<Float> bottomHolds = bottom.compare(VectorOperators.EQ, max)
                .or(bottom.compare(VectorOperators.NE, bottom));
        VectorMask<Float> bottomPartnerHolds = bottomPartner.compare(VectorOperators.EQ, max)
                .or(bottomPartner.compare(VectorOperators.NE, bottomPartner));
        VectorMask<Float> topWins = topHolds.andNot(topPartnerHolds.andNot(LEFT_LANES));
        VectorMask<Float> bottomWins = bottomHolds.andNot(topHolds.or(topPartnerHolds))
                .andNot(bottomPartnerHolds.andNot(LEFT_LANES));
        FloatVector g = FloatVector.fromArray(SPECIES, dy, grad, SPECIES.indexInRange(0, count)).rearrange(EACH_TWICE);
        FloatVector zero = FloatVector.zero(SPECIES);
        zero.blend(g, topWins).intoArray(dx, at, pixels);
        zero.blend(g, bottomWins).intoArray(dx, at + w, pixels);
    }

    /**
     * {@link #maxBackward2x2Step} for L/2 whole windows, with plain loads and stores: the same
     * lane operations, so the same results. Why a second method: at 256 and 128 bits HotSpot has no
     * cheap masked load or store (AVX2's {@code vmaskmovps}, and the masks built from
     * {@code indexInRange}, cost far more than the plain instructions), and these planes' rows
     * (13, 15, 5, 6 windows) are mostly whole steps at 4 and 2 windows a step. Measured (batch 64,
     * one thread, ms of CPU per call, Zen 4 under load, {@code CpuTimeProbe --layers 0.3}), every
     * step masked before, whole steps plus an overlapping last step after: mnist pool1 at
     * -XX:UseAVX=2 2.1 -> 0.8, cifar pool1 3.1 -> 0.9, pool2 0.8 -> 0.4 and 1.1 -> 0.5; at 128 bits
     * 2.8 -> 1.1 and 3.8 -> 1.5; at 512 bits 1.3-1.5 -> 0.9-1.1 (see docs/benchmarks.md).
     */
    private static void maxBackward2x2FullStep(float[] x, float[] dy, float[] dx, int at, int w, int grad) {
        FloatVector top = FloatVector.fromArray(SPECIES, x, at);
        FloatVector bottom = FloatVector.fromArray(SPECIES, x, at + w);
        FloatVector topPartner = top.rearrange(SWAP_PAIRS);
        FloatVector bottomPartner = bottom.rearrange(SWAP_PAIRS);
        FloatVector max = top.lanewise(VectorOperators.MAX, topPartner)
                .lanewise(VectorOperators.MAX, bottom.lanewise(VectorOperators.MAX, bottomPartner));
        VectorMask<Float> topHolds = top.compare(VectorOperators.EQ, max).or(top.compare(VectorOperators.NE, top));
        VectorMask<Float> topPartnerHolds = topPartner.compare(VectorOperators.EQ, max)
                .or(topPartner.compare(VectorOperators.NE, topPartner));
        VectorMask<Float> bottomHolds = bottom.compare(VectorOperators.EQ, max)
                .or(bottom.compare(VectorOperators.NE, bottom));
        VectorMask<Float> bottomPartnerHolds = bottomPartner.compare(VectorOperators.EQ, max)
                .or(bottomPartner.compare(VectorOperators.NE, bottomPartner));
        VectorMask<Float> topWins = topHolds.andNot(topPartnerHolds.andNot(LEFT_LANES));
        VectorMask<Float> bottomWins = bottomHolds.andNot(topHolds.or(topPartnerHolds))
                .andNot(bottomPartnerHolds.andNot(LEFT_LANES));
        FloatVector g = FloatVector.fromArray(SPECIES, dy, grad).rearrange(EACH_TWICE);
        FloatVector zero = FloatVector.zero(SPECIES);
        zero.blend(g, topWins).intoArray(dx, at);
        zero.blend(g, bottomWins).intoArray(dx, at + w);
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
     * added nor counted, unless the spec counts it (then the divisor is the whole window). Planes split over threads; per output pixel a scalar sum over the clipped
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
                y[yPlane + p * g.q() + q] = sum / s.avgDivisor((r1 - r0) * (c1 - c0));
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
                float share = dy[yPlane + p * g.q() + q] / s.avgDivisor((r1 - r0) * (c1 - c0));
                for (int r = r0; r < r1; r++) {
                    for (int i = xPlane + r * w + c0, rowEnd = xPlane + r * w + c1; i < rowEnd; i++) {
                        dx[i] += share;
                    }
                }
            }
        }
    }
}
