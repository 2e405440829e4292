package dev.ingot.cpu.kernels;

import dev.ingot.cpu.parallel.Parallel;

/** SGEMM on row-major matrices. */
public final class GemmKernels {
    static final int V = GemmMicroKernel.V;
    static final int MR = Integer.getInteger("gemm.mr", 8);
    static final int NV = Integer.getInteger("gemm.nv", 2);
    static final int NR = NV * V;
    static final int KC = Integer.getInteger("gemm.kc", 256);
    static final int MC = Integer.getInteger("gemm.mc", 256) / MR * MR;
    static final int NC = Integer.getInteger("gemm.nc", 4096) / NR * NR;
    static final long PARALLEL_MACS = Long.getLong("gemm.grain", 1L << 20);

    private GemmKernels() {
    }

    /** Per-thread packing buffers, grown on demand and then reused. */
    private static final class Scratch {
        float[] ap = new float[0];
        float[] bp = new float[0];
        final float[] tile = new float[MR * NR];

        float[] ap(int size) {
            if (ap.length < size) {
                ap = new float[size];
            }
            return ap;
        }

        float[] bp(int size) {
            if (bp.length < size) {
                bp = new float[size];
            }
            return bp;
        }
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /**
     * {@code C = alpha * op(A) * op(B) + beta * C}; A is (M, K) with row stride lda, or (K, M) when
     * transA; B is (K, N) with row stride ldb, or (N, K) when transB; C is (M, N) with row stride ldc.
     * With beta == 0, C is not read.
     */
    public static void sgemm(Parallel parallel, boolean transA, boolean transB, int m, int n, int k, float alpha,
                             float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                             float beta, float[] c, int cOff, int ldc) {
        checkArguments(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc);
        if (parallel == null) {
            throw new IllegalArgumentException("sgemm: 'parallel' must not be null");
        }
        if (alpha == 0f) {
            scaleC(m, n, beta, c, cOff, ldc);
            return;
        }
        long macs = (long) m * n * k;
        int parts = parallel == null || macs < PARALLEL_MACS ? 1 : parallel.threads();
        boolean splitN = n >= m;
        int tiles = splitN ? (n + NR - 1) / NR : (m + MR - 1) / MR;
        parts = Math.min(parts, tiles);
        if (parts <= 1) {
            block(transA, transB, 0, m, 0, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
            return;
        }
        int nparts = parts;
        parallel.forEachPart(parts, (part, count) -> {
            int t0 = (int) ((long) tiles * part / nparts), t1 = (int) ((long) tiles * (part + 1) / nparts);
            if (splitN) {
                block(transA, transB, 0, m, t0 * NR, Math.min(n, t1 * NR), k, alpha, a, aOff, lda, b, bOff, ldb,
                        beta, c, cOff, ldc);
            } else {
                block(transA, transB, t0 * MR, Math.min(m, t1 * MR), 0, n, k, alpha, a, aOff, lda, b, bOff, ldb,
                        beta, c, cOff, ldc);
            }
        });
    }

    /**
     * {@link #sgemm} on the calling thread only, for callers that already split their work over the
     * pool (a convolution running one image per thread).
     */
    static void sgemmOnCallingThread(boolean transA, boolean transB, int m, int n, int k, float alpha,
                                     float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                                     float beta, float[] c, int cOff, int ldc) {
        checkArguments(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc);
        if (alpha == 0f) {
            scaleC(m, n, beta, c, cOff, ldc);
            return;
        }
        block(transA, transB, 0, m, 0, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
    }

    /** C = beta * C without reading A or B (BLAS semantics for alpha == 0); beta == 0 writes zeros. */
    private static void scaleC(int m, int n, float beta, float[] c, int cOff, int ldc) {
        for (int i = 0; i < m; i++) {
            int row = cOff + i * ldc;
            for (int j = 0; j < n; j++) {
                c[row + j] = beta == 0f ? 0f : beta * c[row + j];
            }
        }
    }

    private static void checkArguments(boolean transA, boolean transB, int m, int n, int k,
                                       float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                                       float[] c, int cOff, int ldc) {
        if (m < 1 || n < 1 || k < 1) {
            throw new IllegalArgumentException("sgemm: sizes must be at least 1, got M=" + m + ", N=" + n + ", K=" + k);
        }
        checkMatrix("a", a, aOff, lda, transA ? k : m, transA ? m : k, transA);
        checkMatrix("b", b, bOff, ldb, transB ? n : k, transB ? k : n, transB);
        checkMatrix("c", c, cOff, ldc, m, n, false);
        if (c == a || c == b) {
            throw new IllegalArgumentException("sgemm: 'c' must not be the same array as '" + (c == a ? "a" : "b")
                    + "'; the output needs its own memory");
        }
    }

    private static void checkMatrix(String arg, float[] x, int off, int ld, int rows, int cols, boolean transposed) {
        String what = "sgemm: '" + arg + "' (" + rows + "x" + cols + (transposed ? ", stored transposed" : "") + ")";
        if (x == null) {
            throw new IllegalArgumentException(what + " must not be null");
        }
        if (off < 0 || ld < cols) {
            throw new IllegalArgumentException(what + " has offset " + off + " and leading dimension " + ld
                    + "; expected offset >= 0 and leading dimension >= " + cols);
        }
        long end = off + (long) (rows - 1) * ld + cols;
        if (end > x.length) {
            throw new IllegalArgumentException(what + " at offset " + off + " with leading dimension " + ld
                    + " reaches element " + end + " but the array holds " + x.length);
        }
    }

    private static void block(boolean transA, boolean transB, int m0, int m1, int n0, int n1, int k, float alpha,
                              float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                              float beta, float[] c, int cOff, int ldc) {
        Scratch scratch = SCRATCH.get();
        float[] tile = scratch.tile;
        for (int jc = n0; jc < n1; jc += NC) {
            int nc = Math.min(NC, n1 - jc);
            int ncPanels = (nc + NR - 1) / NR;
            for (int pc = 0; pc < k; pc += KC) {
                int kc = Math.min(KC, k - pc);
                float[] bp = scratch.bp(ncPanels * NR * kc);
                if (transB) {
                    packBTransposed(b, bOff, ldb, pc, kc, jc, nc, bp);
                } else {
                    packB(b, bOff, ldb, pc, kc, jc, nc, bp);
                }
                float betaNow = pc == 0 ? beta : 1f;
                for (int ic = m0; ic < m1; ic += MC) {
                    int mc = Math.min(MC, m1 - ic);
                    int mcPanels = (mc + MR - 1) / MR;
                    float[] ap = scratch.ap(mcPanels * MR * kc);
                    if (transA) {
                        packATransposed(a, aOff, lda, ic, mc, pc, kc, alpha, ap);
                    } else {
                        packA(a, aOff, lda, ic, mc, pc, kc, alpha, ap);
                    }
                    for (int jr = 0; jr < nc; jr += NR) {
                        int cols = Math.min(NR, nc - jr);
                        int bi = jr * kc;
                        for (int ir = 0; ir < mc; ir += MR) {
                            int rows = Math.min(MR, mc - ir);
                            int ai = ir * kc;
                            int ci = cOff + (ic + ir) * ldc + jc + jr;
                            if (rows == MR && cols == NR) {
                                micro(kc, ap, ai, bp, bi, c, ci, ldc, betaNow);
                            } else {
                                micro(kc, ap, ai, bp, bi, tile, 0, NR, 0f);
                                storeEdge(tile, rows, cols, c, ci, ldc, betaNow);
                            }
                        }
                    }
                }
            }
        }
    }

    private static void micro(int kc, float[] ap, int ai, float[] bp, int bi, float[] c, int ci, int ldc, float beta) {
        if (MR == 8) {
            GemmMicroKernel.multiply8x2(kc, ap, ai, bp, bi, c, ci, ldc, beta);
        } else if (MR == 12) {
            GemmMicroKernel.multiply12x2(kc, ap, ai, bp, bi, c, ci, ldc, beta);
        } else {
            GemmMicroKernel.multiply6x3(kc, ap, ai, bp, bi, c, ci, ldc, beta);
        }
    }

    private static void storeEdge(float[] tile, int rows, int cols, float[] c, int ci, int ldc, float beta) {
        for (int i = 0; i < rows; i++) {
            int row = ci + i * ldc;
            for (int j = 0; j < cols; j++) {
                float v = tile[i * NR + j];
                c[row + j] = beta == 0f ? v : Math.fma(beta, c[row + j], v);
            }
        }
    }

    /** B (K, N) rows pc..pc+kc, columns jc..jc+nc into NR-wide panels: bp[panel][p][0..NR), zero-padded. */
    private static void packB(float[] b, int bOff, int ldb, int pc, int kc, int jc, int nc, float[] bp) {
        int dst = 0;
        for (int jr = 0; jr < nc; jr += NR) {
            int cols = Math.min(NR, nc - jr);
            int src = bOff + pc * ldb + jc + jr;
            for (int p = 0; p < kc; p++, src += ldb, dst += NR) {
                System.arraycopy(b, src, bp, dst, cols);
                for (int j = cols; j < NR; j++) {
                    bp[dst + j] = 0f;
                }
            }
        }
    }

    /** op(B) = B^T with B stored (N, K): bp[panel][p][j] = b[(jc+jr+j)*ldb + pc+p]. */
    private static void packBTransposed(float[] b, int bOff, int ldb, int pc, int kc, int jc, int nc, float[] bp) {
        int dst = 0;
        for (int jr = 0; jr < nc; jr += NR) {
            int cols = Math.min(NR, nc - jr);
            for (int j = 0; j < NR; j++) {
                if (j < cols) {
                    int src = bOff + (jc + jr + j) * ldb + pc;
                    for (int p = 0; p < kc; p++) {
                        bp[dst + p * NR + j] = b[src + p];
                    }
                } else {
                    for (int p = 0; p < kc; p++) {
                        bp[dst + p * NR + j] = 0f;
                    }
                }
            }
            dst += kc * NR;
        }
    }

    /** alpha * A (M, K) rows ic..ic+mc, columns pc..pc+kc into MR-tall panels: ap[panel][p][0..MR). */
    private static void packA(float[] a, int aOff, int lda, int ic, int mc, int pc, int kc, float alpha, float[] ap) {
        int dst = 0;
        for (int ir = 0; ir < mc; ir += MR) {
            int rows = Math.min(MR, mc - ir);
            for (int i = 0; i < MR; i++) {
                if (i < rows) {
                    int src = aOff + (ic + ir + i) * lda + pc;
                    for (int p = 0; p < kc; p++) {
                        ap[dst + p * MR + i] = alpha * a[src + p];
                    }
                } else {
                    for (int p = 0; p < kc; p++) {
                        ap[dst + p * MR + i] = 0f;
                    }
                }
            }
            dst += kc * MR;
        }
    }

    /** op(A) = A^T with A stored (K, M): ap[panel][p][i] = alpha * a[(pc+p)*lda + ic+ir+i]. */
    private static void packATransposed(float[] a, int aOff, int lda, int ic, int mc, int pc, int kc, float alpha,
                                        float[] ap) {
        int dst = 0;
        for (int ir = 0; ir < mc; ir += MR) {
            int rows = Math.min(MR, mc - ir);
            int src = aOff + pc * lda + ic + ir;
            for (int p = 0; p < kc; p++, src += lda, dst += MR) {
                for (int i = 0; i < rows; i++) {
                    ap[dst + i] = alpha * a[src + i];
                }
                for (int i = rows; i < MR; i++) {
                    ap[dst + i] = 0f;
                }
            }
        }
    }
}
