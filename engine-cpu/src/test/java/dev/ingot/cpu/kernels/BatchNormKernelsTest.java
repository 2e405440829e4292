package dev.ingot.cpu.kernels;

import org.junit.jupiter.api.Test;

import static dev.ingot.cpu.kernels.OpsAssert.ONE_THREAD;
import static dev.ingot.cpu.kernels.OpsAssert.TWO_THREADS;
import static dev.ingot.cpu.kernels.OpsAssert.assertBitsEqual;
import static dev.ingot.cpu.kernels.OpsAssert.assertClose;
import static dev.ingot.cpu.kernels.OpsAssert.uniform;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * BatchNormKernels against the plain loops of the formulas in double (written out here), on plane
 * sizes around the vector width (1x1, 15, 16, 17 and 32x32 elements), on one and two threads (bit
 * for bit the same), with a large mean (the shifted sums must not cancel), and without garbage.
 */
class BatchNormKernelsTest {
    private static final float EPS = 1e-5f, MOMENTUM = 0.1f;
    private static final int[][] SHAPES = {{2, 3, 1}, {3, 2, 15}, {2, 4, 16}, {4, 3, 17}, {5, 7, 1024}, {1, 2, 33}};

    /** Plain loops: mean, biased var, y, running stats, saved mean and 1/std, per channel. */
    private static double[][] reference(float[] x, float[] g, float[] b, float[] rm, float[] rv, int n, int c, int hw) {
        double[] y = new double[x.length], rmOut = new double[c], rvOut = new double[c], mean = new double[c],
                inv = new double[c];
        double m = (double) n * hw;
        for (int ch = 0; ch < c; ch++) {
            double s = 0;
            for (int img = 0; img < n; img++) {
                for (int e = 0; e < hw; e++) {
                    s += x[(img * c + ch) * hw + e];
                }
            }
            mean[ch] = s / m;
            double q = 0;
            for (int img = 0; img < n; img++) {
                for (int e = 0; e < hw; e++) {
                    double d = x[(img * c + ch) * hw + e] - mean[ch];
                    q += d * d;
                }
            }
            double var = q / m;
            inv[ch] = 1 / Math.sqrt(var + EPS);
            for (int img = 0; img < n; img++) {
                for (int e = 0; e < hw; e++) {
                    int i = (img * c + ch) * hw + e;
                    y[i] = g[ch] * (x[i] - mean[ch]) * inv[ch] + b[ch];
                }
            }
            rmOut[ch] = (1 - MOMENTUM) * rm[ch] + MOMENTUM * mean[ch];
            rvOut[ch] = (1 - MOMENTUM) * rv[ch] + MOMENTUM * var * m / (m - 1);
        }
        return new double[][] {y, rmOut, rvOut, mean, inv};
    }

    private record Forward(float[] y, float[] rm, float[] rv, float[] mean, float[] inv) {
    }

    private static Forward forward(dev.ingot.cpu.parallel.Parallel p, float[] x, float[] g, float[] b, float[] rm0,
                                   float[] rv0, int n, int c, int hw) {
        float[] y = new float[x.length], rm = rm0.clone(), rv = rv0.clone(), mean = new float[c], inv = new float[c];
        BatchNormKernels.forwardTraining(p, x, g, b, EPS, MOMENTUM, rm, rv, y, mean, inv, n, c, hw);
        return new Forward(y, rm, rv, mean, inv);
    }

