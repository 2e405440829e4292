package dev.ingot.cpu.kernels;

import dev.ingot.cpu.parallel.Parallel;

/** Row-wise softmax and log-softmax, forward and backward, on (rows, cols) matrices. */
public final class SoftmaxKernels {
    private SoftmaxKernels() {
    }

    public static void softmaxForward(Parallel parallel, float[] x, float[] y, int rows, int cols) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    public static void softmaxBackward(Parallel parallel, float[] y, float[] dy, float[] dx, int rows, int cols) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    public static void logSoftmaxForward(Parallel parallel, float[] x, float[] y, int rows, int cols) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    public static void logSoftmaxBackward(Parallel parallel, float[] y, float[] dy, float[] dx, int rows, int cols) {
        throw new UnsupportedOperationException("not implemented yet");
    }
}
