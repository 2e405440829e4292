package dev.ingot.cpu.kernels;

import dev.ingot.cpu.parallel.Parallel;
import org.junit.jupiter.api.Test;

import static dev.ingot.cpu.kernels.OpsAssert.ONE_THREAD;
import static dev.ingot.cpu.kernels.OpsAssert.TWO_THREADS;
import static dev.ingot.cpu.kernels.OpsAssert.assertBitsEqual;
import static dev.ingot.cpu.kernels.OpsAssert.assertClose;
import static dev.ingot.cpu.kernels.OpsAssert.uniform;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Softmax and log-softmax against double-precision loops.
 *
 * <p>Tolerances: each exp is within 1.5 ulp; a row sum of C positive terms in float lanes is within
 * about (C/L + log2 L) ulp relative; the division or log adds one more. For C up to 1000 that is
 * under 2e-5 relative; probabilities are compared with rtol 2e-5 plus atol 1e-7 (tiny terms), and
 * log-probabilities with atol 2e-5 (an absolute error in log is a relative error in p).
 */
class SoftmaxKernelsTest {
    private static final int[][] SHAPES = {{1, 1}, {1, 10}, {3, 15}, {5, 16}, {2, 17}, {64, 10}, {7, 1000}, {40, 2500}};

    private static double[][] reference(float[] x, int rows, int cols) {
        double[] p = new double[rows * cols], logp = new double[rows * cols];
        for (int r = 0; r < rows; r++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < cols; j++) {
                max = Math.max(max, x[r * cols + j]);
            }
            double sum = 0;
            for (int j = 0; j < cols; j++) {
                sum += Math.exp(x[r * cols + j] - max);
            }
            for (int j = 0; j < cols; j++) {
                p[r * cols + j] = Math.exp(x[r * cols + j] - max) / sum;
                logp[r * cols + j] = x[r * cols + j] - max - Math.log(sum);
            }
        }
        return new double[][] {p, logp};
    }

    @Test
    void forwardMatchesDoubleLoops() {
        for (Parallel parallel : new Parallel[] {ONE_THREAD, TWO_THREADS}) {
            for (int[] s : SHAPES) {
                int rows = s[0], cols = s[1], n = rows * cols;
                float[] x = uniform(n + cols, n, -8, 8);
                double[][] want = reference(x, rows, cols);
                float[] y = new float[n];
                String where = rows + "x" + cols + ", " + parallel.threads() + " threads";
                SoftmaxKernels.softmaxForward(parallel, x, y, rows, cols);
                assertClose("softmax " + where, y, want[0], 1e-7, 2e-5);
                SoftmaxKernels.logSoftmaxForward(parallel, x, y, rows, cols);
                assertClose("logSoftmax " + where, y, want[1], 2e-5, 1e-6);
                float[] inPlace = x.clone();
                SoftmaxKernels.softmaxForward(parallel, inPlace, inPlace, rows, cols);
                assertClose("softmax in place " + where, inPlace, want[0], 1e-7, 2e-5);
                inPlace = x.clone();
                SoftmaxKernels.logSoftmaxForward(parallel, inPlace, inPlace, rows, cols);
                assertClose("logSoftmax in place " + where, inPlace, want[1], 2e-5, 1e-6);
            }
        }
    }

    /** Logits far beyond exp's range: the max subtraction keeps everything finite. */
    @Test
    void hugeLogitsDoNotOverflow() {
        float[] x = {1000f, 999f, -1000f, 0f, 3e38f, -3e38f, 3e38f, 0f};
        double[][] want = reference(x, 2, 4);
        float[] y = new float[8];
        SoftmaxKernels.softmaxForward(ONE_THREAD, x, y, 2, 4);
        assertClose("softmax of huge logits", y, want[0], 1e-7, 2e-5);
        assertEquals(0.5f, y[4], 1e-7f);
        SoftmaxKernels.logSoftmaxForward(ONE_THREAD, x, y, 2, 4);
        assertClose("logSoftmax of huge logits", new float[] {y[0], y[1], y[3]},
                new double[] {want[1][0], want[1][1], want[1][3]}, 2e-5, 1e-6);
        assertTrue(y[2] < -1999f && Float.isFinite(y[2]), "log-probability of a far smaller logit is finite: " + y[2]);
    }

    /**
     * Backward passes against the formulas in double. The dot product (or sum) over a row carries
     * the same (C/L + log2 L) ulp bound as the forward sum; dx is compared with atol 1e-6 (its
     * terms are products of values in [-2, 2] and probabilities) and rtol 2e-5.
     */
    @Test
    void backwardMatchesDoubleLoops() {
        for (Parallel parallel : new Parallel[] {ONE_THREAD, TWO_THREADS}) {
            for (int[] s : SHAPES) {
                int rows = s[0], cols = s[1], n = rows * cols;
                float[] x = uniform(n + 1, n, -4, 4);
                float[] dy = uniform(n + 2, n);
                float[] y = new float[n], logy = new float[n];
                SoftmaxKernels.softmaxForward(parallel, x, y, rows, cols);
                SoftmaxKernels.logSoftmaxForward(parallel, x, logy, rows, cols);
                double[] wantSoftmax = new double[n], wantLog = new double[n];
                for (int r = 0; r < rows; r++) {
                    double dot = 0, sum = 0;
                    for (int j = 0; j < cols; j++) {
                        dot += (double) dy[r * cols + j] * y[r * cols + j];
                        sum += dy[r * cols + j];
                    }
                    for (int j = 0; j < cols; j++) {
                        int i = r * cols + j;
                        wantSoftmax[i] = y[i] * (dy[i] - dot);
                        wantLog[i] = dy[i] - Math.exp(logy[i]) * sum;
                    }
                }
                String where = rows + "x" + cols + ", " + parallel.threads() + " threads";
                float[] dx = new float[n];
                SoftmaxKernels.softmaxBackward(parallel, y, dy, dx, rows, cols);
                assertClose("softmaxBackward " + where, dx, wantSoftmax, 1e-6, 2e-5);
                SoftmaxKernels.logSoftmaxBackward(parallel, logy, dy, dx, rows, cols);
                assertClose("logSoftmaxBackward " + where, dx, wantLog, 1e-6 * Math.max(1, cols / 16.0), 2e-5);
                float[] inPlace = dy.clone();
                SoftmaxKernels.softmaxBackward(parallel, y, inPlace, inPlace, rows, cols);
                assertClose("softmaxBackward in place " + where, inPlace, wantSoftmax, 1e-6, 2e-5);
                inPlace = dy.clone();
                SoftmaxKernels.logSoftmaxBackward(parallel, logy, inPlace, inPlace, rows, cols);
                assertClose("logSoftmaxBackward in place " + where, inPlace, wantLog, 1e-6 * Math.max(1, cols / 16.0), 2e-5);
            }
        }
    }

    /** Rows never split, and each row's sums have a fixed order: 1 and 2 threads agree bit for bit. */
    @Test
    void resultsDoNotDependOnTheThreadCount() {
        int rows = 300, cols = 517, n = rows * cols;
        float[] x = uniform(99, n, -8, 8), dy = uniform(98, n);
        float[] one = new float[n], two = new float[n];
        SoftmaxKernels.softmaxForward(ONE_THREAD, x, one, rows, cols);
        SoftmaxKernels.softmaxForward(TWO_THREADS, x, two, rows, cols);
        assertBitsEqual("softmax", two, one);
        float[] dxOne = new float[n], dxTwo = new float[n];
        SoftmaxKernels.softmaxBackward(ONE_THREAD, one, dy, dxOne, rows, cols);
        SoftmaxKernels.softmaxBackward(TWO_THREADS, one, dy, dxTwo, rows, cols);
        assertBitsEqual("softmaxBackward", dxTwo, dxOne);
    }
}
