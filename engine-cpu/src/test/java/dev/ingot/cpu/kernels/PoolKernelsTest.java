package dev.ingot.cpu.kernels;

import dev.ingot.core.Shape;
import dev.ingot.core.spec.Pool2dGeometry;
import dev.ingot.core.spec.Pool2dSpec;
import dev.ingot.cpu.parallel.Parallel;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static dev.ingot.cpu.kernels.OpsAssert.ONE_THREAD;
import static dev.ingot.cpu.kernels.OpsAssert.TWO_THREADS;
import static dev.ingot.cpu.kernels.OpsAssert.assertBitsEqual;
import static dev.ingot.cpu.kernels.OpsAssert.assertClose;
import static dev.ingot.cpu.kernels.OpsAssert.uniform;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Pooling against plain window loops. Max pooling selects values, so forward and non-overlapping
 * backward must match bit for bit; overlapping backward adds in float where the loop adds in
 * double (atol 1e-6 for a few terms in [-2, 2]). Average pooling sums at most 25 terms in float and
 * divides: atol 2e-6.
 */
class PoolKernelsTest {

    /** (N, C, H, W, kernelH, kernelW, strideH, strideW, padH, padW). */
    private static final int[][] CASES = {
            // 2x2 stride 2: the vectorised path (row remainders, odd sizes left over, full vectors)
            {2, 3, 26, 26, 2, 2, 2, 2, 0, 0},
            {1, 1, 13, 13, 2, 2, 2, 2, 0, 0},
            {3, 2, 11, 11, 2, 2, 2, 2, 0, 0},
            {2, 3, 30, 30, 2, 2, 2, 2, 0, 0},
            {1, 2, 8, 100, 2, 2, 2, 2, 0, 0},
            {1, 1, 3, 37, 2, 2, 2, 2, 0, 0},
            {1, 1, 2, 64, 2, 2, 2, 2, 0, 0},
            {1, 1, 2, 2, 2, 2, 2, 2, 0, 0},
            {8, 16, 26, 26, 2, 2, 2, 2, 0, 0},
            // every other geometry: the window loop
            {2, 3, 7, 9, 3, 3, 1, 1, 1, 1},
            {2, 2, 9, 8, 3, 3, 2, 2, 1, 1},
            {1, 2, 6, 7, 2, 3, 1, 2, 1, 1},
            {1, 1, 11, 13, 5, 5, 3, 3, 2, 2},
            {1, 1, 3, 4, 1, 1, 1, 1, 0, 0},
            {2, 2, 5, 6, 2, 2, 1, 1, 0, 0},
            {1, 3, 7, 5, 3, 2, 2, 1, 1, 0},
            {1, 1, 5, 5, 2, 2, 2, 2, 1, 1},
            {1, 1, 8, 8, 2, 2, 3, 3, 0, 0},
            {8, 16, 26, 26, 3, 3, 2, 2, 1, 1},
    };

    private static Pool2dGeometry geometry(int[] c) {
        return Pool2dGeometry.of("test", Shape.of(c[0], c[1], c[2], c[3]), new Pool2dSpec(c[4], c[5], c[6], c[7], c[8], c[9]));
    }

    /** The window's real-pixel bounds {r0, r1, c0, c1} of output (p, q). */
    private static int[] window(Pool2dGeometry g, int p, int q) {
        Pool2dSpec s = g.spec();
        int top = p * s.strideH() - s.padH(), left = q * s.strideW() - s.padW();
        return new int[] {Math.max(0, top), Math.min(g.h(), top + s.kernelH()), Math.max(0, left), Math.min(g.w(), left + s.kernelW())};
    }

    /** The spec's winner: first maximum in row-major window order, a NaN beating any number. */
    private static int winner(Pool2dGeometry g, float[] x, int plane, int[] win) {
        int best = -1;
        for (int r = win[0]; r < win[1]; r++) {
            for (int c = win[2]; c < win[3]; c++) {
                int i = (plane * g.h() + r) * g.w() + c;
                if (best < 0 || x[i] > x[best] || (Float.isNaN(x[i]) && !Float.isNaN(x[best]))) {
                    best = i;
                }
            }
        }
        return best;
    }

