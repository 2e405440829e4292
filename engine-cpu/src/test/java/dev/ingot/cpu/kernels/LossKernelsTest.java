package dev.ingot.cpu.kernels;

import dev.ingot.cpu.parallel.Parallel;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static dev.ingot.cpu.kernels.OpsAssert.ONE_THREAD;
import static dev.ingot.cpu.kernels.OpsAssert.TWO_THREADS;
import static dev.ingot.cpu.kernels.OpsAssert.assertBitsEqual;
import static dev.ingot.cpu.kernels.OpsAssert.assertClose;
import static dev.ingot.cpu.kernels.OpsAssert.uniform;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Softmax cross-entropy against a double loop.
 *
 * <p>Tolerances: a row's loss is log(sum) - (x_label - max) with the float row sum within about
 * (C/L + log2 L) ulp, so the mean loss is within 1e-5 relative (plus 1e-6 absolute for a loss
 * near 0). Gradients are (p - onehot) / N with p as accurate as softmax's (2e-5 relative), so they
 * are compared with rtol 2e-5 and atol 1e-7 / N.
 */
class LossKernelsTest {

    private static int[] labels(long seed, int rows, int cols) {
        int[] labels = new int[rows];
        for (int r = 0; r < rows; r++) {
            labels[r] = (int) ((r * 2654435761L + seed) % cols);
        }
        return labels;
    }

    @Test
    void lossAndGradientMatchDoubleLoop() {
        int[][] shapes = {{1, 1}, {1, 10}, {32, 10}, {64, 10}, {65, 10}, {3, 17}, {5, 1000}, {5000, 10}};
        for (Parallel parallel : new Parallel[] {ONE_THREAD, TWO_THREADS}) {
            for (int[] s : shapes) {
                int rows = s[0], cols = s[1], n = rows * cols;
                float[] logits = uniform(n, n, -6, 6);
                int[] labels = labels(n, rows, cols);
                double loss = 0;
                double[] grad = new double[n];
                for (int r = 0; r < rows; r++) {
                    double max = Double.NEGATIVE_INFINITY, sum = 0;
                    for (int j = 0; j < cols; j++) {
                        max = Math.max(max, logits[r * cols + j]);
                    }
                    for (int j = 0; j < cols; j++) {
                        sum += Math.exp(logits[r * cols + j] - max);
                    }
                    loss += Math.log(sum) - (logits[r * cols + labels[r]] - max);
                    for (int j = 0; j < cols; j++) {
                        double p = Math.exp(logits[r * cols + j] - max) / sum;
                        grad[r * cols + j] = (p - (j == labels[r] ? 1 : 0)) / rows;
                    }
                }
                loss /= rows;
                String where = rows + "x" + cols + ", " + parallel.threads() + " threads";
                float[] got = new float[n];
                float lossWithGrad = LossKernels.softmaxCrossEntropy(parallel, logits, labels, rows, cols, got);
                assertEquals(loss, lossWithGrad, 1e-6 + 1e-5 * loss, "loss " + where);
                assertClose("gradient " + where, got, grad, 1e-7 / rows, 2e-5);
                float lossOnly = LossKernels.softmaxCrossEntropy(parallel, logits, labels, rows, cols, null);
                assertEquals(Float.floatToRawIntBits(lossWithGrad), Float.floatToRawIntBits(lossOnly),
                        "the loss does not depend on whether a gradient is written, " + where);
            }
        }
    }

    /** Confident, correct rows: the loss is tiny but must not round to garbage or go negative. */
    @Test
    void nearZeroLossStaysAccurate() {
        float[] logits = {30f, 0f, 0f, 0f, -5f, 25f, 0f, 0f};
        double want = (Math.log(1 + 3 * Math.exp(-30)) + Math.log(1 + Math.exp(-30) + 2 * Math.exp(-25))) / 2;
        float loss = LossKernels.softmaxCrossEntropy(ONE_THREAD, logits, new int[] {0, 1}, 2, 4, null);
        assertEquals(want, loss, 1e-5 * want);
    }

    /** Rows are summed in fixed blocks: the loss is the same bits on 1 and 2 threads, and so is the gradient. */
    @Test
    void lossDoesNotDependOnTheThreadCount() {
        int rows = 100003, cols = 10, n = rows * cols;
        float[] logits = uniform(4, n, -6, 6);
        int[] labels = labels(4, rows, cols);
        float[] gradOne = new float[n], gradTwo = new float[n];
        float one = LossKernels.softmaxCrossEntropy(ONE_THREAD, logits, labels, rows, cols, gradOne);
        float two = LossKernels.softmaxCrossEntropy(TWO_THREADS, logits, labels, rows, cols, gradTwo);
        assertEquals(Float.floatToRawIntBits(one), Float.floatToRawIntBits(two), "loss on 1 vs 2 threads: " + one + " vs " + two);
        assertBitsEqual("gradient on 1 vs 2 threads", gradTwo, gradOne);
    }

    /** A bad label is reported with its row, before anything is written. */
    @Test
    void labelOutOfRangeThrowsBeforeWriting() {
        int rows = 4, cols = 3;
        float[] logits = uniform(1, rows * cols);
        float[] grad = new float[rows * cols];
        Arrays.fill(grad, 42f);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LossKernels.softmaxCrossEntropy(ONE_THREAD, logits, new int[] {0, 2, 1, 3}, rows, cols, grad));
        assertEquals("softmaxCrossEntropy: 'labels' has 3 at row 3, expected a class index in [0, 3)", e.getMessage());
        float[] untouched = new float[rows * cols];
        Arrays.fill(untouched, 42f);
        assertArrayEquals(untouched, grad, "gradient untouched");
        e = assertThrows(IllegalArgumentException.class,
                () -> LossKernels.softmaxCrossEntropy(ONE_THREAD, logits, new int[] {0, -2, 1, 0}, rows, cols, grad));
        assertEquals("softmaxCrossEntropy: 'labels' has -2 at row 1, expected a class index in [0, 3)", e.getMessage());
        assertArrayEquals(untouched, grad, "gradient untouched");
    }
}
