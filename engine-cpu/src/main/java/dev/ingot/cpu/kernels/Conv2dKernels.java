package dev.ingot.cpu.kernels;

import dev.ingot.core.spec.Conv2dGeometry;
import dev.ingot.cpu.parallel.Parallel;

/** Convolution forward and backward; holds per-geometry plans (scratch buffers). */
public final class Conv2dKernels implements AutoCloseable {
    private final Parallel parallel;

    public Conv2dKernels(Parallel parallel) {
        this.parallel = parallel;
    }

    /** y (N,K,P,Q) = conv(x (N,C,H,W), w (K,C,R,S)) + b (K, nullable). */
    public void forward(Conv2dGeometry g, float[] x, float[] w, float[] b, float[] y) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    /** dx (N,C,H,W) from dy (N,K,P,Q) and w (K,C,R,S); dx overwritten. */
    public void backwardData(Conv2dGeometry g, float[] dy, float[] w, float[] dx) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    /** dw (K,C,R,S) from x (N,C,H,W) and dy (N,K,P,Q); dw overwritten. */
    public void backwardFilter(Conv2dGeometry g, float[] x, float[] dy, float[] dw) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    /** db[k] = sum over n and the pq plane of dy (N, K, PQ). */
    public void backwardBias(int n, int k, int pq, float[] dy, float[] db) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    /** Drops cached plans and their buffers. */
    @Override
    public void close() {
    }
}
