package dev.ingot.cuda;

import dev.ingot.core.spec.GemmGeometry;
import dev.ingot.cuda.ffm.Cublas;

/**
 * The arguments of the column-major {@code cublasSgemm} call that computes a row-major product.
 * A row-major {@code R x C} matrix with row length {@code ld} is, read column-major, its transpose
 * ({@code C x R}, leading dimension {@code ld}). So for row-major {@code C = op(A) op(B)} we ask
 * cuBLAS for {@code C^T = op(B)^T op(A)^T}: an {@code N x M} result (ldc = N) with B as the first
 * operand. The first operand, B read column-major, is {@code B^T}; we need {@code op(B)^T}, which is
 * that matrix as is when B is not transposed ({@code CUBLAS_OP_N}) and its transpose when it is
 * ({@code CUBLAS_OP_T}); likewise for A. Leading dimensions are the stored row lengths.
 *
 * @param opFirst  cuBLAS op of the first operand (B)
 * @param opSecond cuBLAS op of the second operand (A)
 * @param m        rows of the column-major result: N
 * @param n        columns of the column-major result: M
 * @param k        the shared dimension: K
 * @param ldFirst  B's row length
 * @param ldSecond A's row length
 * @param ldc      C's row length: N
 */
record CublasGemm(int opFirst, int opSecond, int m, int n, int k, int ldFirst, int ldSecond, int ldc) {

    /**
     * @param g        the row-major product's sizes and transpositions
     * @param aColumns columns of A as stored ({@code a.shape().dim(1)})
     * @param bColumns columns of B as stored
     */
    static CublasGemm rowMajor(GemmGeometry g, int aColumns, int bColumns) {
        return new CublasGemm(g.transB() ? Cublas.CUBLAS_OP_T : Cublas.CUBLAS_OP_N,
                g.transA() ? Cublas.CUBLAS_OP_T : Cublas.CUBLAS_OP_N, g.n(), g.m(), g.k(), bColumns, aColumns, g.n());
    }
}
