package dev.ingot.cpu.kernels;

import dev.ingot.cpu.parallel.Parallel;

/**
 * SGEMM on row-major matrices: {@code C = alpha * op(A) * op(B) + beta * C}, the BLIS / GotoBLAS
 * way, on {@link jdk.incubator.vector.FloatVector}s of the machine's preferred width (V = 16 floats
 * with AVX-512).
 *
 * <h2>Loop order and blocking</h2>
 * <pre>
 *   for jc in [0, N) step NC                     B block: KC x NC, stays in L3
 *     for pc in [0, K) step KC
 *       pack op(B)[pc:pc+KC, jc:jc+NC] into NR-wide panels          (bp)
 *       for ic in [0, M) step MC                 A block: MC x KC = 256 KiB, stays in L2
 *         pack alpha * op(A)[ic:ic+MC, pc:pc+KC] into MR-tall panels (ap)
 *         for jr in [0, NC) step NR              B micro-panel: KC x NR = 32 KiB, stays in L1
 *           for ir in [0, MC) step MR
 *             C[ic+ir : +MR, jc+jr : +NR]  (=|+=)  ap-panel . bp-panel   (micro-kernel)
 * </pre>
 * MR = 8 rows by NR = 2V columns: the micro-kernel ({@link GemmMicroKernel#multiply8x2}) keeps the
 * 8 x 2 tile of C in 16 vector registers, and for each of the KC steps loads 2 vectors of B and
 * broadcasts 8 scalars of A: 16 FMAs per 10 loads, all from L1, with 16 independent accumulation
 * chains (more than the FMA latency x FMA ports, 4 x 2 on Zen 5) so the FMA units never wait.
 * Packing makes every load in the micro-kernel sequential, whatever the transposes, offsets and
 * leading dimensions, and pads edge panels with zeros so the micro-kernel never branches; only
 * the store of an edge tile goes through a small buffer. When C is only a few tiles wide (tall),
 * each A (B) panel would be used too few times to repay its copy, and an untransposed operand is
 * read in place instead (see {@link #block}). alpha is applied while packing A; beta on the first
 * K block only (later blocks add), and a zero beta never reads C, so NaNs in C vanish.
 *
 * <h2>Threads</h2>
 * A product of at least {@link #PARALLEL_MACS} multiply-adds is split over the {@link Parallel}
 * pool by its longer output side, in whole register tiles, one contiguous share per thread; each
 * thread packs its own panels into its own buffers (thread-local, grown once, then reused), so
 * nothing is shared but the read-only inputs and disjoint parts of C. Every element of C is
 * computed by the same sequence of operations whatever the thread count, so results are
 * bit-identical for 1 and 2 threads.
 */
public final class GemmKernels {
    static final int V = GemmMicroKernel.V;
    /** Rows of the register tile. */
    static final int MR = 8;
    /** Columns of the register tile: two vectors. */
    static final int NR = 2 * V;
    /** Depth of a K block: a KC x NR panel of B is 32 KiB with 16 lanes, within the 48 KiB L1. */
    static final int KC = 256;
    /** Rows of an A block: MC x KC floats = 256 KiB in the 1 MiB L2, beside the streaming B panels. */
    static final int MC = 256;
    /** Columns of a B block: KC x NC floats = 4 MiB, within the shared L3. */
    static final int NC = 4096 / NR * NR;
    /**
     * Products smaller than this many multiply-adds run on the calling thread: about 80 us on one
     * Zen 5 core, against 5-40 us measured to wake a parked pool worker on these (virtual) machines.
     */
    static final long PARALLEL_MACS = 1L << 23;
    /** C at most this many columns (rows) wide reads an untransposed A (B) in place; see {@link #block}. */
    static final int IN_PLACE_LIMIT = 4 * NR;

    private GemmKernels() {
    }

