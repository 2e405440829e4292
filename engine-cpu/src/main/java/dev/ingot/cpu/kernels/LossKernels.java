package dev.ingot.cpu.kernels;

import dev.ingot.cpu.parallel.Parallel;

/** Softmax cross-entropy with integer labels. */
public final class LossKernels {
    private LossKernels() {
    }

    /** Returns the mean loss; writes (softmax - onehot) / rows into grad unless it is null. */
    public static float softmaxCrossEntropy(Parallel parallel, float[] logits, int[] labels, int rows, int cols,
                                            float[] grad) {
        throw new UnsupportedOperationException("not implemented yet");
    }
}