    @Test
    void forwardTrainingMatchesPlainLoopsOnEveryPlaneSize() {
        for (int[] s : SHAPES) {
            int n = s[0], c = s[1], hw = s[2];
            for (double offset : new double[] {0, 1e3}) {
                String what = "n=" + n + " c=" + c + " hw=" + hw + " mean offset " + offset;
                float[] x = uniform(hw * 31L + n, n * c * hw, offset - 2, offset + 2);
                float[] g = uniform(5, c, 0.5, 1.5), b = uniform(6, c, -1, 1);
                float[] rm = uniform(7, c, -1, 1), rv = uniform(8, c, 0.5, 2);
                double[][] want = reference(x, g, b, rm, rv, n, c, hw);
                Forward one = forward(ONE_THREAD, x, g, b, rm, rv, n, c, hw);
                Forward two = forward(TWO_THREADS, x, g, b, rm, rv, n, c, hw);
                // y: float rounding of x - mean (relative to |x| ~ offset) times 1/std (~1.7 here)
                double yAbs = 16 * 0x1p-24 * (offset + 3) * 2;
                assertClose("y " + what, one.y(), want[0], yAbs, 8 * 0x1p-24);
                assertClose("runningMean " + what, one.rm(), want[1], 4 * 0x1p-24 * (offset + 1), 4 * 0x1p-24);
                assertClose("runningVar " + what, one.rv(), want[2], 0, offset == 0 ? 1e-5 : 1e-3);
                assertClose("saveMean " + what, one.mean(), want[3], 4 * 0x1p-24 * (offset + 1), 2 * 0x1p-24);
                assertClose("saveInvStd " + what, one.inv(), want[4], 0, offset == 0 ? 1e-5 : 1e-3);
                assertBitsEqual("y one vs two threads " + what, two.y(), one.y());
                assertBitsEqual("runningVar one vs two threads " + what, two.rv(), one.rv());
                assertBitsEqual("saveInvStd one vs two threads " + what, two.inv(), one.inv());
            }
        }
    }

    /**
     * Mean 1e4, standard deviation 1: the textbook {@code E[x^2] - E[x]^2} in float would lose every
     * digit of the variance (1e8 against 1); the shifted sums keep it to 1e-4.
     */
    @Test
    void largeMeanDoesNotCancelTheVariance() {
        int n = 8, c = 2, hw = 64;
        float[] x = uniform(11, n * c * hw, 1e4 - 1.7320508, 1e4 + 1.7320508);   // variance ~1
        float[] g = {1, 1}, b = {0, 0}, rm = {0, 0}, rv = {1, 1};
        double[][] want = reference(x, g, b, rm, rv, n, c, hw);
        Forward got = forward(ONE_THREAD, x, g, b, rm, rv, n, c, hw);
        assertClose("saveInvStd with mean 1e4", got.inv(), want[4], 0, 1e-4);
    }

    @Test
    void inferenceMatchesPlainLoopsAndMayRunInPlace() {
        for (int[] s : SHAPES) {
            int n = s[0], c = s[1], hw = s[2];
            float[] x = uniform(hw + 3L, n * c * hw, -3, 3);
            float[] g = uniform(5, c, 0.5, 1.5), b = uniform(6, c, -1, 1);
            float[] rm = uniform(7, c, -1, 1), rv = uniform(8, c, 0.5, 2);
            double[] want = new double[x.length];
            for (int i = 0; i < x.length; i++) {
                int ch = (i / hw) % c;
                want[i] = g[ch] * (x[i] - rm[ch]) / Math.sqrt(rv[ch] + (double) EPS) + b[ch];
            }
            float[] y = new float[x.length];
            BatchNormKernels.forwardInference(TWO_THREADS, x, g, b, rm, rv, EPS, y, n, c, hw);
            assertClose("inference y " + n + "x" + c + "x" + hw, y, want, 1e-6, 8 * 0x1p-24);
            float[] inPlace = x.clone();
            BatchNormKernels.forwardInference(ONE_THREAD, inPlace, g, b, rm, rv, EPS, inPlace, n, c, hw);
            assertBitsEqual("inference in place", inPlace, y);
        }
    }

