package dev.ingot.cpu.kernels;

import dev.ingot.core.KernelChecks;
import dev.ingot.core.spec.CrossEntropySpec;
import dev.ingot.cpu.parallel.Parallel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/** Softmax cross-entropy with integer labels, loss and gradient in one pass over the logits. */
public final class LossKernels {
    private LossKernels() {
    }

    private static final VectorSpecies<Float> SPECIES = RowPrimitives.SPECIES;
    private static final int LANES = SPECIES.length();

    /**
     * Rows summed together before their partial joins the total. Fixed (not derived from the thread
     * count) so the loss is the same double sum on any number of threads.
     */
    static final int ROWS_PER_BLOCK = 64;

    /**
     * Returns the mean loss {@code 1/N * sum_r (log sum_j exp(x[r,j] - max_r) - (x[r,label_r] - max_r))}
     * and, unless {@code grad} is null, writes {@code grad[r,i] = (softmax(x)[r,i] - [i == label_r]) / N}.
     *
     * <p>All labels are checked first, so a label outside [0, cols) throws
     * {@link KernelChecks#labelOutOfRange} before anything is written.
     *
     * <p>Per row (see {@link SoftmaxKernels}): the max, then exp(x - max) summed in lanes and, with a
     * gradient, stored into grad; then grad scaled by 1 / (sum * N) and the label's entry fixed up.
     * The row's log-sum is {@code log1p(sum - 1)} with {@code sum - 1} computed without cancellation
     * ({@link RowPrimitives#expSumMinusOne}), so a confident, correct row's loss of 1e-11 is not
     * rounded to 0.
     *
     * <p>The row losses are added in double, ROWS_PER_BLOCK rows to a block and the blocks in order,
     * whatever the thread count: the loss is reproducible bit for bit.
     */
    public static float softmaxCrossEntropy(Parallel parallel, float[] logits, int[] labels, int rows, int cols,
                                            float[] grad) {
        for (int r = 0; r < rows; r++) {
            if (labels[r] < 0 || labels[r] >= cols) {
                throw KernelChecks.labelOutOfRange("softmaxCrossEntropy", r, labels[r], cols);
            }
        }
        int blocks = (rows + ROWS_PER_BLOCK - 1) / ROWS_PER_BLOCK;
        double total;
        if (blocks == 1) {
            total = blockLoss(logits, labels, rows, cols, grad, 0);
        } else {
            double[] partial = new double[blocks];
            int blockGrain = Math.max(1, SoftmaxKernels.GRAIN / (ROWS_PER_BLOCK * cols));
            parallel.forRange(blocks, blockGrain, (start, end) -> {
                for (int b = start; b < end; b++) {
                    partial[b] = blockLoss(logits, labels, rows, cols, grad, b);
                }
            });
            total = 0;
            for (double p : partial) {
                total += p;
            }
        }
        return (float) (total / rows);
    }

    private static double blockLoss(float[] logits, int[] labels, int rows, int cols, float[] grad, int block) {
        double sum = 0;
        for (int r = block * ROWS_PER_BLOCK, end = Math.min(rows, r + ROWS_PER_BLOCK); r < end; r++) {
            sum += rowLoss(logits, labels[r], rows, cols, grad, r * cols);
        }
        return sum;
    }

    private static double rowLoss(float[] logits, int label, int rows, int cols, float[] grad, int offset) {
        float max = RowPrimitives.shiftOf(logits, offset, cols);
        float sumMinusOne = RowPrimitives.expSumMinusOne(logits, grad, offset, cols, max);
        float sum = 1f + sumMinusOne;
        if (grad != null) {
            float labelExp = grad[offset + label];
            float scale = (float) (1.0 / ((double) sum * rows));
            for (int i = 0; i < cols; i += LANES) {
                VectorMask<Float> live = SPECIES.indexInRange(i, cols);
                FloatVector.fromArray(SPECIES, grad, offset + i, live).mul(scale).intoArray(grad, offset + i, live);
            }
            grad[offset + label] = (labelExp / sum - 1f) / rows;
        }
        return Math.log1p(sumMinusOne) - ((double) logits[offset + label] - max);
    }

    /**
     * The loss of {@link CrossEntropySpec} (label smoothing eps, class weights w) and its gradient.
     * Per row, with {@code lse = log sum_j exp(x[j] - max)} and {@code W = sum_i w[i]}:
     * <pre>
     *   L_n  = (1 - eps) w[y] (lse - (x[y] - max)) + eps/C (W lse - sum_i w[i] (x[i] - max))
     *   g[j] = (p[j] ((1 - eps) w[y] + eps/C W) - (1 - eps) w[y] [j == y] - eps/C w[j]) / S
     * </pre>
     * S = sum_n w[labels[n]] is summed first (it scales every gradient); row losses are summed in
     * double in the plain kernel's fixed blocks, so the loss is the same on any number of threads.
     */
    public static float softmaxCrossEntropy(Parallel parallel, float[] logits, int[] labels, int rows, int cols,
                                            CrossEntropySpec spec, float[] grad) {
        double totalWeight = 0;
        for (int r = 0; r < rows; r++) {
            if (labels[r] < 0 || labels[r] >= cols) {
                throw KernelChecks.labelOutOfRange("softmaxCrossEntropy", r, labels[r], cols);
            }
            totalWeight += spec.weight(labels[r]);
        }
        if (totalWeight == 0) {
            throw KernelChecks.zeroTotalWeight("softmaxCrossEntropy", rows);
        }
        float[] w = new float[cols];
        double weightSum = 0;
        for (int j = 0; j < cols; j++) {
            w[j] = spec.weight(j);
            weightSum += w[j];
        }
        double eps = spec.labelSmoothing();
        double s = totalWeight;
        double wAll = weightSum;
        int blocks = (rows + ROWS_PER_BLOCK - 1) / ROWS_PER_BLOCK;
        double[] partial = new double[blocks];
        int blockGrain = Math.max(1, SoftmaxKernels.GRAIN / (ROWS_PER_BLOCK * cols));
        parallel.forRange(blocks, blockGrain, (start, end) -> {
            for (int b = start; b < end; b++) {
                double sum = 0;
                for (int r = b * ROWS_PER_BLOCK, last = Math.min(rows, r + ROWS_PER_BLOCK); r < last; r++) {
                    sum += smoothedRowLoss(logits, labels[r], cols, w, wAll, eps, s, grad, r * cols);
                }
                partial[b] = sum;
            }
        });
        double total = 0;
        for (double p : partial) {
            total += p;
        }
        return (float) (total / totalWeight);
    }

    private static double smoothedRowLoss(float[] x, int label, int cols, float[] w, double wAll, double eps,
                                          double totalWeight, float[] grad, int offset) {
        float max = RowPrimitives.rowMax(x, offset, cols);
        double sum = 0;
        double weightedShifted = 0;
        for (int j = 0; j < cols; j++) {
            double shifted = (double) x[offset + j] - max;
            sum += Math.exp(shifted);
            weightedShifted += w[j] * shifted;
        }
        double lse = Math.log(sum);
        double hard = (1 - eps) * w[label];
        double smooth = eps / cols;
        if (grad != null) {
            double rowScale = (hard + smooth * wAll) / totalWeight;
            for (int j = 0; j < cols; j++) {
                double p = Math.exp((double) x[offset + j] - max - lse);
                grad[offset + j] = (float) (p * rowScale - (smooth * w[j] + (j == label ? hard : 0)) / totalWeight);
            }
        }
        return hard * (lse - ((double) x[offset + label] - max)) + smooth * (wAll * lse - weightedShifted);
    }
}
