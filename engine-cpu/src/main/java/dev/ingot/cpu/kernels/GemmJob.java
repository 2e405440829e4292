package dev.ingot.cpu.kernels;

import dev.ingot.cpu.parallel.Parallel;

import java.util.concurrent.atomic.AtomicInteger;

import static dev.ingot.cpu.kernels.GemmKernels.IN_PLACE_LIMIT;
import static dev.ingot.cpu.kernels.GemmKernels.MC;
import static dev.ingot.cpu.kernels.GemmKernels.MR;
import static dev.ingot.cpu.kernels.GemmKernels.NC;
import static dev.ingot.cpu.kernels.GemmKernels.NR;

/**
 * One SGEMM call, and the state the workers computing it share: the arguments, the packed B
 * block, and the counters through which workers claim work. One instance per calling thread,
 * reused by every call on it (see {@link GemmKernels#sgemm}), so a product allocates nothing.
 *
 * <h2>How the work is shared</h2>
 * The product runs in generations, one per (jc, pc) block of the loop nest in {@link GemmKernels}:
 * <ol>
 *   <li>The KC x NC block of op(B) is packed once into {@link #bp}, shared by all workers. Its
 *       slices (row groups, or panel groups for a transposed B) are claimed one at a time, so
 *       each worker packs a share; then every worker waits until all slices are packed.</li>
 *   <li>The block's C is cut into units of MC rows (times a range of NR panels when there are
 *       too few row blocks to go round); workers claim units one at a time, pack the unit's A
 *       rows into their own buffer (which stays in their L2) and run the micro-kernels; then
 *       every worker waits until all units are done, and the next generation may overwrite the
 *       shared B block.</li>
 * </ol>
 * Claiming instead of a fixed split keeps both cores busy when one of them is slowed by another
 * process, and it cannot deadlock: a worker only ever waits for work that a running worker has
 * claimed, so if the pool runs the parts one after the other (it does when called from inside a
 * pool worker) the first part simply does everything. A worker that fails marks the job, and
 * the others stop waiting and fail too.
 *
 * <p>Every element of C sees the same operations in the same order (the KC blocking and the
 * micro-kernel do not depend on who computes which unit), so the result does not depend on the
 * thread count.
 */
final class GemmJob implements Parallel.RangeBody {
    /** B rows per packing slice of an untransposed B: 8 slices per KC block. */
    private static final int SLICE_ROWS = 32;
    /** NR panels per packing slice of a transposed B. */
    private static final int SLICE_PANELS = 4;
    /** Spins before a waiting worker starts yielding its core. */
    private static final int SPINS = 1 << 14;

    /** One thread's A panels and edge tile, grown on demand and then reused. */
    private static final class Scratch {
        float[] ap = new float[0];
        final float[] tile = new float[MR * NR];

        float[] ap(int size) {
            if (ap.length < size) {
                ap = new float[size];
            }
            return ap;
        }
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    // The call's arguments; set by the calling thread before the workers start.
    private boolean transA;
    private boolean transB;
    private int m;
    private int n;
    private int k;
    private float alpha;
    private float[] a;
    private int aOff;
    private int lda;
    private float[] packedA;
    private float[] b;
    private int bOff;
    private int ldb;
    private float beta;
    private float[] c;
    private int cOff;
    private int ldc;

    /** Column ranges each row block of C is cut into. */
    private int nSplit;
    /** K block depth: {@link GemmKernels#kStep} for a packed A (its layout), else {@link GemmKernels#kStepFor}. */
    private int kStep;
    /** An untransposed B read in place by the micro-kernel (C is only a few tiles tall); see {@link #unit}. */
    private boolean bInPlace;
    /**
     * Where the panels start in {@link #bp}: 12 floats = 48 bytes, so that in a large product the
     * packed block starts on a 64-byte boundary and each 128-byte row of a B panel (two vector
     * loads in the micro-kernel) covers two cache lines, not three. A Java array's address cannot be
     * chosen, but a large one can be predicted: G1 (the default collector) allocates an array of
     * at least half a heap region as a humongous object, alone at the start of a region, and does
     * not move it; the data then begins past the 16-byte array header (compressed class pointers,
     * the default). The 4 MiB block of a 2048-wide product qualifies with the region sizes of heaps
     * up to about 16 GiB (here: 4 MiB regions, 6 GiB heap). Measured at 2048 x 2048 x 2048 on 2
     * threads, 2 rounds of 3 JMH forks: 37.3-38.1 ms, against 40.8-41.3 ms with the panels at the
     * start of the array; no change at 1024. Where the guess is wrong (smaller blocks, other
     * collectors, compact object headers) it costs 48 bytes and nothing else.
     */
    static final int BP_OFFSET = 12;
    /** The shared packed B block of the current generation from {@link #BP_OFFSET}, grown on demand. */
    private float[] bp = new float[0];

