package dev.ingot.cpu.kernels;

import dev.ingot.cpu.parallel.Parallel;

/** Element-wise ops and small reductions. */
public final class ElementwiseKernels {
    private ElementwiseKernels() {
    }

    public static void add(Parallel parallel, float[] a, float[] b, float[] out, int n) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    public static void multiply(Parallel parallel, float[] a, float[] b, float[] out, int n) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    public static void scale(Parallel parallel, float[] x, float alpha, float[] out, int n) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    public static void axpy(Parallel parallel, float alpha, float[] x, float[] y, int n) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    /** out[n][c][i] = x[n][c][i] + bias[c] for x (batch, channels, inner). */
    public static void biasAdd(Parallel parallel, float[] x, float[] bias, float[] out, int batch, int channels,
                               int inner) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    /** out[f] = sum over b of x[b][f] for x (batch, features). */
    public static void sumOverBatch(Parallel parallel, float[] x, float[] out, int batch, int features) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    public static void argmax(Parallel parallel, float[] x, int[] indices, int rows, int cols) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    /** Rows whose argmax equals the label; a label outside [0, cols) is an IllegalArgumentException. */
    public static long countCorrect(Parallel parallel, float[] x, int[] labels, int rows, int cols) {
        throw new UnsupportedOperationException("not implemented yet");
    }
}
