package dev.ingot.cpu.kernels;

import static dev.ingot.cpu.kernels.GemmKernels.MR;
import static dev.ingot.cpu.kernels.GemmKernels.NR;

/**
 * Copies blocks of op(A) and op(B) into the panel layouts {@link GemmMicroKernel} reads front to
 * back (see {@link GemmKernels}): A into MR-tall panels {@code ap[panel][p][0..MR)}, B into
 * NR-wide panels {@code bp[panel][p][0..NR)}, zero-padded at the edges so the micro-kernel never
 * branches. alpha is applied while packing A.
 *
 * <p>The order of the copy loops is chosen for the memory system, since the matrices of a large
 * product come from DRAM and Java has no prefetch instruction: the hardware prefetchers follow
 * long forward streams, so each routine reads its source along its rows, as far as the block
 * allows, and scatters into the panels (the destination is in cache).
 */
final class GemmPacking {
    private GemmPacking() {
    }

    /**
     * B (K, N) rows [pc+p0, pc+p1) of the block whose columns are [jc, jc+nc) into the NR-wide
     * panels of {@code bp} from {@code bpOff}:
     * bp[bpOff + panel * kc*NR + p*NR + j] = b[(pc+p)*ldb + jc + panel*NR + j], zero-padded past nc.
     *
     * <p>Row by row across all panels: each B row segment (nc floats, several KiB in a large
     * product) is one forward stream. Panel by panel instead (each panel reading 128 bytes of every
     * row, rows ldb apart) measured 4x slower on a 2048x2048 B that is not in cache: every read
     * was a cache and TLB miss the prefetchers did not see coming.
     */
    static void packBRows(float[] b, int bOff, int ldb, int pc, int kc, int p0, int p1, int jc, int nc, float[] bp,
                          int bpOff) {
        int ncFull = nc / NR * NR;
        int cols = nc - ncFull;
        for (int p = p0; p < p1; p++) {
            int src = bOff + (pc + p) * ldb + jc;
            int dst = bpOff + p * NR;
            for (int jr = 0; jr < ncFull; jr += NR, dst += kc * NR) {
                System.arraycopy(b, src + jr, bp, dst, NR);
            }
            if (cols > 0) {
                System.arraycopy(b, src + ncFull, bp, dst, cols);
                for (int j = cols; j < NR; j++) {
                    bp[dst + j] = 0f;
                }
            }
        }
    }

    /**
     * op(B) = B^T with B stored (N, K): panels [q0, q1) of the block with columns [jc, jc+nc),
     * into {@code bp} from {@code bpOff}:
     * bp[bpOff + (panel*kc + p)*NR + j] = b[(jc + panel*NR + j)*ldb + pc + p], zero-padded past nc.
     * Reads run along B's rows (the K direction); each group of eight rows is interleaved into the
     * panel with eight loads per step.
     */
    static void packBTransposed(float[] b, int bOff, int ldb, int pc, int kc, int jc, int nc, int q0, int q1,
                                float[] bp, int bpOff) {
        for (int q = q0; q < q1; q++) {
            int jr = q * NR;
            int dst = bpOff + q * kc * NR;
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
        }
    }

    /**
     * alpha * A (M, K) rows [ic, ic+mc), columns [pc, pc+kc) into MR-tall panels from {@code dst}:
     * ap[panel][p][0..MR), zero-padded. A full panel reads its MR rows side by side (MR forward
     * streams); the 8-row panel of the AVX-512 tile is written out, other heights loop over the rows.
     */
    static void packA(float[] a, int aOff, int lda, int ic, int mc, int pc, int kc, float alpha, float[] ap, int dst) {
        for (int ir = 0; ir < mc; ir += MR, dst += kc * MR) {
            int rows = Math.min(MR, mc - ir);
            int s = aOff + (ic + ir) * lda + pc;
            if (rows == MR && MR != 8) {
                for (int p = 0, d = dst; p < kc; p++, s++, d += MR) {
                    for (int i = 0, si = s; i < MR; i++, si += lda) {
                        ap[d + i] = alpha * a[si];
                    }
                }
            } else if (rows == MR) {
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

    /**
     * op(A) = A^T with A stored (K, M): ap[panel][p][i] = alpha * a[(pc+p)*lda + ic + panel*MR + i],
     * from {@code dst}, zero-padded past mc. Row by row across all panels, like {@link #packBRows}:
     * each stored row segment (mc floats) is one forward stream. 8-row panels written out, as in
     * {@link #packA}.
     */
    static void packATransposed(float[] a, int aOff, int lda, int ic, int mc, int pc, int kc, float alpha,
                                float[] ap, int dst) {
        int mcFull = mc / MR * MR;
        int rows = mc - mcFull;
        for (int p = 0; p < kc; p++) {
            int src = aOff + (pc + p) * lda + ic;
            int d = dst + p * MR;
            for (int ir = 0; ir < mcFull && MR != 8; ir += MR, src += MR, d += kc * MR) {
                for (int i = 0; i < MR; i++) {
                    ap[d + i] = alpha * a[src + i];
                }
            }
            for (int ir = 0; ir < mcFull && MR == 8; ir += MR, src += MR, d += kc * MR) {
                ap[d] = alpha * a[src];
                ap[d + 1] = alpha * a[src + 1];
                ap[d + 2] = alpha * a[src + 2];
                ap[d + 3] = alpha * a[src + 3];
                ap[d + 4] = alpha * a[src + 4];
                ap[d + 5] = alpha * a[src + 5];
                ap[d + 6] = alpha * a[src + 6];
                ap[d + 7] = alpha * a[src + 7];
            }
            if (rows > 0) {
                for (int i = 0; i < MR; i++) {
                    ap[d + i] = i < rows ? alpha * a[src + i] : 0f;
                }
            }
        }
    }
}