    private final AtomicInteger packNext = new AtomicInteger();
    private final AtomicInteger packDone = new AtomicInteger();
    private final AtomicInteger unitNext = new AtomicInteger();
    private final AtomicInteger unitDone = new AtomicInteger();
    private volatile boolean failed;

    /**
     * Prepares a call for {@code parts} workers (A is read from {@code packedA}, laid out by
     * {@link GemmKernels#packWholeA}, when that is non-null) and returns how many workers are
     * worth starting: at most one per unit of work.
     */
    int set(boolean transA, boolean transB, int m, int n, int k, float alpha, float[] a, int aOff, int lda,
            float[] packedA, float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc, int parts) {
        this.transA = transA;
        this.transB = transB;
        this.m = m;
        this.n = n;
        this.k = k;
        this.alpha = alpha;
        this.a = a;
        this.aOff = aOff;
        this.lda = lda;
        this.packedA = packedA;
        this.b = b;
        this.bOff = bOff;
        this.ldb = ldb;
        this.beta = beta;
        this.c = c;
        this.cOff = cOff;
        this.ldc = ldc;
        int rowBlocks = ceilDiv(m, MC);
        int panels = ceilDiv(Math.min(n, NC), NR);
        this.nSplit = Math.max(1, Math.min(panels, ceilDiv(parts, rowBlocks)));
        this.bInPlace = !transB && m <= IN_PLACE_LIMIT && ldb % 64 != 0;
        this.kStep = packedA != null ? GemmKernels.kStep(k) : GemmKernels.kStepFor(m, n, k);
        int bpSize = BP_OFFSET + roundUp(Math.min(n, NC), NR) * kStep;
        if (bp.length < bpSize) {
            bp = new float[bpSize];
        }
        packNext.set(0);
        packDone.set(0);
        unitNext.set(0);
        unitDone.set(0);
        failed = false;
        return Math.max(1, Math.min(parts, rowBlocks * nSplit));
    }

    /** Drops the references to the caller's arrays, so that a cached job does not keep them alive. */
    void clear() {
        a = null;
        packedA = null;
        b = null;
        c = null;
    }

    /** Worker {@code part}'s share of the product: claims slices and units until none is left. */
    @Override
    public void run(int part, int count) {
        try {
            work();
        } catch (RuntimeException | Error e) {
            failed = true;
            throw e;
        }
    }

    private void work() {
        Scratch scratch = SCRATCH.get();
        int rowBlocks = ceilDiv(m, MC);
        int units = rowBlocks * nSplit;
        int packBase = 0;
        int unitBase = 0;
        for (int jc = 0; jc < n; jc += NC) {
            int nc = Math.min(NC, n - jc);
            for (int pc = 0; pc < k; pc += kStep) {
                int kc = Math.min(kStep, k - pc);
                int packEnd = packBase + slices(nc, kc);
                for (int i = claim(packNext, packEnd); i >= 0; i = claim(packNext, packEnd)) {
                    packSlice(i - packBase, jc, nc, pc, kc);
                    packDone.incrementAndGet();
                }
                await(packDone, packEnd);
                packBase = packEnd;

                int unitEnd = unitBase + units;
                for (int u = claim(unitNext, unitEnd); u >= 0; u = claim(unitNext, unitEnd)) {
                    unit(scratch, u - unitBase, jc, nc, pc, kc);
                    unitDone.incrementAndGet();
                }
                await(unitDone, unitEnd);
                unitBase = unitEnd;
            }
        }
    }

    /** The next index below {@code end} from {@code next}, or -1 when all are taken. */
    private static int claim(AtomicInteger next, int end) {
        for (int i = next.get(); i < end; i = next.get()) {
            if (next.compareAndSet(i, i + 1)) {
                return i;
            }
        }
        return -1;
    }

    /** Waits until {@code done} reaches {@code target}: all claimed work of the phase is finished. */
    private void await(AtomicInteger done, int target) {
        for (int spins = 0; done.get() < target; spins++) {
            if (failed) {
                throw new IllegalStateException("sgemm: another worker of this product failed");
            }
            if (spins < SPINS) {
                Thread.onSpinWait();
            } else {
                Thread.yield();
            }
        }
    }

    // ---------------------------------------------------------------- packing B, shared

    /** Packing slices of the (kc, nc) B block: row groups, panel groups when B is transposed, edge only in place. */
    private int slices(int nc, int kc) {
        if (bInPlace) {
            return nc % NR == 0 ? 0 : 1;
        }
        return transB ? ceilDiv(ceilDiv(nc, NR), SLICE_PANELS) : ceilDiv(kc, SLICE_ROWS);
    }