    @Test
    void backwardMatchesPlainLoops() {
        for (int[] s : SHAPES) {
            int n = s[0], c = s[1], hw = s[2];
            String what = "n=" + n + " c=" + c + " hw=" + hw;
            float[] x = uniform(hw * 7L, n * c * hw, -2, 3), dy = uniform(hw * 13L, x.length, -1, 1);
            float[] g = uniform(5, c, 0.5, 1.5);
            Forward f = forward(ONE_THREAD, x, g, new float[c], new float[c], new float[c], n, c, hw);
            double m = (double) n * hw;
            double[] dbeta = new double[c], dgamma = new double[c], dxAbs = new double[x.length];
            double[] dx = new double[x.length];
            for (int ch = 0; ch < c; ch++) {
                for (int img = 0; img < n; img++) {
                    for (int e = 0; e < hw; e++) {
                        int i = (img * c + ch) * hw + e;
                        double xhat = ((double) x[i] - f.mean()[ch]) * f.inv()[ch];
                        dbeta[ch] += dy[i];
                        dgamma[ch] += dy[i] * xhat;
                    }
                }
                for (int img = 0; img < n; img++) {
                    for (int e = 0; e < hw; e++) {
                        int i = (img * c + ch) * hw + e;
                        double xhat = ((double) x[i] - f.mean()[ch]) * f.inv()[ch];
                        double k = g[ch] * f.inv()[ch] / m;
                        dx[i] = k * (m * dy[i] - dbeta[ch] - xhat * dgamma[ch]);
                        dxAbs[i] = k * (m * Math.abs(dy[i]) + Math.abs(dbeta[ch]) + Math.abs(xhat * dgamma[ch]));
                    }
                }
            }
            float[] gotDx = new float[x.length], gotDg = new float[c], gotDb = new float[c];
            BatchNormKernels.backward(ONE_THREAD, x, dy, g, f.mean(), f.inv(), gotDx, gotDg, gotDb, n, c, hw);
            double sumTol = 8 * Math.sqrt(m) * 0x1p-24;
            assertClose("dbeta " + what, gotDb, dbeta, sumTol * m, 0);
            assertClose("dgamma " + what, gotDg, dgamma, sumTol * m * 3, 0);
            double worst = 0;
            for (int i = 0; i < dx.length; i++) {
                worst = Math.max(worst, Math.abs(gotDx[i] - dx[i]) / (dxAbs[i] * 0x1p-24));
            }
            assertTrue(worst < 16 * Math.sqrt(m), what + ": dx error " + worst + " u of its terms");
            float[] two = new float[x.length], twoDg = new float[c], twoDb = new float[c];
            BatchNormKernels.backward(TWO_THREADS, x, dy, g, f.mean(), f.inv(), two, twoDg, twoDb, n, c, hw);
            assertBitsEqual("dx one vs two threads " + what, two, gotDx);
            assertBitsEqual("dgamma one vs two threads " + what, twoDg, gotDg);
            float[] noDx = new float[c], noDb = new float[c];
            BatchNormKernels.backward(ONE_THREAD, x, dy, g, f.mean(), f.inv(), null, noDx, noDb, n, c, hw);
            assertBitsEqual("dgamma without dx " + what, noDx, gotDg);
        }
    }

    @Test
    void sameBitsBeforeAndAfterCompilationAndNoGarbage() {
        int n = 4, c = 3, hw = 37;
        float[] x = uniform(3, n * c * hw, -2, 2), dy = uniform(4, x.length, -1, 1);
        float[] g = {1, 2, 3}, b = {0, 1, 2};
        Forward first = forward(ONE_THREAD, x, g, b, new float[c], new float[c], n, c, hw);
        float[] y = new float[x.length], rm = new float[c], rv = new float[c], mean = new float[c], inv = new float[c];
        float[] dx = new float[x.length], dg = new float[c], db = new float[c];
        double bytes = AllocationProbe.bytesPerCall(() -> {
            BatchNormKernels.forwardTraining(ONE_THREAD, x, g, b, EPS, MOMENTUM, rm, rv, y, mean, inv, n, c, hw);
            BatchNormKernels.backward(ONE_THREAD, x, dy, g, mean, inv, dx, dg, db, n, c, hw);
        }, 30_000, 1000, 512);
        assertBitsEqual("y after JIT compilation", y, first.y());
        assertBitsEqual("saveInvStd after JIT compilation", inv, first.inv());
        // the per-call scratch (two float[2]) and range lambdas, not boxed vectors (kilobytes per call)
        assertTrue(bytes < 512, "forward + backward allocate " + bytes + " bytes per call");
    }
}