    private static float[] referenceMaxForward(Pool2dGeometry g, float[] x) {
        float[] y = new float[(int) g.outputShape().size()];
        for (int plane = 0; plane < g.n() * g.c(); plane++) {
            for (int p = 0; p < g.p(); p++) {
                for (int q = 0; q < g.q(); q++) {
                    y[(plane * g.p() + p) * g.q() + q] = x[winner(g, x, plane, window(g, p, q))];
                }
            }
        }
        return y;
    }

    private static double[] referenceMaxBackward(Pool2dGeometry g, float[] x, float[] dy) {
        double[] dx = new double[x.length];
        for (int plane = 0; plane < g.n() * g.c(); plane++) {
            for (int p = 0; p < g.p(); p++) {
                for (int q = 0; q < g.q(); q++) {
                    dx[winner(g, x, plane, window(g, p, q))] += dy[(plane * g.p() + p) * g.q() + q];
                }
            }
        }
        return dx;
    }

    private static void checkMax(String what, Parallel parallel, Pool2dGeometry g, float[] x) {
        float[] y = new float[(int) g.outputShape().size()];
        PoolKernels.maxForward(parallel, g, x, y);
        assertBitsEqual("maxForward " + what, y, referenceMaxForward(g, x));
        float[] dy = uniform(y.length + 5, y.length);
        float[] dx = new float[x.length];
        Arrays.fill(dx, Float.NaN);  // every element must be overwritten
        PoolKernels.maxBackward(parallel, g, x, y, dy, dx);
        boolean overlapping = g.spec().kernelH() > g.spec().strideH() || g.spec().kernelW() > g.spec().strideW();
        assertClose("maxBackward " + what, dx, referenceMaxBackward(g, x, dy), overlapping ? 1e-6 : 0, 0);
    }

    private static String describe(Pool2dGeometry g, Parallel parallel) {
        return g.inputShape() + " " + g.spec() + ", " + parallel.threads() + " threads";
    }

    @Test
    void maxPoolingMatchesWindowLoops() {
        for (Parallel parallel : new Parallel[] {ONE_THREAD, TWO_THREADS}) {
            for (int[] c : CASES) {
                Pool2dGeometry g = geometry(c);
                float[] x = uniform(Arrays.hashCode(c), (int) g.inputShape().size());
                checkMax(describe(g, parallel), parallel, g, x);
            }
        }
    }

    /** Inputs from {0, 1, 2}: most windows hold ties, which must go to the first maximum. */
    @Test
    void maxPoolingTiesGoToTheFirstMaximum() {
        for (Parallel parallel : new Parallel[] {ONE_THREAD, TWO_THREADS}) {
            for (int[] c : CASES) {
                Pool2dGeometry g = geometry(c);
                float[] x = uniform(Arrays.hashCode(c) + 1, (int) g.inputShape().size(), 0, 3);
                for (int i = 0; i < x.length; i++) {
                    x[i] = (float) Math.floor(x[i]);
                }
                checkMax("ties " + describe(g, parallel), parallel, g, x);
                Arrays.fill(x, 1.5f);
                checkMax("constant " + describe(g, parallel), parallel, g, x);
            }
        }
    }

    @Test
    void twoByTwoTieRoutesToTopRight() {
        Pool2dGeometry g = geometry(new int[] {1, 1, 2, 2, 2, 2, 2, 2, 0, 0});
        float[] x = {1, 3, 3, 3};
        float[] dx = new float[4];
        PoolKernels.maxBackward(ONE_THREAD, g, x, new float[1], new float[] {5f}, dx);
        assertBitsEqual("2x2 tie", dx, new float[] {0, 5, 0, 0});
    }

    /** A NaN is never hidden: it is the window's max, and its window's gradient goes to it. */
    @Test
    void nanWinsItsWindow() {
        for (int[] c : new int[][] {{1, 1, 4, 34, 2, 2, 2, 2, 0, 0}, {1, 1, 4, 34, 3, 3, 1, 1, 1, 1}}) {
            Pool2dGeometry g = geometry(c);
            float[] x = uniform(3, (int) g.inputShape().size());
            x[1] = Float.NaN;              // row 0, column 1: first window's top-right
            x[34 + 33] = Float.NaN;        // row 1, last column (in the 2x2 remainder)
            float[] y = new float[(int) g.outputShape().size()];
            PoolKernels.maxForward(ONE_THREAD, g, x, y);
            assertTrue(Float.isNaN(y[0]), "NaN is the max of window (0, 0) " + g.spec());
            checkMax("NaN " + g.spec(), ONE_THREAD, g, x);
        }
    }

