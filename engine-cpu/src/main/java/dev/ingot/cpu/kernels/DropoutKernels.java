package dev.ingot.cpu.kernels;

import dev.ingot.core.spec.DropoutSpec;
import dev.ingot.cpu.parallel.Parallel;

/** Inverted dropout with the counter-based mask of {@link DropoutSpec}. */
public final class DropoutKernels {
    private DropoutKernels() {
    }

    public static void forward(Parallel parallel, float[] x, float[] y, float[] mask, int n, DropoutSpec spec) {
        throw new UnsupportedOperationException("not implemented yet");
    }
}
