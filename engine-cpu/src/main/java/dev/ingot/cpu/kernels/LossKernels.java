package dev.ingot.cpu.kernels;

import dev.ingot.core.KernelChecks;
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
}