    @Test
    void averagePoolingCountsOnlyRealPixels() {
        for (Parallel parallel : new Parallel[] {ONE_THREAD, TWO_THREADS}) {
            for (int[] c : CASES) {
                Pool2dGeometry g = geometry(c);
                float[] x = uniform(Arrays.hashCode(c) + 2, (int) g.inputShape().size());
                double[] want = new double[(int) g.outputShape().size()];
                float[] dy = uniform(Arrays.hashCode(c) + 3, want.length);
                double[] wantDx = new double[x.length];
                for (int plane = 0; plane < g.n() * g.c(); plane++) {
                    for (int p = 0; p < g.p(); p++) {
                        for (int q = 0; q < g.q(); q++) {
                            int[] win = window(g, p, q);
                            int count = (win[1] - win[0]) * (win[3] - win[2]);
                            int out = (plane * g.p() + p) * g.q() + q;
                            for (int r = win[0]; r < win[1]; r++) {
                                for (int col = win[2]; col < win[3]; col++) {
                                    int i = (plane * g.h() + r) * g.w() + col;
                                    want[out] += x[i] / (double) count;
                                    wantDx[i] += dy[out] / (double) count;
                                }
                            }
                        }
                    }
                }
                String what = describe(g, parallel);
                float[] y = new float[want.length];
                PoolKernels.avgForward(parallel, g, x, y);
                assertClose("avgForward " + what, y, want, 2e-6, 0);
                float[] dx = new float[x.length];
                Arrays.fill(dx, Float.NaN);
                PoolKernels.avgBackward(parallel, g, dy, dx);
                assertClose("avgBackward " + what, dx, wantDx, 2e-6, 0);
            }
        }
    }

    @Test
    void averageOfAPaddedCornerDividesByRealPixels() {
        // 3x3 window, padding 1: the corner window holds 4 real pixels, the edge windows 6, the middle 9
        Pool2dGeometry g = geometry(new int[] {1, 1, 3, 3, 3, 3, 1, 1, 1, 1});
        float[] x = new float[9];
        Arrays.fill(x, 6f);
        float[] y = new float[9];
        PoolKernels.avgForward(ONE_THREAD, g, x, y);
        for (float v : y) {
            assertEquals(6f, v, "padding is not averaged in");
        }
        float[] dx = new float[9];
        float[] dy = new float[9];
        dy[0] = 12f;  // the corner window: 4 real pixels
        PoolKernels.avgBackward(ONE_THREAD, g, dy, dx);
        assertBitsEqual("corner spreads over its 4 real pixels", dx, new float[] {3, 3, 0, 3, 3, 0, 0, 0, 0});
    }

    /**
     * Once C2 has compiled them, the 2x2 kernels allocate nothing per plane or step (a boxed vector
     * would), and the compiled code gives the interpreter's bits. Rows of 13 and 5 windows: whole
     * steps, the overlapping last step and the masked step at every width.
     */
    @Test
    void twoByTwoAllocatesNothingOnceCompiled() {
        for (int[] c : new int[][] {{1, 8, 26, 26, 2, 2, 2, 2, 0, 0}, {1, 8, 11, 11, 2, 2, 2, 2, 0, 0}}) {
            Pool2dGeometry g = geometry(c);
            float[] x = uniform(Arrays.hashCode(c), (int) g.inputShape().size());
            float[] dy = uniform(7, (int) g.outputShape().size());
            float[] y0 = new float[dy.length], dx0 = new float[x.length];
            PoolKernels.maxForward(ONE_THREAD, g, x, y0);
            PoolKernels.maxBackward(ONE_THREAD, g, x, y0, dy, dx0);
            float[] y = new float[dy.length], dx = new float[x.length];
            double bytes = AllocationProbe.bytesPerCall(() -> {
                PoolKernels.maxForward(ONE_THREAD, g, x, y);
                PoolKernels.maxBackward(ONE_THREAD, g, x, y, dy, dx);
            }, 20_000, 1000, 256);
            assertBitsEqual("maxForward after JIT compilation " + g.spec(), y, y0);
            assertBitsEqual("maxBackward after JIT compilation " + g.spec(), dx, dx0);
            assertTrue(bytes < 256, "2x2 max pooling of " + g.inputShape() + " allocates " + bytes + " bytes per call");
        }
    }
}