    /** One thread's packing buffers, grown on demand and then reused by every product on that thread. */
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
     * With beta == 0, C is not read; with alpha == 0, A and B are not read.
     *
     * @throws IllegalArgumentException for sizes below 1, a leading dimension shorter than its row,
     *                                  a matrix that does not fit its array, or C sharing A's or B's array
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
        boolean splitN = n >= m;
        int tiles = splitN ? (n + NR - 1) / NR : (m + MR - 1) / MR;
        int parts = (long) m * n * k < PARALLEL_MACS ? 1 : Math.min(parallel.threads(), tiles);
        if (parts <= 1) {
            block(transA, transB, 0, m, 0, n, k, alpha, a, aOff, lda, null, b, bOff, ldb, beta, c, cOff, ldc);
            return;
        }
        parallel.forEachPart(parts, (part, count) -> {
            int t0 = (int) ((long) tiles * part / count), t1 = (int) ((long) tiles * (part + 1) / count);
            if (splitN) {
                block(transA, transB, 0, m, t0 * NR, Math.min(n, t1 * NR), k, alpha, a, aOff, lda, null,
                        b, bOff, ldb, beta, c, cOff, ldc);
            } else {
                block(transA, transB, t0 * MR, Math.min(m, t1 * MR), 0, n, k, alpha, a, aOff, lda, null,
                        b, bOff, ldb, beta, c, cOff, ldc);
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
        block(transA, transB, 0, m, 0, n, k, alpha, a, aOff, lda, null, b, bOff, ldb, beta, c, cOff, ldc);
    }

    // ---------------------------------------------------------------- A packed once, used many times

    /** Floats {@link #packWholeA} writes for an (m, k) op(A): every K block's MR-tall panels. */
    static int packedASize(int m, int k) {
        return Math.multiplyExact(roundUp(m, MR), k);
    }

    /**
     * Packs all of {@code alpha * op(A)} (m, k) the way {@link #block} consumes it, K block by K block,
     * so that products with many different B (a convolution's weights against each image) pack A
     * once. The K block starting at pc holds {@code roundUp(m, MR) * kc} floats at offset
     * {@code pc * roundUp(m, MR)}; within it the MR-row panel at row ir starts at {@code ir * kc}.
     */
    static void packWholeA(boolean transA, int m, int k, float alpha, float[] a, int aOff, int lda, float[] packed) {
        int mPad = roundUp(m, MR);
        for (int pc = 0; pc < k; pc += KC) {
            int kc = Math.min(KC, k - pc);
            if (transA) {
                packATransposed(a, aOff, lda, 0, m, pc, kc, alpha, packed, pc * mPad);
            } else {
                packA(a, aOff, lda, 0, m, pc, kc, alpha, packed, pc * mPad);
            }
        }
    }

    /**
     * {@code C = A . op(B) + beta * C} on the calling thread, with A (m, k) already packed by
     * {@link #packWholeA} (alpha included).
     */
    static void sgemmPackedAOnCallingThread(int m, int n, int k, float[] packedA, boolean transB,
                                            float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
        checkMatrix("b", b, bOff, ldb, transB ? n : k, transB ? k : n, transB);
        checkMatrix("c", c, cOff, ldc, m, n, false);
        if (packedA == null || packedA.length < packedASize(m, k)) {
            throw new IllegalArgumentException("sgemm: packed A holds " + (packedA == null ? 0 : packedA.length)
                    + " floats, expected " + packedASize(m, k) + " for " + m + "x" + k);
        }
        block(false, transB, 0, m, 0, n, k, 1f, null, 0, 0, packedA, b, bOff, ldb, beta, c, cOff, ldc);
    }

    // ---------------------------------------------------------------- the blocked product

    /**
     * C[m0:m1, n0:n1] of the product, on this thread, in the loop order of the class comment. With
     * {@code packedA} non-null, A's panels are read from it (see {@link #packWholeA}) and a is unused.
     *
     * <p>Packing pays when each packed panel is used many times. When C is only a few tiles wide
     * (at most {@link #IN_PLACE_LIMIT} columns), each A panel meets only those few B panels, so an
     * untransposed A (with alpha 1) is read in place; likewise an untransposed B when C is only a
     * few tiles tall. In place, rows are read with stride lda (ldb): this stays as fast as packed
     * panels unless the stride is a multiple of 64 floats, where rows alias in the L1 cache sets,
     * so those strides are packed. Edge panels (fewer than MR rows or NR columns) are always
     * packed, zero-padded.
     */
    private static void block(boolean transA, boolean transB, int m0, int m1, int n0, int n1, int k, float alpha,
                              float[] a, int aOff, int lda, float[] packedA, float[] b, int bOff, int ldb,
                              float beta, float[] c, int cOff, int ldc) {
        Scratch scratch = SCRATCH.get();
        float[] tile = scratch.tile;
        int mPad = roundUp(m1, MR);
        boolean aInPlace = packedA == null && !transA && alpha == 1f && n1 - n0 <= IN_PLACE_LIMIT && lda % 64 != 0;
        boolean bInPlace = !transB && m1 - m0 <= IN_PLACE_LIMIT && ldb % 64 != 0;
        for (int jc = n0; jc < n1; jc += NC) {
            int nc = Math.min(NC, n1 - jc);
            int ncFull = nc / NR * NR;
            for (int pc = 0; pc < k; pc += KC) {
                int kc = Math.min(KC, k - pc);
                float[] bp = scratch.bp(roundUp(nc, NR) * kc);
                if (bInPlace) {
                    if (ncFull < nc) {
                        packB(b, bOff, ldb, pc, kc, jc + ncFull, nc - ncFull, bp);
                    }
                } else if (transB) {
                    packBTransposed(b, bOff, ldb, pc, kc, jc, nc, bp);
                } else {
                    packB(b, bOff, ldb, pc, kc, jc, nc, bp);
                }
                float betaNow = pc == 0 ? beta : 1f;
                for (int ic = m0; ic < m1; ic += MC) {
                    int mc = Math.min(MC, m1 - ic);
                    int mcFull = mc / MR * MR;
                    float[] ap;
                    int aBase;
                    if (packedA != null) {
                        ap = packedA;
                        aBase = pc * mPad + ic * kc;
                    } else {
                        ap = scratch.ap(roundUp(mc, MR) * kc);
                        aBase = 0;
                        if (aInPlace) {
                            if (mcFull < mc) {
                                packA(a, aOff, lda, ic + mcFull, mc - mcFull, pc, kc, alpha, ap, 0);
                            }
                        } else if (transA) {
                            packATransposed(a, aOff, lda, ic, mc, pc, kc, alpha, ap, 0);
                        } else {
                            packA(a, aOff, lda, ic, mc, pc, kc, alpha, ap, 0);
                        }
                    }
                    for (int jr = 0; jr < nc; jr += NR) {
                        int cols = Math.min(NR, nc - jr);
                        float[] bSrc = bp;
                        int bi = jr * kc, bStride = NR;
                        if (bInPlace) {
                            if (cols == NR) {
                                bSrc = b;
                                bi = bOff + pc * ldb + jc + jr;
                                bStride = ldb;
                            } else {
                                bi = 0;
                            }
                        }
                        for (int ir = 0; ir < mc; ir += MR) {
                            int rows = Math.min(MR, mc - ir);
                            float[] aSrc = ap;
                            int ai = aBase + ir * kc, aRowStride = 1, aColStride = MR;
                            if (aInPlace) {
                                if (rows == MR) {
                                    aSrc = a;
                                    ai = aOff + (ic + ir) * lda + pc;
                                    aRowStride = lda;
                                    aColStride = 1;
                                } else {
                                    ai = 0;
                                }
                            }
                            int ci = cOff + (ic + ir) * ldc + jc + jr;
                            if (rows == MR && cols == NR) {
                                GemmMicroKernel.multiply8x2(kc, aSrc, ai, aRowStride, aColStride, bSrc, bi, bStride,
                                        c, ci, ldc, betaNow);
                            } else {
                                GemmMicroKernel.multiply8x2(kc, aSrc, ai, aRowStride, aColStride, bSrc, bi, bStride,
                                        tile, 0, NR, 0f);
                                storeEdge(tile, rows, cols, c, ci, ldc, betaNow);
                            }
                        }
                    }
                }
            }
        }
    }

    /** The rows x cols corner of an edge tile into C, with the same rounding as the full-tile store. */
    private static void storeEdge(float[] tile, int rows, int cols, float[] c, int ci, int ldc, float beta) {
        for (int i = 0; i < rows; i++) {
            int row = ci + i * ldc;
            for (int j = 0; j < cols; j++) {
                float v = tile[i * NR + j];
                c[row + j] = beta == 0f ? v : Math.fma(beta, c[row + j], v);
            }
        }
    }

    // ---------------------------------------------------------------- packing

    /** B (K, N) rows [pc, pc+kc), columns [jc, jc+nc) into NR-wide panels: bp[panel][p][0..NR), zero-padded. */
    private static void packB(float[] b, int bOff, int ldb, int pc, int kc, int jc, int nc, float[] bp) {
        int dst = 0;
        for (int jr = 0; jr < nc; jr += NR) {
            int cols = Math.min(NR, nc - jr);
            int src = bOff + pc * ldb + jc + jr;
            if (cols == NR) {
                for (int p = 0; p < kc; p++, src += ldb, dst += NR) {
                    System.arraycopy(b, src, bp, dst, NR);
                }
            } else {
                for (int p = 0; p < kc; p++, src += ldb, dst += NR) {
                    System.arraycopy(b, src, bp, dst, cols);
                    for (int j = cols; j < NR; j++) {
                        bp[dst + j] = 0f;
                    }
                }
            }
        }
    }

    /**
     * op(B) = B^T with B stored (N, K): bp[panel][p][j] = b[(jc+jr+j)*ldb + pc+p]. Reads run along B's
     * rows; each group of eight rows is interleaved into the panel with eight loads per step.
     */
    private static void packBTransposed(float[] b, int bOff, int ldb, int pc, int kc, int jc, int nc, float[] bp) {
        int dst = 0;
        for (int jr = 0; jr < nc; jr += NR) {
            int cols = Math.min(NR, nc - jr);
            int j = 0;
            for (; j + 8 <= cols; j += 8) {
                int s = bOff + (jc + jr + j) * ldb + pc;
                for (int p = 0, d = dst + j; p < kc; p++, s++, d += NR) {
                    bp[d] = b[s];
                    bp[d + 1] = b[s + ldb];
                    bp[d + 2] = b[s + 2 * ldb];
                    bp[d + 3] = b[s + 3 * ldb];
                    bp[d + 4] = b[s + 4 * ldb];
                    bp[d + 5] = b[s + 5 * ldb];
                    bp[d + 6] = b[s + 6 * ldb];
                    bp[d + 7] = b[s + 7 * ldb];
                }
            }
            for (; j < cols; j++) {
                int s = bOff + (jc + jr + j) * ldb + pc;
                for (int p = 0, d = dst + j; p < kc; p++, d += NR) {
                    bp[d] = b[s + p];
                }
            }
            for (; j < NR; j++) {
                for (int p = 0, d = dst + j; p < kc; p++, d += NR) {
                    bp[d] = 0f;
                }
            }
            dst += kc * NR;
        }
    }

    /**
     * alpha * A (M, K) rows [ic, ic+mc), columns [pc, pc+kc) into MR-tall panels from {@code dst}:
     * ap[panel][p][0..MR), zero-padded. A full panel reads its eight rows side by side.
     */
    private static void packA(float[] a, int aOff, int lda, int ic, int mc, int pc, int kc, float alpha,
                              float[] ap, int dst) {
        for (int ir = 0; ir < mc; ir += MR, dst += kc * MR) {
            int rows = Math.min(MR, mc - ir);
            int s = aOff + (ic + ir) * lda + pc;
            if (rows == MR) {
                for (int p = 0, d = dst; p < kc; p++, s++, d += MR) {
                    ap[d] = alpha * a[s];
                    ap[d + 1] = alpha * a[s + lda];
                    ap[d + 2] = alpha * a[s + 2 * lda];
                    ap[d + 3] = alpha * a[s + 3 * lda];
                    ap[d + 4] = alpha * a[s + 4 * lda];
                    ap[d + 5] = alpha * a[s + 5 * lda];
                    ap[d + 6] = alpha * a[s + 6 * lda];
                    ap[d + 7] = alpha * a[s + 7 * lda];
                }
            } else {
                for (int p = 0, d = dst; p < kc; p++, s++, d += MR) {
                    for (int i = 0; i < MR; i++) {
                        ap[d + i] = i < rows ? alpha * a[s + i * lda] : 0f;
                    }
                }
            }
        }
    }

    /** op(A) = A^T with A stored (K, M): ap[panel][p][i] = alpha * a[(pc+p)*lda + ic+ir+i], from {@code dst}. */
    private static void packATransposed(float[] a, int aOff, int lda, int ic, int mc, int pc, int kc, float alpha,
                                        float[] ap, int dst) {
        for (int ir = 0; ir < mc; ir += MR) {
            int rows = Math.min(MR, mc - ir);
            int src = aOff + pc * lda + ic + ir;
            if (rows == MR) {
                for (int p = 0; p < kc; p++, src += lda, dst += MR) {
                    for (int i = 0; i < MR; i++) {
                        ap[dst + i] = alpha * a[src + i];
                    }
                }
            } else {
                for (int p = 0; p < kc; p++, src += lda, dst += MR) {
                    for (int i = 0; i < MR; i++) {
                        ap[dst + i] = i < rows ? alpha * a[src + i] : 0f;
                    }
                }
            }
        }
    }

    private static int roundUp(int x, int multiple) {
        return (x + multiple - 1) / multiple * multiple;
    }

    // ---------------------------------------------------------------- edge cases and checks

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
}
