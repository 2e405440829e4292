package dev.ingot.cpu.kernels;

import dev.ingot.cpu.parallel.Parallel;

/**
 * SGEMM on row-major matrices: {@code C = alpha * op(A) * op(B) + beta * C}, the BLIS / GotoBLAS
 * way, on {@link jdk.incubator.vector.FloatVector}s of the machine's preferred width (V = 16 floats
 * with AVX-512, 8 with AVX2, 4 with SSE or NEON), with a register tile sized to the machine's vector
 * registers ({@link #TILE}, {@link VectorShape}).
 *
 * <h2>Loop order and blocking</h2>
 * <pre>
 *   for jc in [0, N) step NC                     B block: KC x NC, stays in L3
 *     for pc in [0, K) step kStepFor(M,N,K)    (equal K blocks of <= KC, or KC_DEEP for a large C)
 *       pack op(B)[pc:pc+KC, jc:jc+NC] into NR-wide panels          (bp, shared by the threads)
 *       for ic in [0, M) step MC                 A block: MC x KC <= 512 KiB (1 MiB), stays in L2
 *         pack alpha * op(A)[ic:ic+MC, pc:pc+KC] into MR-tall panels (ap, the thread's own)
 *         for jr in [0, NC) step NR              B micro-panel: KC x NR = 64 KiB at 2 x 16, from L1/L2
 *           for ir in [0, MC) step MR
 *             C[ic+ir : +MR, jc+jr : +NR]  (=|+=)  ap-panel . bp-panel   (micro-kernel)
 * </pre>
 * MR rows by NR columns, the register tile {@link #TILE}: with 32 vector registers (AVX-512) MR = 8
 * and NR = 2V: the micro-kernel ({@link GemmMicroKernel#multiply8x2}) keeps the 8 x 2 tile of C in
 * 16 vector registers, and for each of the KC steps loads 2 vectors of B and broadcasts 8 scalars
 * of A: 16 FMAs per 10 loads, all from L1, with 16 independent accumulation chains (more than the
 * FMA latency x FMA ports, 4 x 2 on Zen 5) so the FMA units never wait. With 16 registers (AVX2,
 * SSE) that tile would spill, and MR = 4, NR = 3V: 12 FMAs per 7 loads, 12 chains (Haswell and
 * Zen 3 need 5 x 2 = 10). {@link GemmTile} has the rule and the measurements.
 * Packing makes every load in the micro-kernel sequential, whatever the transposes, offsets and
 * leading dimensions, and pads edge panels with zeros so the micro-kernel never branches; only
 * the store of an edge tile goes through a small buffer ({@link GemmPacking} says how the copies
 * are ordered for the memory system). When C is only a few tiles wide (tall), each A (B) panel
 * would be used too few times to repay its copy, and an untransposed operand is read in place
 * instead (see {@link GemmJob}). alpha is applied while packing A; beta on the first K block only
 * (later blocks add), and a zero beta never reads C, so NaNs in C vanish.
 *
 * <h2>Threads</h2>
 * A product of at least {@link #PARALLEL_MACS} multiply-adds runs on all threads of the
 * {@link Parallel} pool in one parallel region (one fork and join per product). The threads share
 * the packing of each B block and then claim the block's rows of C, MC rows at a time, each
 * packing its own A rows: B is packed once, not once per thread, and a thread slowed by another
 * process simply claims less ({@link GemmJob} has the protocol). Every element of C is computed
 * by the same sequence of operations whoever computes it, so results are bit-identical for any
 * thread count. Buffers are per thread (A panels, edge tile) and per calling thread (the job with
 * its B block), grown once, then reused: a product allocates nothing on our side (the pool's
 * fork and join allocate their tasks).
 */
