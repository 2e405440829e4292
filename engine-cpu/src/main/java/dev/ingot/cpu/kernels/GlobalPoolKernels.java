package dev.ingot.cpu.kernels;

import dev.ingot.cpu.parallel.Parallel;

import java.util.Arrays;

/**
 * Global average pooling, {@code y[n,c] = 1/(H*W) sum_{h,w} x[n,c,h,w]}, and its backward pass
 * {@code dx[n,c,h,w] = dy[n,c] / (H*W)}. Readable reference: {@code ReferenceBackend.globalAvgPool2dForward}.
 *
 * <p>Each (n, c) plane is contiguous, so the forward pass is one {@link RowPrimitives#sum} per plane
 * (float lanes added along RowPrimitives' fixed tree, one masked last step; a plane is never split,
 * so the result does not depend on the thread count) and one division; the backward pass is one
 * fill per plane. Both stream memory once; planes are split over threads in ranges of at least
 * {@link ElementwiseKernels#GRAIN} elements.
 */
public final class GlobalPoolKernels {
    private GlobalPoolKernels() {
    }

    static final int GRAIN = ElementwiseKernels.GRAIN;

    /** {@code y[plane] = sum(x[plane*hw .. +hw)) / hw} for planes = N*C. */
    public static void forward(Parallel parallel, float[] x, float[] y, int planes, int hw) {
        parallel.forRange(planes, Math.max(1, GRAIN / hw), (p0, p1) -> {
            for (int p = p0; p < p1; p++) {
                y[p] = RowPrimitives.sum(x, p * hw, hw) / hw;
            }
        });
    }

    /** {@code dx[plane*hw .. +hw) = dy[plane] / hw}. */
    public static void backward(Parallel parallel, float[] dy, float[] dx, int planes, int hw) {
        parallel.forRange(planes, Math.max(1, GRAIN / hw), (p0, p1) -> {
            for (int p = p0; p < p1; p++) {
                Arrays.fill(dx, p * hw, (p + 1) * hw, dy[p] / hw);
            }
        });
    }
}
