package dev.ingot.cpu.kernels;

import dev.ingot.cpu.parallel.Parallel;

/** ReLU forward and backward. */
public final class ActivationKernels {
    private ActivationKernels() {
    }

    public static void reluForward(Parallel parallel, float[] x, float[] y, int n) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    public static void reluBackward(Parallel parallel, float[] y, float[] dy, float[] dx, int n) {
        throw new UnsupportedOperationException("not implemented yet");
    }
}
