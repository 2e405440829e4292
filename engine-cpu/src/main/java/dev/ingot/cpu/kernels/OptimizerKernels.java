package dev.ingot.cpu.kernels;

import dev.ingot.core.spec.AdamSpec;
import dev.ingot.core.spec.SgdSpec;
import dev.ingot.cpu.parallel.Parallel;

/** Adam and SGD-with-momentum parameter updates, in place. */
public final class OptimizerKernels {
    private OptimizerKernels() {
    }

    public static void adam(Parallel parallel, float[] p, float[] g, float[] m, float[] v, int n, AdamSpec spec,
                            long step) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    public static void sgd(Parallel parallel, float[] p, float[] g, float[] velocity, int n, SgdSpec spec) {
        throw new UnsupportedOperationException("not implemented yet");
    }
}
