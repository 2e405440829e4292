package dev.ingot.cpu.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The register-blocked inner kernel of {@link GemmKernels}: one 8 x 2V tile of C from 8 rows of A
 * and 2V columns of B, kc steps deep:
 * <pre>
 *   C[i][j] = sum_p A[i][p] * B[p][j] (+ beta * C[i][j]),   i < 8, j < 2V
 * </pre>
 * Loop order: p outermost; per step, two vectors of B row p are loaded, each A[i][p] is broadcast
 * and multiplied into the two accumulators of row i. The 16 accumulators stay in vector registers
 * for the whole loop (16 of the 32 AVX-512 registers; 2 more hold B, 1 the broadcast), so the
 * loop body is 16 FMAs, 2 vector loads and 8 broadcast loads, with 16 independent FMA chains.
 *
 * <p>A is addressed as {@code a[ai + i*aRowStride + p*aColStride]}: packed panels use strides
 * (1, 8), an untransposed row-major A used in place uses (lda, 1). B row p starts at
 * {@code bi + p*bRowStride}: NR for packed panels, ldb in place.
 */
final class GemmMicroKernel {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int V = S.length();

    private GemmMicroKernel() {
    }

    /**
     * C[ci + i*ldc + j] = acc[i][j] when beta == 0 (C is not read), else beta * C + acc[i][j], for
     * the full 8 x 2V tile.
     */
    static void multiply8x2(int kc, float[] a, int ai, int aRowStride, int aColStride,
                            float[] b, int bi, int bRowStride, float[] c, int ci, int ldc, float beta) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S);
        FloatVector c60 = FloatVector.zero(S), c61 = FloatVector.zero(S);
        FloatVector c70 = FloatVector.zero(S), c71 = FloatVector.zero(S);
        int a0 = ai, a1 = ai + aRowStride, a2 = ai + 2 * aRowStride, a3 = ai + 3 * aRowStride;
        int a4 = ai + 4 * aRowStride, a5 = ai + 5 * aRowStride, a6 = ai + 6 * aRowStride, a7 = ai + 7 * aRowStride;
        for (int p = 0, o = 0; p < kc; p++, o += aColStride, bi += bRowStride) {
            FloatVector b0 = FloatVector.fromArray(S, b, bi), b1 = FloatVector.fromArray(S, b, bi + V);
            FloatVector x;
            x = FloatVector.broadcast(S, a[a0 + o]);
            c00 = x.fma(b0, c00); c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, a[a1 + o]);
            c10 = x.fma(b0, c10); c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, a[a2 + o]);
            c20 = x.fma(b0, c20); c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, a[a3 + o]);
            c30 = x.fma(b0, c30); c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(S, a[a4 + o]);
            c40 = x.fma(b0, c40); c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(S, a[a5 + o]);
            c50 = x.fma(b0, c50); c51 = x.fma(b1, c51);
            x = FloatVector.broadcast(S, a[a6 + o]);
            c60 = x.fma(b0, c60); c61 = x.fma(b1, c61);
            x = FloatVector.broadcast(S, a[a7 + o]);
            c70 = x.fma(b0, c70); c71 = x.fma(b1, c71);
        }
        if (beta == 0f) {
            c00.intoArray(c, ci); c01.intoArray(c, ci + V);
            c10.intoArray(c, ci + ldc); c11.intoArray(c, ci + ldc + V);
            c20.intoArray(c, ci + 2 * ldc); c21.intoArray(c, ci + 2 * ldc + V);
            c30.intoArray(c, ci + 3 * ldc); c31.intoArray(c, ci + 3 * ldc + V);
            c40.intoArray(c, ci + 4 * ldc); c41.intoArray(c, ci + 4 * ldc + V);
            c50.intoArray(c, ci + 5 * ldc); c51.intoArray(c, ci + 5 * ldc + V);
            c60.intoArray(c, ci + 6 * ldc); c61.intoArray(c, ci + 6 * ldc + V);
            c70.intoArray(c, ci + 7 * ldc); c71.intoArray(c, ci + 7 * ldc + V);
        } else {
            FloatVector bv = FloatVector.broadcast(S, beta);
            FloatVector.fromArray(S, c, ci).fma(bv, c00).intoArray(c, ci);
            FloatVector.fromArray(S, c, ci + V).fma(bv, c01).intoArray(c, ci + V);
            FloatVector.fromArray(S, c, ci + ldc).fma(bv, c10).intoArray(c, ci + ldc);
            FloatVector.fromArray(S, c, ci + ldc + V).fma(bv, c11).intoArray(c, ci + ldc + V);
            FloatVector.fromArray(S, c, ci + 2 * ldc).fma(bv, c20).intoArray(c, ci + 2 * ldc);
            FloatVector.fromArray(S, c, ci + 2 * ldc + V).fma(bv, c21).intoArray(c, ci + 2 * ldc + V);
            FloatVector.fromArray(S, c, ci + 3 * ldc).fma(bv, c30).intoArray(c, ci + 3 * ldc);
            FloatVector.fromArray(S, c, ci + 3 * ldc + V).fma(bv, c31).intoArray(c, ci + 3 * ldc + V);
            FloatVector.fromArray(S, c, ci + 4 * ldc).fma(bv, c40).intoArray(c, ci + 4 * ldc);
            FloatVector.fromArray(S, c, ci + 4 * ldc + V).fma(bv, c41).intoArray(c, ci + 4 * ldc + V);
            FloatVector.fromArray(S, c, ci + 5 * ldc).fma(bv, c50).intoArray(c, ci + 5 * ldc);
            FloatVector.fromArray(S, c, ci + 5 * ldc + V).fma(bv, c51).intoArray(c, ci + 5 * ldc + V);
            FloatVector.fromArray(S, c, ci + 6 * ldc).fma(bv, c60).intoArray(c, ci + 6 * ldc);
            FloatVector.fromArray(S, c, ci + 6 * ldc + V).fma(bv, c61).intoArray(c, ci + 6 * ldc + V);
            FloatVector.fromArray(S, c, ci + 7 * ldc).fma(bv, c70).intoArray(c, ci + 7 * ldc);
            FloatVector.fromArray(S, c, ci + 7 * ldc + V).fma(bv, c71).intoArray(c, ci + 7 * ldc + V);
        }
    }
}
