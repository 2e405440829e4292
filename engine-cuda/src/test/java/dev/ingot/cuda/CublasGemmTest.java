package dev.ingot.cuda;

import dev.ingot.core.Shape;
import dev.ingot.core.Tensor;
import dev.ingot.core.TensorScope;
import dev.ingot.core.spec.GemmGeometry;
import dev.ingot.cuda.ffm.Cublas;
import dev.ingot.reference.ReferenceBackend;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The transposition trick checked without a GPU: the arguments {@link CublasGemm} computes are fed
 * to a column-major SGEMM written from the BLAS definition ({@code X(i, j) = x[i + j * ldx]},
 * {@code C = alpha op(A) op(B) + beta C}), running on the row-major buffers exactly as cuBLAS would,
 * and the result must be the row-major product.
 */
class CublasGemmTest {

    /** Reference BLAS sgemm semantics, column-major, with the same argument order as cublasSgemm. */
    private static void columnMajorSgemm(int opA, int opB, int m, int n, int k, float alpha, float[] a, int lda,
                                         float[] b, int ldb, float beta, float[] c, int ldc) {
        for (int j = 0; j < n; j++) {
            for (int i = 0; i < m; i++) {
                double sum = 0;
                for (int l = 0; l < k; l++) {
                    double av = opA == Cublas.CUBLAS_OP_N ? a[i + l * lda] : a[l + i * lda];
                    double bv = opB == Cublas.CUBLAS_OP_N ? b[l + j * ldb] : b[j + l * ldb];
                    sum += av * bv;
                }
                c[i + j * ldc] = (float) (alpha * sum + (beta == 0 ? 0 : beta * c[i + j * ldc]));
            }
        }
    }

    @Test
    void theColumnMajorCallComputesTheRowMajorProductForEveryTransposition() {
        SplittableRandom random = new SplittableRandom(3);
        int[][] sizes = {{1, 1, 1}, {2, 3, 4}, {7, 17, 33}, {33, 1, 5}, {1, 9, 2}};
        for (int[] mnk : sizes) {
            int m = mnk[0], n = mnk[1], k = mnk[2];
            for (int t = 0; t < 4; t++) {
                boolean ta = (t & 1) != 0, tb = (t & 2) != 0;
                float[] a = new float[m * k], b = new float[k * n], c = new float[m * n];
                for (float[] x : new float[][] {a, b, c}) {
                    for (int i = 0; i < x.length; i++) {
                        x[i] = (float) random.nextDouble(-2, 2);
                    }
                }
                float[] expected = referenceGemm(ta, tb, m, n, k, a, b, c);
                CublasGemm call = CublasGemm.rowMajor(new GemmGeometry(m, n, k, ta, tb), ta ? m : k, tb ? k : n);
                float[] got = c.clone();
                columnMajorSgemm(call.opFirst(), call.opSecond(), call.m(), call.n(), call.k(), 1.5f, b, call.ldFirst(),
                        a, call.ldSecond(), -0.25f, got, call.ldc());
                for (int i = 0; i < expected.length; i++) {
                    assertEquals(expected[i], got[i], 1e-4, "m=" + m + " n=" + n + " k=" + k + " transA=" + ta
                            + " transB=" + tb + " element " + i + " via " + call);
                }
            }
        }
    }

    @Test
    void leadingDimensionsAreTheStoredRowLengths() {
        CublasGemm call = CublasGemm.rowMajor(new GemmGeometry(64, 10, 128, false, true), 128, 128);
        assertEquals(new CublasGemm(Cublas.CUBLAS_OP_T, Cublas.CUBLAS_OP_N, 10, 64, 128, 128, 128, 10), call);
    }

    /** The oracle every module's tests share: {@code 1.5 * op(a) op(b) - 0.25 * c} on the ReferenceBackend. */
    private static float[] referenceGemm(boolean ta, boolean tb, int m, int n, int k, float[] a, float[] b, float[] c) {
        try (ReferenceBackend ref = new ReferenceBackend(); TensorScope _ = TensorScope.open()) {
            Tensor tc = ref.fromHost(Shape.of(m, n), c);
            ref.gemm(ta, tb, 1.5f, ref.fromHost(ta ? Shape.of(k, m) : Shape.of(m, k), a),
                    ref.fromHost(tb ? Shape.of(n, k) : Shape.of(k, n), b), -0.25f, tc);
            return tc.toFloatArray();
        }
    }
}
