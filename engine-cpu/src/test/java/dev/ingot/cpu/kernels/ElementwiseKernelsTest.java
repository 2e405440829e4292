package dev.ingot.cpu.kernels;

import dev.ingot.cpu.parallel.Parallel;
import org.junit.jupiter.api.Test;

import static dev.ingot.cpu.kernels.OpsAssert.LENGTHS;
import static dev.ingot.cpu.kernels.OpsAssert.ONE_THREAD;
import static dev.ingot.cpu.kernels.OpsAssert.TWO_THREADS;
import static dev.ingot.cpu.kernels.OpsAssert.assertBitsEqual;
import static dev.ingot.cpu.kernels.OpsAssert.assertClose;
import static dev.ingot.cpu.kernels.OpsAssert.uniform;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ElementwiseKernelsTest {
    private static final Parallel[] BOTH = {ONE_THREAD, TWO_THREADS};

    /**
     * A single float add or multiply is correctly rounded, and so is the double result of two
     * floats rounded to float, so add, multiply and scale must equal the double loop bit for bit.
     */
    @Test
    void addMultiplyScaleAreExact() {
        for (Parallel parallel : BOTH) {
            for (int n : LENGTHS) {
                float[] a = uniform(n, n), b = uniform(n + 7, n);
                float[] sum = new float[n], product = new float[n], scaled = new float[n];
                float[] wantSum = new float[n], wantProduct = new float[n], wantScaled = new float[n];
                for (int i = 0; i < n; i++) {
                    wantSum[i] = (float) ((double) a[i] + b[i]);
                    wantProduct[i] = (float) ((double) a[i] * b[i]);
                    wantScaled[i] = (float) (-0.37f * (double) a[i]);
                }
                String where = " n=" + n + ", " + parallel.threads() + " threads";
                ElementwiseKernels.add(parallel, a, b, sum, n);
                assertBitsEqual("add" + where, sum, wantSum);
                ElementwiseKernels.multiply(parallel, a, b, product, n);
                assertBitsEqual("multiply" + where, product, wantProduct);
                ElementwiseKernels.scale(parallel, a, -0.37f, scaled, n);
                assertBitsEqual("scale" + where, scaled, wantScaled);
                ElementwiseKernels.add(parallel, a, b, a, n);
                assertBitsEqual("add in place" + where, a, wantSum);
            }
        }
    }

    /**
     * axpy is one fused multiply-add: the exact y + alpha*x rounded once. The double loop rounds
     * twice (to double, then float), so it may differ by one float ulp in rare halfway cases.
     */
    @Test
    void axpyIsOneRoundingOfTheExactValue() {
        for (Parallel parallel : BOTH) {
            for (int n : LENGTHS) {
                float[] x = uniform(n, n), y = uniform(n + 3, n);
                double[] want = new double[n];
                for (int i = 0; i < n; i++) {
                    want[i] = y[i] + (double) 1.7f * x[i];
                }
                ElementwiseKernels.axpy(parallel, 1.7f, x, y, n);
                assertClose("axpy n=" + n, y, want, 0, 0x1p-23);
            }
        }
    }

    @Test
    void biasAddOnDenseRowsAndConvolutionPlanes() {
        int[][] shapes = {{1, 1, 1}, {3, 17, 1}, {64, 128, 1}, {2, 3, 1}, {2, 5, 9}, {3, 16, 17}, {64, 32, 676}};
        for (Parallel parallel : BOTH) {
            for (int[] s : shapes) {
                int batch = s[0], channels = s[1], inner = s[2];
                int n = batch * channels * inner;
                float[] x = uniform(n, n), bias = uniform(channels, channels);
                float[] want = new float[n];
                for (int b = 0; b < batch; b++) {
                    for (int c = 0; c < channels; c++) {
                        for (int i = 0; i < inner; i++) {
                            int at = (b * channels + c) * inner + i;
                            want[at] = x[at] + bias[c];
                        }
                    }
                }
                float[] out = new float[n];
                ElementwiseKernels.biasAdd(parallel, x, bias, out, batch, channels, inner);
                assertBitsEqual("biasAdd " + batch + "x" + channels + "x" + inner, out, want);
                ElementwiseKernels.biasAdd(parallel, x, bias, x, batch, channels, inner);
                assertBitsEqual("biasAdd in place " + batch + "x" + channels + "x" + inner, x, want);
            }
        }
    }

    /**
     * Against the double sum, the float sum of {@code batch} terms is off by at most
     * (batch - 1) * 2^-24 * sum|x| (recursive summation's bound); and it must be bit-identical on
     * one thread and two, whatever the feature count (tails of every size, threaded split).
     */
    @Test
    void sumOverBatchIsAccurateAndIndependentOfThreads() {
        int[][] shapes = {{1, 1}, {1, 17}, {3, 15}, {32, 10}, {64, 128}, {7, 1000}, {5, 100003}, {257, 70}};
        for (int[] s : shapes) {
            int batch = s[0], features = s[1];
            float[] x = uniform(batch * 31L + features, batch * features);
            double[] want = new double[features];
            double[] budget = new double[features];
            for (int b = 0; b < batch; b++) {
                for (int f = 0; f < features; f++) {
                    want[f] += x[b * features + f];
                    budget[f] += Math.abs(x[b * features + f]);
                }
            }
            float[] one = new float[features], two = new float[features];
            ElementwiseKernels.sumOverBatch(ONE_THREAD, x, one, batch, features);
            ElementwiseKernels.sumOverBatch(TWO_THREADS, x, two, batch, features);
            assertBitsEqual("sumOverBatch " + batch + "x" + features + " on 1 vs 2 threads", two, one);
            for (int f = 0; f < features; f++) {
                double bound = Math.max(batch - 1, 1) * 0x1p-24 * budget[f];
                assertEquals(want[f], one[f], bound, "sumOverBatch " + batch + "x" + features + " feature " + f);
            }
        }
    }

    @Test
    void argmaxTakesTheFirstMaximumAndNaNWins() {
        float[] x = {
                1, 3, 3, 2,                         // tie: first 3
                -5, -5, -5, -5,                     // all equal: 0
                0, Float.NaN, 9, Float.NaN,         // NaN wins, the first one
                Float.NEGATIVE_INFINITY, -1, 7, 7   // 7 at 2
        };
        int[] indices = new int[4];
        ElementwiseKernels.argmax(ONE_THREAD, x, indices, 4, 4);
        assertArrayEquals(new int[] {1, 0, 1, 2}, indices);
    }

    @Test
    void argmaxAndCountCorrectOnManyRows() {
        for (Parallel parallel : BOTH) {
            int rows = 20011, cols = 10;
            float[] x = uniform(3, rows * cols);
            int[] labels = new int[rows];
            int[] want = new int[rows];
            long wantCorrect = 0;
            for (int r = 0; r < rows; r++) {
                int best = 0;
                for (int j = 1; j < cols; j++) {
                    if (x[r * cols + j] > x[r * cols + best]) {
                        best = j;
                    }
                }
                want[r] = best;
                labels[r] = r % 3 == 0 ? best : (r * 7) % cols;
                wantCorrect += labels[r] == best ? 1 : 0;
            }
            int[] indices = new int[rows];
            ElementwiseKernels.argmax(parallel, x, indices, rows, cols);
            assertArrayEquals(want, indices);
            assertEquals(wantCorrect, ElementwiseKernels.countCorrect(parallel, x, labels, rows, cols));
        }
    }

    @Test
    void countCorrectRejectsALabelOutOfRange() {
        float[] x = uniform(1, 3 * 4);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ElementwiseKernels.countCorrect(ONE_THREAD, x, new int[] {0, 3, 4}, 3, 4));
        assertEquals("countCorrect: 'labels' has 4 at row 2, expected a class index in [0, 4)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> ElementwiseKernels.countCorrect(ONE_THREAD, x, new int[] {-1, 0, 0}, 3, 4));
        assertEquals("countCorrect: 'labels' has -1 at row 0, expected a class index in [0, 4)", e.getMessage());
    }
}