public final class GemmKernels {
    static final int V = GemmMicroKernel.V;
    /** The register tile of this JVM: by the vector registers of {@link VectorShape#PREFERRED}, or as {@code -Dingot.cpu.gemmTile} says. */
    static final GemmTile TILE = GemmTile.choose(VectorShape.PREFERRED.registers());
    /** Rows of the register tile. */
    static final int MR = TILE.rows();
    /** Columns of the register tile: TILE.vectors() vectors. */
    static final int NR = TILE.vectors() * V;
    /**
     * Largest depth of a K block; K is cut into equal blocks no deeper than this ({@link #kStep}).
     * Every K block re-reads and re-writes all of C, and a 2048 x 2048 C (16 MiB) no longer stays
     * in the L3 beside B: 512 halves those passes against 256, which measured 4-6 % faster at 2048
     * (and the same at 1024), although a KC x NR panel of B (64 KiB at NR = 32) then streams from L2
     * rather than staying in the L1: the micro-kernel's 16 FMAs per 2 loads of B hide that.
     * (At NR = 24, AVX2's 4 x 3V tile, the panel is 48 KiB.) Large products go deeper: {@link #KC_DEEP}.
     */
    static final int KC = 512;
    /**
     * Depth of the K blocks of a large product ({@link #kStepFor}): C at least {@link #MC} rows tall
     * and at least {@link #DEEP_C_FLOATS} floats, with A packed per call. Every K block re-reads and
     * re-writes all of C (each micro-kernel call loads and stores its C tile, rows ldc apart, from
     * L3 or DRAM, with no prefetch instruction in Java to hide that), so when C is larger than the
     * L2 the blocks are as deep as the A block allows: MC x KC_DEEP floats = 1 MiB, the L2 of a Zen 4
     * core. The B micro-panel (KC_DEEP x NR: 96 KiB at AVX2, 128 KiB at AVX-512) then streams from
     * L2. The same rule at every vector width.
     *
     * <p>Measured on one Zen 4 core, whole square SGEMMs, in GFLOP per CPU second (2026-12-07, one
     * thread, under load, three 2 s rounds per run; docs/benchmarks.md has the table): under
     * {@code -XX:UseAVX=2} 1024 gave 94-97 at 1024 and 88-95 at 2048, against 76-93 and 76-92 at
     * 512, 64-82 at 256 and 192, 78-86 at 384; a 2048-deep block with MC = 128 or 256 was slower
     * (73-92: the A block no longer fits the L2). Native AVX-512: 101-105 against 97-101 at 512.
     * 128-bit: the same (46-50). Other products keep {@link #KC}, as measured before: with 1024 for
     * every product the {@code cifar10-cnn} training step at AVX2 read 44.4-44.7 ms of CPU against
     * 41.8-43.2 (two runs each, under load; with this rule, which leaves that model's products as
     * they were, a later pair read 42.6-46.2 against 42.0-44.4, so it may be noise), and a
     * convolution's forward product (weights packed once, {@link #packWholeA}) keeps K = 576 as two
     * blocks of 288.
     */
    static final int KC_DEEP = 1024;
    /** C of at least this many floats (1 MiB, more than the L2 holds beside the A block) takes {@link #KC_DEEP}. */
    static final long DEEP_C_FLOATS = 1L << 18;
    /**
     * Rows of an A block: MC x KC floats = 512 KiB in the 1 MiB L2 (MC x KC_DEEP = 1 MiB), beside the
     * streaming B panels; 256 rounded down to whole MR-row panels (256 for the 8- and 4-row tiles,
     * 252 for 6), so that only the last block of a product can have an edge panel. Half as tall
     * (128) measured slower at AVX2 at KC_DEEP (81-92 against 88-97).
     */
    static final int MC = 256 / MR * MR;
    /** Columns of a B block: KC x NC floats = 8 MiB (at KC_DEEP: up to 16 MiB, 8 MiB at N = 2048), in the L3. */
    static final int NC = 4096 / NR * NR;
    /**
     * Products smaller than this many multiply-adds run on the calling thread: about 80 us on one
     * Zen 5 core, against 5-40 us measured to wake a parked pool worker on these (virtual) machines.
     */
    static final long PARALLEL_MACS = 1L << 23;
    /** C at most this many columns (rows) wide reads an untransposed A (B) in place; see {@link GemmJob}. */
    static final int IN_PLACE_LIMIT = 4 * NR;

    private GemmKernels() {
    }

