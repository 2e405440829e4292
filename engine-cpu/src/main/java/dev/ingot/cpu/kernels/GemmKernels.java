package dev.ingot.cpu.kernels;

import dev.ingot.cpu.parallel.Parallel;

/** SGEMM on row-major matrices. */
public final class GemmKernels {
    private GemmKernels() {
    }

    /**
     * {@code C = alpha * op(A) * op(B) + beta * C}; A is (M, K) with row stride lda, or (K, M) when
     * transA; B is (K, N) with row stride ldb, or (N, K) when transB; C is (M, N) with row stride ldc.
     * With beta == 0, C is not read.
     */
    public static void sgemm(Parallel parallel, boolean transA, boolean transB, int m, int n, int k, float alpha,
                             float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                             float beta, float[] c, int cOff, int ldc) {
        throw new UnsupportedOperationException("not implemented yet");
    }
}
