package dev.ingot.cpu.kernels;

import dev.ingot.core.spec.Pool2dGeometry;
import dev.ingot.cpu.parallel.Parallel;

/** Max and average pooling, forward and backward. */
public final class PoolKernels {
    private PoolKernels() {
    }

    public static void maxForward(Parallel parallel, Pool2dGeometry g, float[] x, float[] y) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    public static void maxBackward(Parallel parallel, Pool2dGeometry g, float[] x, float[] y, float[] dy, float[] dx) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    public static void avgForward(Parallel parallel, Pool2dGeometry g, float[] x, float[] y) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    public static void avgBackward(Parallel parallel, Pool2dGeometry g, float[] dy, float[] dx) {
        throw new UnsupportedOperationException("not implemented yet");
    }
}