    private static final ThreadLocal<GemmJob> JOBS = ThreadLocal.withInitial(GemmJob::new);

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
        int parts = (long) m * n * k < PARALLEL_MACS ? 1 : parallel.threads();
        run(parallel, transA, transB, m, n, k, alpha, a, aOff, lda, null, b, bOff, ldb, beta, c, cOff, ldc, parts);
    }

    /** Runs the product on this thread's {@link GemmJob}, over {@code parts} workers of {@code parallel}. */
    private static void run(Parallel parallel, boolean transA, boolean transB, int m, int n, int k, float alpha,
                            float[] a, int aOff, int lda, float[] packedA, float[] b, int bOff, int ldb,
                            float beta, float[] c, int cOff, int ldc, int parts) {
        GemmJob job = JOBS.get();
        int workers = job.set(transA, transB, m, n, k, alpha, a, aOff, lda, packedA, b, bOff, ldb, beta, c, cOff, ldc,
                parts);
        try {
            if (workers <= 1) {
                job.run(0, 1);
            } else {
                parallel.forEachPart(workers, job);
            }
        } finally {
            job.clear();
        }
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
        run(null, transA, transB, m, n, k, alpha, a, aOff, lda, null, b, bOff, ldb, beta, c, cOff, ldc, 1);
    }

    // ---------------------------------------------------------------- A packed once, used many times

    /** Floats {@link #packWholeA} writes for an (m, k) op(A): every K block's MR-tall panels. */
    static int packedASize(int m, int k) {
        return Math.multiplyExact(roundUp(m, MR), k);
    }

    /**
     * Packs all of {@code alpha * op(A)} (m, k) the way {@link GemmJob} consumes it, K block by K block,
     * so that products with many different B (a convolution's weights against each image) pack A
     * once. The K block starting at pc holds {@code roundUp(m, MR) * kc} floats at offset
     * {@code pc * roundUp(m, MR)}; within it the MR-row panel at row ir starts at {@code ir * kc}.
     */
    static void packWholeA(boolean transA, int m, int k, float alpha, float[] a, int aOff, int lda, float[] packed) {
        int mPad = roundUp(m, MR);
        int step = kStep(k);
        for (int pc = 0; pc < k; pc += step) {
            int kc = Math.min(step, k - pc);
            if (transA) {
                GemmPacking.packATransposed(a, aOff, lda, 0, m, pc, kc, alpha, packed, pc * mPad);
            } else {
                GemmPacking.packA(a, aOff, lda, 0, m, pc, kc, alpha, packed, pc * mPad);
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
        run(null, false, transB, m, n, k, 1f, null, 0, 0, packedA, b, bOff, ldb, beta, c, cOff, ldc, 1);
    }

    private static int roundUp(int x, int multiple) {
        return (x + multiple - 1) / multiple * multiple;
    }

    /**
     * Depth of the K blocks of a product with inner dimension k: k cut into the fewest blocks of at
     * most {@link #KC}, all of the same depth (the last may be shorter by less than the count), so
     * that a convolution's K = 576 runs as 2 x 288, not as 512 + a 64-deep block that pays a whole
     * pass over C for little work.
     */
    static int kStep(int k) {
        return kStep(k, KC);
    }

    /**
     * Depth of the K blocks of an (m, n, k) product whose A is packed per call: {@link #kStep} with
     * {@link #KC_DEEP} when C is at least {@link #MC} rows and {@link #DEEP_C_FLOATS} floats, else
     * with {@link #KC}. A function of the shape only, so the thread count never changes the result.
     */
    static int kStepFor(int m, int n, int k) {
        return kStep(k, m >= MC && (long) m * n >= DEEP_C_FLOATS ? KC_DEEP : KC);
    }

    private static int kStep(int k, int depth) {
        int blocks = (k + depth - 1) / depth;
        return (k + blocks - 1) / blocks;
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
        if (x == null) {
            throw new IllegalArgumentException(describe(arg, rows, cols, transposed) + " must not be null");
        }
        if (off < 0 || ld < cols) {
            throw new IllegalArgumentException(describe(arg, rows, cols, transposed) + " has offset " + off
                    + " and leading dimension " + ld + "; expected offset >= 0 and leading dimension >= " + cols);
        }
        long end = off + (long) (rows - 1) * ld + cols;
        if (end > x.length) {
            throw new IllegalArgumentException(describe(arg, rows, cols, transposed) + " at offset " + off
                    + " with leading dimension " + ld + " reaches element " + end + " but the array holds " + x.length);
        }
    }

    /** The start of an error message about a matrix argument; built only when there is an error. */
    private static String describe(String arg, int rows, int cols, boolean transposed) {
        return "sgemm: '" + arg + "' (" + rows + "x" + cols + (transposed ? ", stored transposed" : "") + ")";
    }
}