    private void packSlice(int slice, int jc, int nc, int pc, int kc) {
        if (bInPlace) {
            int ncFull = nc / NR * NR;
            GemmPacking.packBRows(b, bOff, ldb, pc, kc, 0, kc, jc + ncFull, nc - ncFull, bp, BP_OFFSET);
        } else if (transB) {
            int q0 = slice * SLICE_PANELS;
            GemmPacking.packBTransposed(b, bOff, ldb, pc, kc, jc, nc, q0, Math.min(ceilDiv(nc, NR), q0 + SLICE_PANELS),
                    bp, BP_OFFSET);
        } else {
            int p0 = slice * SLICE_ROWS;
            GemmPacking.packBRows(b, bOff, ldb, pc, kc, p0, Math.min(kc, p0 + SLICE_ROWS), jc, nc, bp, BP_OFFSET);
        }
    }

    // ---------------------------------------------------------------- one unit of C

    /**
     * Unit {@code u} of the generation (jc, pc): C rows [ic, ic+mc) (row block u / nSplit) times
     * the NR panels [q0, q1) of the block (range u % nSplit), in the BLIS order: for each B panel
     * (kept in L1), every A panel of the row block (kept in L2).
     *
     * <p>Packing pays when each packed panel is used many times. When the unit is only a few tiles
     * wide (at most {@link GemmKernels#IN_PLACE_LIMIT} columns), each A panel meets only those few
     * B panels, so an untransposed A (with alpha 1) is read in place; likewise an untransposed B
     * when C is only a few tiles tall. In place, rows are read with stride lda (ldb): this stays as
     * fast as packed panels unless the stride is a multiple of 64 floats, where rows alias in the
     * L1 cache sets, so those strides are packed. Edge panels (fewer than MR rows or NR columns)
     * are always packed, zero-padded.
     */
    private void unit(Scratch scratch, int u, int jc, int nc, int pc, int kc) {
        int ic = u / nSplit * MC;
        int mc = Math.min(MC, m - ic);
        int mcFull = mc / MR * MR;
        int panels = ceilDiv(nc, NR);
        int range = u % nSplit;
        int j0 = panels * range / nSplit * NR;
        int j1 = Math.min(nc, panels * (range + 1) / nSplit * NR);
        int ncFull = nc / NR * NR;
        float betaNow = pc == 0 ? beta : 1f;
        float[] tile = scratch.tile;

        boolean aInPlace = packedA == null && !transA && alpha == 1f && j1 - j0 <= IN_PLACE_LIMIT && lda % 64 != 0;
        float[] ap;
        int aBase;
        if (packedA != null) {
            ap = packedA;
            aBase = pc * roundUp(m, MR) + ic * kc;
        } else {
            ap = scratch.ap(MC * kStep);
            aBase = 0;
            if (aInPlace) {
                if (mcFull < mc) {
                    GemmPacking.packA(a, aOff, lda, ic + mcFull, mc - mcFull, pc, kc, alpha, ap, 0);
                }
            } else if (transA) {
                GemmPacking.packATransposed(a, aOff, lda, ic, mc, pc, kc, alpha, ap, 0);
            } else {
                GemmPacking.packA(a, aOff, lda, ic, mc, pc, kc, alpha, ap, 0);
            }
        }
        for (int jr = j0; jr < j1; jr += NR) {
            int cols = Math.min(NR, nc - jr);
            float[] bSrc = bp;
            int bi = BP_OFFSET + jr * kc;
            int bStride = NR;
            if (bInPlace) {
                if (jr < ncFull) {
                    bSrc = b;
                    bi = bOff + pc * ldb + jc + jr;
                    bStride = ldb;
                } else {
                    bi = BP_OFFSET;
                }
            }
            for (int ir = 0; ir < mc; ir += MR) {
                int rows = Math.min(MR, mc - ir);
                float[] aSrc = ap;
                int ai = aBase + ir * kc;
                int aRowStride = 1;
                int aColStride = MR;
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
                if (rows == MR && cols == NR && aSrc != a && bSrc == bp) {
                    GemmMicroKernel.multiplyPacked(kc, aSrc, ai, bSrc, bi, c, ci, ldc, betaNow);
                } else if (rows == MR && cols == NR) {
                    GemmMicroKernel.multiply(kc, aSrc, ai, aRowStride, aColStride, bSrc, bi, bStride,
                            c, ci, ldc, betaNow);
                } else {
                    GemmMicroKernel.multiply(kc, aSrc, ai, aRowStride, aColStride, bSrc, bi, bStride,
                            tile, 0, NR, 0f);
                    storeEdge(tile, rows, cols, c, ci, ldc, betaNow);
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

    private static int ceilDiv(int x, int y) {
        return (x + y - 1) / y;
    }

    private static int roundUp(int x, int multiple) {
        return ceilDiv(x, multiple) * multiple;
    }
}
