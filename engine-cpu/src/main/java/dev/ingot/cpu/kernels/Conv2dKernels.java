package dev.ingot.cpu.kernels;

import dev.ingot.core.spec.Conv2dGeometry;
import dev.ingot.cpu.parallel.Parallel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

/**
 * Convolution forward and backward as im2col + {@link GemmKernels SGEMM}.
 *
 * <p>For image n, with the column matrix {@code col(x_n)} of shape (C*R*S, P*Q) whose row
 * {@code (c, r, s)} holds, for every output pixel (p, q), the input pixel that kernel tap (r, s)
 * of channel c sees ({@code x[n, c, p*sh - ph + r*dh, q*sw - pw + s*dw]}, 0 in the padding):
 * <pre>
 *   forward          y_n  (K, PQ)   = W (K, CRS) . col(x_n) (CRS, PQ)  + b 1^T
 *   backward data    col  (CRS, PQ) = W^T (CRS, K) . dy_n (K, PQ),   dx_n = col2im(col)
 *   backward filter  dW   (K, CRS)  = sum_n dy_n (K, PQ) . col(x_n)^T (PQ, CRS)
 *   backward bias    db[k]          = sum_{n, p, q} dy[n, k, p, q]
 * </pre>
 * col2im is the transpose of im2col: it adds every column entry back onto the input pixel it came
 * from (taps overlap when the stride is smaller than the kernel). With stride 1 and no padding,
 * backward data may compute each image's columns P*W wide instead of P*Q (dy widened with zero
 * columns), which makes each tap's col2im one contiguous run of dx instead of P short rows (see
 * {@link Conv2dPlan#wide}). Images with small output planes
 * (3x3, 4x4 pixels) go through the GEMMs a group at a time, their column matrices side by side,
 * (CRS, G*PQ) with G*PQ about {@link Conv2dPlan#TARGET_COLUMNS}: one image alone would fill a third
 * of each register tile. The weights are packed into GEMM panels once per call, not once per image.
 * im2col and col2im move whole output rows with (masked) vector loads and stores, since rows are
 * short (13 floats for a 15x15 input) and per-row call overhead would dominate; with stride 1 and
 * Q == W ('same' padding, ResNet's 3x3 layers) they move a whole shifted plane per tap
 * ({@link #im2colPlaneShift}). Two passes change form where measured faster (docs/benchmarks.md,
 * "ResNet-20's convolutions"): stride-1 backward data with C >= K runs as the forward convolution
 * of dy with the flipped, transposed weights ({@link #backwardData}), and the filter gradient with
 * K below the GEMM tile's width runs as lane-summed dot products ({@link Conv2dPlan#filterDots}).
 * Stride-1 'same' shapes whose plane is a whole number of vectors build no column matrix at all
 * ({@link Conv2dShiftedPlanes}): the forward pass (so also backward data in its forward form) and
 * the filter gradient's dot products read each column row in place from S masked copies of the image.
 * Padded 3x3 stride-1 shapes with at least 16 input channels run their forward pass (so also backward
 * data in its forward form) as Winograd F(4x4,3x3) ({@link Conv2dWinograd},
 * {@link Conv2dPlan#winogradFits}): a quarter of the multiplies, 1.4-2x faster there.
 *
 * <p>Threads: a batch is split over the pool by images (each worker runs its images' GEMMs on its
 * own thread with its own column buffer), which needs no synchronisation and keeps each worker's
 * column buffer hot in its own L2. A batch smaller than the pool runs its images in turn and lets
 * each GEMM split its tiles instead; a convolution below the grain runs on the calling thread.
 * The filter gradient's GEMM form sums per-worker partials in worker order, so results are
 * reproducible for a given thread count (they may differ in the last bits between thread counts);
 * its dot-product form ({@link Conv2dPlan#filterDots}) sums fixed blocks of images and does not
 * depend on the thread count.
 *
 * <p>Scratch buffers live in a {@link Conv2dPlan} per shape (batch size aside), cached here, so a
 * training step allocates nothing after its first call; {@link #close()} drops them. One instance
 * serves one backend, called from one thread at a time.
 */
public final class Conv2dKernels implements AutoCloseable {
    /**
     * Below this many multiply-adds a convolution runs on the calling thread: the same grain as
     * {@link GemmKernels#PARALLEL_MACS}, for the same reason (waking a worker costs tens of microseconds).
     */
    private static final long PARALLEL_MACS = GemmKernels.PARALLEL_MACS;
    /**
     * Images per block of the filter gradient's dot products ({@link #backwardFilterDots}): the unit
     * of work that makes the sum independent of the thread count; 4 keeps the blocks' sums small
     * (batch 128: 32 x K*CRS floats) and gives 2 threads 16 blocks each.
     */
    private static final int FILTER_BLOCK = 4;
    /** Whether the filter gradient's dot products take 4 rows of dy at a time ({@link #dots4x4}): with 32 vector registers. */
    private static final boolean FOUR_ROW_DOTS = VectorShape.PREFERRED.registers() >= 32;
    /** Plans kept; the least recently used one beyond this is dropped (a run uses a handful of shapes). */
    private static final int MAX_PLANS = 64;

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    private final Parallel parallel;
    private final boolean winograd;
    /**
     * Plans by shape (batch size aside), in slots looked up by comparing the shape's fields: a map
     * keyed by a batch-1 geometry made its key per call, which C2 stopped scalar-replacing once the
     * implicit forward pass made forward() larger (56 bytes per call). The least recently used slot
     * is reused beyond {@link #MAX_PLANS}.
     */
    private final Conv2dGeometry[] planShapes = new Conv2dGeometry[MAX_PLANS];
    private final Conv2dPlan[] plans = new Conv2dPlan[MAX_PLANS];
    private final long[] planLastUse = new long[MAX_PLANS];
    private long planUses;

    public Conv2dKernels(Parallel parallel) {
        this(parallel, Conv2dPlan.WINOGRAD);
    }

    /** With {@code winograd} false, no plan uses {@link Conv2dWinograd} (for measuring what it replaces). */
    Conv2dKernels(Parallel parallel, boolean winograd) {
        if (parallel == null) {
            throw new IllegalArgumentException("Conv2dKernels: 'parallel' must not be null");
        }
        this.parallel = parallel;
        this.winograd = winograd;
    }

    /** The plan for g's shape, whatever its batch size. */
    private Conv2dPlan plan(Conv2dGeometry g) {
        int oldest = 0;
        for (int i = 0; i < MAX_PLANS; i++) {
            Conv2dGeometry shape = planShapes[i];
            if (shape != null && sameShape(shape, g)) {
                planLastUse[i] = ++planUses;
                return plans[i];
            }
            if (planLastUse[i] < planLastUse[oldest]) {
                oldest = i;                         // an empty slot's last use is 0
            }
        }
        Conv2dGeometry key = new Conv2dGeometry(1, g.c(), g.h(), g.w(), g.k(), g.r(), g.s(), g.p(), g.q(), g.spec());
        planShapes[oldest] = key;
        plans[oldest] = new Conv2dPlan(key, parallel.threads(), S.length(), winograd);
        planLastUse[oldest] = ++planUses;
        return plans[oldest];
    }

    private static boolean sameShape(Conv2dGeometry a, Conv2dGeometry b) {
        return a.c() == b.c() && a.h() == b.h() && a.w() == b.w() && a.k() == b.k() && a.r() == b.r()
                && a.s() == b.s() && a.p() == b.p() && a.q() == b.q() && a.spec().equals(b.spec());
    }

    /** Workers to split the batch over: one per thread when every thread gets an image, else 1. */
    private int imageParts(Conv2dGeometry g) {
        if (g.flops() / 2 < PARALLEL_MACS || g.n() < parallel.threads()) {
            return 1;
        }
        return parallel.threads();
    }

    /**
     * The pool each image's GEMM may split over when the batch is not split, or null to run it on
     * the calling thread (with the weights packed once for all images).
     */
    private Parallel gemmParallel(Conv2dGeometry g) {
        return g.flops() / 2 / g.n() < PARALLEL_MACS || parallel.threads() == 1 ? null : parallel;
    }

    private static void gemm(Parallel inner, boolean transA, boolean transB, int m, int n, int k,
                             float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                             float beta, float[] c, int cOff, int ldc) {
        if (inner == null) {
            GemmKernels.sgemmOnCallingThread(transA, transB, m, n, k, 1f, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
        } else {
            GemmKernels.sgemm(inner, transA, transB, m, n, k, 1f, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
        }
    }

    /**
     * {@code C (rows, cols) = op(W) . B + beta * C} with B (depth, cols) at row stride ldb and C at
     * row stride ldc, where op(W) is W (K, CRS) for the forward pass and W^T (CRS, K) for backward
     * data. On the calling thread the plan's copy of op(W), packed once per call, is used; a GEMM
     * split over threads packs its own.
     */
    private static void weightsTimes(Conv2dPlan plan, Parallel inner, boolean transposed, int k, int cols,
                                     float[] w, float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
        int rows = transposed ? plan.crs : k;
        int depth = transposed ? k : plan.crs;
        if (inner == null) {
            GemmKernels.sgemmPackedAOnCallingThread(rows, cols, depth,
                    transposed ? plan.packedWeightsTransposed() : plan.packedWeights(), false, b, bOff, ldb,
                    beta, c, cOff, ldc);
        } else {
            GemmKernels.sgemm(inner, transposed, false, rows, cols, depth, 1f, w, 0, plan.crs, b, bOff, ldb,
                    beta, c, cOff, ldc);
        }
    }

    /** First image of worker {@code part}'s share when n images are split over {@code count} workers. */
    private static int firstImage(int n, int part, int count) {
        return (int) ((long) n * part / count);
    }

    // ---------------------------------------------------------------- forward

    /** y (N,K,P,Q) = conv(x (N,C,H,W), w (K,C,R,S)) + b (K, nullable). */
    public void forward(Conv2dGeometry g, float[] x, float[] w, float[] b, float[] y) {
        Conv2dPlan plan = plan(g);
        int parts = imageParts(g);
        Parallel inner = parts > 1 ? null : gemmParallel(g);
        if (plan.winograd != null && inner == null && Conv2dWinograd.allFinite(w, g.k() * plan.crs)
                && Conv2dWinograd.allFinite(x, g.n() * plan.chw)) {
            forwardWinograd(g, plan, parts, x, w, b, y);
            return;
        }
        if (plan.implicitForward && inner == null) {
            forwardImplicit(g, plan, parts, x, w, b, y);
            return;
        }
        if (inner == null) {
            GemmKernels.packWholeA(false, g.k(), plan.crs, 1f, w, 0, plan.crs, plan.packedWeights());
        }
        if (parts > 1) {
            parallel.forEachPart(parts, (part, count) -> forwardImages(g, plan, part, null, x, w, b, y,
                    firstImage(g.n(), part, count), firstImage(g.n(), part + 1, count)));
        } else {
            forwardImages(g, plan, 0, inner, x, w, b, y, 0, g.n());
        }
    }

    /**
     * The forward pass as Winograd F(4x4, 3x3) ({@link Conv2dWinograd}): the filters transformed
     * once, then images split over the workers; each output is summed in its own lane in a fixed
     * order, so y does not depend on the thread count.
     */
    private void forwardWinograd(Conv2dGeometry g, Conv2dPlan plan, int parts, float[] x, float[] w, float[] b,
                                 float[] y) {
        Conv2dWinograd wino = plan.winograd;
        wino.transformFilters(w);
        if (parts > 1) {
            parallel.forEachPart(parts, (part, count) -> wino.forwardImages(part, x, b, y,
                    firstImage(g.n(), part, count), firstImage(g.n(), part + 1, count)));
        } else {
            wino.forwardImages(0, x, b, y, 0, g.n());
        }
    }

    /**
     * The forward pass of a stride-1 'same' shape without a column matrix ({@link Conv2dShiftedPlanes}):
     * per image, S masked copies of x_n, then y_n = W . col(x_n) + b with col's rows read in place.
     * Images are split over the workers; each output is summed by one worker in a fixed order, so
     * y does not depend on the thread count. A batch smaller than the pool takes the GEMM path,
     * which can split one image's product.
     */
    private void forwardImplicit(Conv2dGeometry g, Conv2dPlan plan, int parts, float[] x, float[] w, float[] b,
                                 float[] y) {
        Conv2dShiftedPlanes.regroupWeights(g.k(), plan.crs, w, plan.groupedWeights());
        if (parts > 1) {
            parallel.forEachPart(parts, (part, count) -> forwardImplicitImages(g, plan, part, x, b, y,
                    firstImage(g.n(), part, count), firstImage(g.n(), part + 1, count)));
        } else {
            forwardImplicitImages(g, plan, 0, x, b, y, 0, g.n());
        }
    }

    private static void forwardImplicitImages(Conv2dGeometry g, Conv2dPlan plan, int part, float[] x, float[] b,
                                              float[] y, int n0, int n1) {
        float[] copies = plan.shiftedCopies(part);
        for (int img = n0; img < n1; img++) {
            plan.shifted.fill(x, img * plan.chw, copies);
            plan.shifted.forward(g.k(), copies, plan.groupedWeights(), b, y, img * plan.kpq);
        }
    }

    /**
     * Images [n0, n1) a group at a time: Y_g (K, G*PQ) = W . [col(x_n) ...] (CRS, G*PQ), scattered
     * into y with the bias added. A group of one image writes y_n directly: the bias is put there
     * first and the GEMM adds onto it (beta = 1).
     */
    private static void forwardImages(Conv2dGeometry g, Conv2dPlan plan, int part, Parallel inner,
                                      float[] x, float[] w, float[] b, float[] y, int n0, int n1) {
        int k = g.k(), pq = plan.pq;
        int group = plan.groupFor(n1 - n0);
        for (int img = n0; img < n1; img += group) {
            int count = Math.min(group, n1 - img);
            int cols = count * pq;
            int ld = plan.stride(count);
            float[] col = x;
            int colOff = img * plan.chw, colLd = pq;
            if (count > 1 || !plan.pointwise) {
                col = plan.columns(part);
                colOff = 0;
                colLd = ld;
                for (int j = 0; j < count; j++) {
                    im2col(g, plan, x, (img + j) * plan.chw, col, j * pq, ld);
                }
            }
            if (count == 1) {
                int yOff = img * plan.kpq;
                float beta = 0f;
                if (b != null) {
                    for (int ch = 0; ch < k; ch++) {
                        Arrays.fill(y, yOff + ch * pq, yOff + (ch + 1) * pq, b[ch]);
                    }
                    beta = 1f;
                }
                weightsTimes(plan, inner, false, k, pq, w, col, colOff, colLd, beta, y, yOff, pq);
            } else {
                float[] out = plan.gathered(part);
                weightsTimes(plan, inner, false, k, cols, w, col, 0, ld, 0f, out, 0, ld);
                for (int j = 0; j < count; j++) {
                    for (int ch = 0; ch < k; ch++) {
                        int src = ch * ld + j * pq, dst = (img + j) * plan.kpq + ch * pq;
                        float bias = b == null ? 0f : b[ch];
                        for (int t = 0; t < pq; t++) {
                            y[dst + t] = out[src + t] + bias;
                        }
                    }
                }
            }
        }
    }

    /**
     * The output gradients of images [img, img + count) side by side, (K, count*PQ): dy itself for
     * one image (at offset {@code img * K*P*Q}, row stride PQ), else copied into the plan's buffer
     * (offset 0, row stride {@link Conv2dPlan#stride(int) stride(count)}).
     */
    private static float[] gatherOutputGradient(Conv2dGeometry g, Conv2dPlan plan, int part, float[] dy,
                                                int img, int count) {
        if (count == 1) {
            return dy;
        }
        float[] out = plan.gathered(part);
        int ld = plan.stride(count);
        for (int j = 0; j < count; j++) {
            for (int ch = 0; ch < g.k(); ch++) {
                System.arraycopy(dy, (img + j) * plan.kpq + ch * plan.pq, out, ch * ld + j * plan.pq, plan.pq);
            }
        }
        return out;
    }

    // ---------------------------------------------------------------- backward data

    /**
     * dx (N,C,H,W) from dy (N,K,P,Q) and w (K,C,R,S); dx overwritten: with wide column matrices
     * where the plan chose them ({@link Conv2dPlan#wide}), else with P*Q-wide ones.
     */
    public void backwardData(Conv2dGeometry g, float[] dy, float[] w, float[] dx) {
        // The wide layout and the forward form multiply w by zeros (dy's widened columns, the
        // padding) that fall on real pixels: with an infinite or NaN weight, 0 * w is NaN where
        // the math has no such term (issue 19). Such weights take the col2im path.
        Conv2dPlan plan = plan(g);
        if (plan.transposed != null && allFinite(w)) {
            backwardDataAsForward(g, plan, dy, w, dx);
            return;
        }
        backwardData(g, dy, w, dx, plan.wide && allFinite(w));
    }

    /**
     * Backward data of a stride-1 convolution as a forward one: dx = conv(dy, W'), with W' (C, K, R, S)
     * = W transposed and flipped, padding d*(R-1) - pad ({@link Conv2dPlan#transposed}):
     * <pre>
     *   dx[c][i][j] = sum_{k, r, s} dy[k][i + ph - r*dh][j + pw - s*dw] w[k][c][r][s]
     *               = sum_{k, r', s'} dy[k][i + r'*dh - ph'][j + s'*dw - pw'] w[k][c][R-1-r'][S-1-s']
     * </pre>
     * with r' = R-1-r and ph' = dh*(R-1) - ph. Why: the GEMM of W^T . dY is only K deep and is
     * followed by a col2im that adds C*R*S planes back; the forward form's GEMM is K*R*S deep and
     * its im2col only copies. Measured (one thread, CPU time, AVX-512, batch 128, under load):
     * C = K = 16 on 32x32, 10.9 against 11.6 ms; 32 on 16x16, 7.7 against 8.5; 64 on 8x8, 7.9
     * against 8.1; the stem (C = 3, K = 16) 7.3 against 3.3, hence {@link Conv2dPlan#transposed}'s
     * condition C >= K.
     */
    private void backwardDataAsForward(Conv2dGeometry g, Conv2dPlan plan, float[] dy, float[] w, float[] dx) {
        int k = g.k(), c = g.c(), taps = g.r() * g.s();
        float[] flipped = plan.flippedWeights;
        for (int ch = 0; ch < c; ch++) {
            for (int kk = 0; kk < k; kk++) {
                int from = (kk * c + ch) * taps, to = (ch * k + kk) * taps;
                for (int t = 0; t < taps; t++) {
                    flipped[to + t] = w[from + taps - 1 - t];   // (r, s) -> (R-1-r, S-1-s): the tap order reversed
                }
            }
        }
        forward(plan.transposedAt(g.n()), dy, flipped, null, dx);
    }

    /** Whether every value is finite: 0 * v is 0 for each, NaN as soon as one is NaN or infinite. */
    static boolean allFinite(float[] v) {
        FloatVector zeros = FloatVector.zero(S);
        FloatVector acc = zeros;
        int i = 0;
        for (; i <= v.length - S.length(); i += S.length()) {
            acc = acc.add(FloatVector.fromArray(S, v, i).mul(zeros));
        }
        float tail = 0f;
        for (; i < v.length; i++) {
            tail += v[i] * 0f;
        }
        return acc.reduceLanes(VectorOperators.ADD) + tail == 0f;
    }

    /**
     * {@link #backwardData(Conv2dGeometry, float[], float[], float[])} with the column layout chosen
     * by the caller ({@code wide} only where {@link Conv2dPlan#wideBackwardData} allows it).
     */
    void backwardData(Conv2dGeometry g, float[] dy, float[] w, float[] dx, boolean wide) {
        Conv2dPlan plan = plan(g);
        int parts = imageParts(g);
        Parallel inner = parts > 1 ? null : gemmParallel(g);
        if (inner == null) {
            GemmKernels.packWholeA(true, plan.crs, g.k(), 1f, w, 0, plan.crs, plan.packedWeightsTransposed());
        }
        if (parts > 1) {
            parallel.forEachPart(parts, (part, count) -> {
                int n0 = firstImage(g.n(), part, count), n1 = firstImage(g.n(), part + 1, count);
                if (wide) {
                    backwardDataWideImages(g, plan, part, null, dy, w, dx, n0, n1);
                } else {
                    backwardDataImages(g, plan, part, null, dy, w, dx, n0, n1);
                }
            });
        } else if (wide) {
            backwardDataWideImages(g, plan, 0, inner, dy, w, dx, 0, g.n());
        } else {
            backwardDataImages(g, plan, 0, inner, dy, w, dx, 0, g.n());
        }
    }

    /**
     * Images [n0, n1) a group at a time, for stride 1 without padding, with the output gradients
     * laid out at the input's row width: dY_g (K, G*P*W), zero in columns q >= Q. Then
     * cols (CRS, G*P*W) = W^T . dY_g holds for tap (c, r, s) a P x W plane whose row p belongs on
     * dx row p + r*dh from column s*dw on, and whose rows follow each other as dx's rows do: the
     * whole tap is one contiguous run of dx_c at offset r*dh*W + s*dw. col2im becomes one long
     * vector add per tap ({@link #col2imWide}) instead of P runs of Q floats (11 or 13 floats, a
     * masked vector each, measured at about half of the col2im path's time); the zero columns add
     * 0 to the pixels they wrap onto. The price: W/Q more GEMM columns (1.15 to 1.7 here).
     */
    private static void backwardDataWideImages(Conv2dGeometry g, Conv2dPlan plan, int part, Parallel inner,
                                               float[] dy, float[] w, float[] dx, int n0, int n1) {
        int k = g.k(), pq = plan.pq, pw = plan.pw, p = g.p(), q = g.q(), width = g.w();
        int group = plan.groupFor(n1 - n0);
        float[] src = plan.gathered(part);
        float[] col = plan.columns(part);
        for (int img = n0; img < n1; img += group) {
            int count = Math.min(group, n1 - img);
            int ld = plan.wideStride(count);
            for (int j = 0; j < count; j++) {
                for (int ch = 0; ch < k; ch++) {
                    int from = (img + j) * plan.kpq + ch * pq, to = ch * ld + j * pw;
                    for (int op = 0; op < p; op++, from += q, to += width) {
                        copyRowWidened(dy, from, q, src, to, width);
                    }
                }
            }
            weightsTimes(plan, inner, true, k, count * pw, w, src, 0, ld, 0f, col, 0, ld);
            for (int j = 0; j < count; j++) {
                col2imWide(g, plan, col, j * pw, ld, dx, (img + j) * plan.chw);
            }
        }
    }

    /**
     * Images [n0, n1) a group at a time: cols (CRS, G*PQ) = W^T (CRS, K) . dY_g (K, G*PQ), then
     * col2im of each image's columns into dx_n. A pointwise image's columns are dx_n itself.
     */
    private static void backwardDataImages(Conv2dGeometry g, Conv2dPlan plan, int part, Parallel inner,
                                           float[] dy, float[] w, float[] dx, int n0, int n1) {
        int k = g.k(), pq = plan.pq;
        int group = plan.groupFor(n1 - n0);
        for (int img = n0; img < n1; img += group) {
            int count = Math.min(group, n1 - img);
            int cols = count * pq;
            int ld = plan.stride(count);
            float[] src = gatherOutputGradient(g, plan, part, dy, img, count);
            int srcOff = count == 1 ? img * plan.kpq : 0;
            int srcLd = count == 1 ? pq : ld;
            if (count == 1 && plan.pointwise) {
                weightsTimes(plan, inner, true, k, pq, w, src, srcOff, srcLd, 0f, dx, img * plan.chw, pq);
                continue;
            }
            float[] col = plan.columns(part);
            weightsTimes(plan, inner, true, k, cols, w, src, srcOff, srcLd, 0f, col, 0, ld);
            for (int j = 0; j < count; j++) {
                col2im(g, plan, col, j * pq, ld, dx, (img + j) * plan.chw);
            }
        }
    }

    // ---------------------------------------------------------------- backward filter

    /**
     * dw (K,C,R,S) from x (N,C,H,W) and dy (N,K,P,Q); dw overwritten. Each worker sums its images
     * into its own transposed partial dW^T (CRS, K), and dw is their sum, transposed, in worker order.
     */
    public void backwardFilter(Conv2dGeometry g, float[] x, float[] dy, float[] dw) {
        Conv2dPlan plan = plan(g);
        int parts = imageParts(g);
        if (plan.filterDots && (parts > 1 || parallel.threads() == 1 || gemmParallel(g) == null)) {
            backwardFilterDots(g, plan, parts, x, dy, dw);
            return;
        }
        plan.ensureFilterPartials(plan.crs * g.k());
        if (parts > 1) {
            parallel.forEachPart(parts, (part, count) -> backwardFilterImages(g, plan, part, null, x, dy,
                    plan.filterPartial(part), firstImage(g.n(), part, count), firstImage(g.n(), part + 1, count)));
        } else {
            backwardFilterImages(g, plan, 0, gemmParallel(g), x, dy, plan.filterPartial(0), 0, g.n());
        }
        // forEachPart ran exactly `parts` workers (parts <= threads): add their partials in order.
        int k = g.k(), crs = plan.crs;
        float[] first = plan.filterPartial(0);
        for (int ch = 0; ch < k; ch++) {
            for (int i = 0; i < crs; i++) {
                float sum = first[i * k + ch];
                for (int part = 1; part < parts; part++) {
                    sum += plan.filterPartial(part)[i * k + ch];
                }
                dw[ch * crs + i] = sum;
            }
        }
    }

    /**
     * dW^T (CRS, K) = sum over images [n0, n1), a group at a time, of cols_g (CRS, G*PQ) .
     * dY_g^T (G*PQ, K). In this orientation C is only K columns wide, so the GEMM reads the column
     * matrix in place and packs only the small dY_g.
     */
    private static void backwardFilterImages(Conv2dGeometry g, Conv2dPlan plan, int part, Parallel inner,
                                             float[] x, float[] dy, float[] dst, int n0, int n1) {
        int k = g.k(), pq = plan.pq;
        int group = plan.groupFor(n1 - n0);
        for (int img = n0; img < n1; img += group) {
            int count = Math.min(group, n1 - img);
            int cols = count * pq;
            int ld = plan.stride(count);
            float[] src = gatherOutputGradient(g, plan, part, dy, img, count);
            int srcOff = count == 1 ? img * plan.kpq : 0;
            int srcLd = count == 1 ? pq : ld;
            float[] col = x;
            int colOff = img * plan.chw, colLd = pq;
            if (count > 1 || !plan.pointwise) {
                col = plan.columns(part);
                colOff = 0;
                colLd = ld;
                for (int j = 0; j < count; j++) {
                    im2col(g, plan, x, (img + j) * plan.chw, col, j * pq, ld);
                }
            }
            gemm(inner, false, true, plan.crs, k, cols, col, colOff, colLd, src, srcOff, srcLd,
                    img == n0 ? 0f : 1f, dst, 0, k);
        }
    }

    /**
     * dw (K, CRS) = sum over images of dY_n (K, PQ) . col(x_n)^T, as K*CRS dot products of rows
     * that are both contiguous along the pixels: where K is below the GEMM tile's NR
     * ({@link Conv2dPlan#filterDots}; ResNet-20's 16 channels against NR = 32), the (CRS, K) GEMM
     * fills half of each tile, and the (K, CRS) one must transpose the column matrix while packing
     * (measured slower still: 27 against 36 GFLOP per CPU s on 16 -> 16, 32x32, batch 128).
     *
     * <p>Each worker keeps, for every (k, i), a vector of lane sums: lane l adds dy[k][t] * col[i][t]
     * for the pixels t = l mod lanes, in pixel order, image after image ({@link #dots2x4}, with a
     * scalar tail that does what a lane does), over a block of {@link #FILTER_BLOCK} images; the
     * block's lanes are added in order, and dw is the blocks' sums added in block order. Blocks are
     * split over the workers, so the bits depend on the lane count only: not on the thread count,
     * nor on the tiling. Register use: a 2 x 4 block of (k, i) keeps 8 accumulators and
     * loads 2 + 4 vectors per step, 14 vector registers, within the 16 of AVX2 and SSE.
     */
    private void backwardFilterDots(Conv2dGeometry g, Conv2dPlan plan, int parts, float[] x, float[] dy, float[] dw) {
        int lanes = S.length(), weights = g.k() * plan.crs;
        int blocks = (g.n() + FILTER_BLOCK - 1) / FILTER_BLOCK;
        plan.ensureFilterLanes(weights, lanes);
        float[] blockSums = plan.filterBlockSums(blocks * weights);
        int workers = Math.min(parts, blocks);
        if (workers > 1) {
            parallel.forEachPart(workers, (part, count) -> filterDotsBlocks(g, plan, part, x, dy, blockSums,
                    firstImage(blocks, part, count), firstImage(blocks, part + 1, count)));
        } else {
            filterDotsBlocks(g, plan, 0, x, dy, blockSums, 0, blocks);
        }
        System.arraycopy(blockSums, 0, dw, 0, weights);
        for (int b = 1; b < blocks; b++) {
            for (int i = 0, at = b * weights; i < weights; i++) {
                dw[i] += blockSums[at + i];
            }
        }
    }

    /**
     * One worker's blocks [b0, b1) of {@link #FILTER_BLOCK} images: for each, the lane sums of its
     * images ({@link #dots2x4}, after each image's im2col), then blockSums[b] = the lanes added in
     * order. Blocks do not depend on the thread count, so neither does dw.
     */
    private static void filterDotsBlocks(Conv2dGeometry g, Conv2dPlan plan, int part, float[] x, float[] dy,
                                         float[] blockSums, int b0, int b1) {
        int k = g.k(), crs = plan.crs, pq = plan.pq, lanes = S.length(), weights = k * crs;
        float[] acc = plan.filterLanes(part);
        for (int b = b0; b < b1; b++) {
            Arrays.fill(acc, 0f);
            for (int img = b * FILTER_BLOCK; img < Math.min(g.n(), (b + 1) * FILTER_BLOCK); img++) {
                float[] col = x;
                int[] rows = null;
                int colOff = img * plan.chw;
                if (plan.shifted != null) {
                    col = plan.shiftedCopies(part);
                    rows = plan.shifted.rowStart;
                    colOff = 0;
                    plan.shifted.fill(x, img * plan.chw, col);
                } else if (!plan.pointwise) {
                    col = plan.columns(part);
                    colOff = 0;
                    im2col(g, plan, x, img * plan.chw, col, 0, pq);
                }
                int dyOff = img * plan.kpq;
                int k4 = FOUR_ROW_DOTS ? k / 4 * 4 : 0, k2 = k / 2 * 2, i4 = crs / 4 * 4;
                for (int i = 0; i < i4; i += 4) {
                    int c0 = rowAt(rows, colOff, pq, i), c1 = rowAt(rows, colOff, pq, i + 1);
                    int c2 = rowAt(rows, colOff, pq, i + 2), c3 = rowAt(rows, colOff, pq, i + 3);
                    for (int kk = 0; kk < k4; kk += 4) {
                        dots4x4(dy, dyOff + kk * pq, col, c0, c1, c2, c3, pq, acc, (kk * crs + i) * lanes, crs * lanes);
                    }
                    for (int kk = k4; kk < k2; kk += 2) {
                        dots2x4(dy, dyOff + kk * pq, col, c0, c1, c2, c3, pq, acc, (kk * crs + i) * lanes, crs * lanes);
                    }
                }
                for (int kk = 0; kk < k; kk++) {
                    for (int i = kk < k2 ? i4 : 0; i < crs; i++) {
                        dot1x1(dy, dyOff + kk * pq, col, rowAt(rows, colOff, pq, i), pq, acc, (kk * crs + i) * lanes);
                    }
                }
            }
            for (int i = 0, at = b * weights; i < weights; i++) {
                float sum = 0f;
                for (int l = 0; l < lanes; l++) {
                    sum += acc[i * lanes + l];
                }
                blockSums[at + i] = sum;
            }
        }
    }

    /**
     * Where column row i starts: in the shifted copies ({@code rows[i]}, {@link Conv2dShiftedPlanes#rowStart}),
     * or, without them (rows null), at colOff + i*pq of a column matrix or pointwise image.
     */
    private static int rowAt(int[] rows, int colOff, int pq, int i) {
        return rows == null ? colOff + i * pq : rows[i];
    }

    /**
     * For rows a = 0, 1 of dy (at dyOff + a*len) and b = 0..3 of col (at c0 .. c3), all len
     * long: acc[aOff + a*aStride + b*lanes + l] += sum over t = l mod lanes of dy_a[t] * col_b[t],
     * in t order, one fused multiply-add per term.
     */
    private static void dots2x4(float[] dy, int dyOff, float[] col, int c0, int c1, int c2, int c3, int len,
                                float[] acc, int aOff, int aStride) {
        int v = S.length();
        FloatVector s00 = FloatVector.fromArray(S, acc, aOff), s01 = FloatVector.fromArray(S, acc, aOff + v);
        FloatVector s02 = FloatVector.fromArray(S, acc, aOff + 2 * v), s03 = FloatVector.fromArray(S, acc, aOff + 3 * v);
        int a1 = aOff + aStride;
        FloatVector s10 = FloatVector.fromArray(S, acc, a1), s11 = FloatVector.fromArray(S, acc, a1 + v);
        FloatVector s12 = FloatVector.fromArray(S, acc, a1 + 2 * v), s13 = FloatVector.fromArray(S, acc, a1 + 3 * v);
        int t = 0;
        for (; t <= len - v; t += v) {
            FloatVector y0 = FloatVector.fromArray(S, dy, dyOff + t), y1 = FloatVector.fromArray(S, dy, dyOff + len + t);
            FloatVector c = FloatVector.fromArray(S, col, c0 + t);
            s00 = y0.fma(c, s00);
            s10 = y1.fma(c, s10);
            c = FloatVector.fromArray(S, col, c1 + t);
            s01 = y0.fma(c, s01);
            s11 = y1.fma(c, s11);
            c = FloatVector.fromArray(S, col, c2 + t);
            s02 = y0.fma(c, s02);
            s12 = y1.fma(c, s12);
            c = FloatVector.fromArray(S, col, c3 + t);
            s03 = y0.fma(c, s03);
            s13 = y1.fma(c, s13);
        }
        s00.intoArray(acc, aOff);
        s01.intoArray(acc, aOff + v);
        s02.intoArray(acc, aOff + 2 * v);
        s03.intoArray(acc, aOff + 3 * v);
        s10.intoArray(acc, a1);
        s11.intoArray(acc, a1 + v);
        s12.intoArray(acc, a1 + 2 * v);
        s13.intoArray(acc, a1 + 3 * v);
        if (t < len) {
            for (int a = 0; a < 2; a++) {
                dotTail(dy, dyOff + a * len, col, c0, t, len, acc, aOff + a * aStride);
                dotTail(dy, dyOff + a * len, col, c1, t, len, acc, aOff + a * aStride + v);
                dotTail(dy, dyOff + a * len, col, c2, t, len, acc, aOff + a * aStride + 2 * v);
                dotTail(dy, dyOff + a * len, col, c3, t, len, acc, aOff + a * aStride + 3 * v);
            }
        }
    }

    /**
     * {@link #dots2x4} for rows a = 0..3 of dy, with 32 vector registers: 16 accumulators + 4 + 4
     * loads = 24, 16 FMAs per 8 loads against 8 per 6; the same sums in the same order, so the
     * same bits.
     */
    private static void dots4x4(float[] dy, int dyOff, float[] col, int c0, int c1, int c2, int c3, int len,
                                float[] acc, int aOff, int aStride) {
        int v = S.length();
        int a1 = aOff + aStride, a2 = a1 + aStride, a3 = a2 + aStride;
        FloatVector s00 = FloatVector.fromArray(S, acc, aOff), s01 = FloatVector.fromArray(S, acc, aOff + v);
        FloatVector s02 = FloatVector.fromArray(S, acc, aOff + 2 * v), s03 = FloatVector.fromArray(S, acc, aOff + 3 * v);
        FloatVector s10 = FloatVector.fromArray(S, acc, a1), s11 = FloatVector.fromArray(S, acc, a1 + v);
        FloatVector s12 = FloatVector.fromArray(S, acc, a1 + 2 * v), s13 = FloatVector.fromArray(S, acc, a1 + 3 * v);
        FloatVector s20 = FloatVector.fromArray(S, acc, a2), s21 = FloatVector.fromArray(S, acc, a2 + v);
        FloatVector s22 = FloatVector.fromArray(S, acc, a2 + 2 * v), s23 = FloatVector.fromArray(S, acc, a2 + 3 * v);
        FloatVector s30 = FloatVector.fromArray(S, acc, a3), s31 = FloatVector.fromArray(S, acc, a3 + v);
        FloatVector s32 = FloatVector.fromArray(S, acc, a3 + 2 * v), s33 = FloatVector.fromArray(S, acc, a3 + 3 * v);
        int t = 0;
        for (; t <= len - v; t += v) {
            FloatVector y0 = FloatVector.fromArray(S, dy, dyOff + t), y1 = FloatVector.fromArray(S, dy, dyOff + len + t);
            FloatVector y2 = FloatVector.fromArray(S, dy, dyOff + 2 * len + t);
            FloatVector y3 = FloatVector.fromArray(S, dy, dyOff + 3 * len + t);
            FloatVector c = FloatVector.fromArray(S, col, c0 + t);
            s00 = y0.fma(c, s00);
            s10 = y1.fma(c, s10);
            s20 = y2.fma(c, s20);
            s30 = y3.fma(c, s30);
            c = FloatVector.fromArray(S, col, c1 + t);
            s01 = y0.fma(c, s01);
            s11 = y1.fma(c, s11);
            s21 = y2.fma(c, s21);
            s31 = y3.fma(c, s31);
            c = FloatVector.fromArray(S, col, c2 + t);
            s02 = y0.fma(c, s02);
            s12 = y1.fma(c, s12);
            s22 = y2.fma(c, s22);
            s32 = y3.fma(c, s32);
            c = FloatVector.fromArray(S, col, c3 + t);
            s03 = y0.fma(c, s03);
            s13 = y1.fma(c, s13);
            s23 = y2.fma(c, s23);
            s33 = y3.fma(c, s33);
        }
        s00.intoArray(acc, aOff);
        s01.intoArray(acc, aOff + v);
        s02.intoArray(acc, aOff + 2 * v);
        s03.intoArray(acc, aOff + 3 * v);
        s10.intoArray(acc, a1);
        s11.intoArray(acc, a1 + v);
        s12.intoArray(acc, a1 + 2 * v);
        s13.intoArray(acc, a1 + 3 * v);
        s20.intoArray(acc, a2);
        s21.intoArray(acc, a2 + v);
        s22.intoArray(acc, a2 + 2 * v);
        s23.intoArray(acc, a2 + 3 * v);
        s30.intoArray(acc, a3);
        s31.intoArray(acc, a3 + v);
        s32.intoArray(acc, a3 + 2 * v);
        s33.intoArray(acc, a3 + 3 * v);
        if (t < len) {
            for (int a = 0; a < 4; a++) {
                dotTail(dy, dyOff + a * len, col, c0, t, len, acc, aOff + a * aStride);
                dotTail(dy, dyOff + a * len, col, c1, t, len, acc, aOff + a * aStride + v);
                dotTail(dy, dyOff + a * len, col, c2, t, len, acc, aOff + a * aStride + 2 * v);
                dotTail(dy, dyOff + a * len, col, c3, t, len, acc, aOff + a * aStride + 3 * v);
            }
        }
    }

    /** {@link #dots2x4} for one row of dy and one of col (the edges of the blocking). */
    private static void dot1x1(float[] dy, int dyOff, float[] col, int colOff, int len, float[] acc, int aOff) {
        int v = S.length();
        FloatVector sum = FloatVector.fromArray(S, acc, aOff);
        int t = 0;
        for (; t <= len - v; t += v) {
            sum = FloatVector.fromArray(S, dy, dyOff + t).fma(FloatVector.fromArray(S, col, colOff + t), sum);
        }
        sum.intoArray(acc, aOff);
        dotTail(dy, dyOff, col, colOff, t, len, acc, aOff);
    }

    /** The pixels [t0, len) past the last whole vector, each into its lane t mod lanes, as the lanes do. */
    private static void dotTail(float[] dy, int dyOff, float[] col, int colOff, int t0, int len, float[] acc, int aOff) {
        int v = S.length();
        for (int t = t0; t < len; t++) {
            int at = aOff + t % v;
            acc[at] = Math.fma(dy[dyOff + t], col[colOff + t], acc[at]);
        }
    }

    // ---------------------------------------------------------------- backward bias

    /**
     * db[k] = sum over n and the pq plane of dy (N, K, PQ). Each plane is summed in float vectors
     * (16 lanes here: short, independent partial sums) and the planes are added in double, so the
     * error does not grow with the batch; channels are split over threads, each summed by one
     * thread in a fixed order, so the result does not depend on the thread count.
     */
    public void backwardBias(int n, int k, int pq, float[] dy, float[] db) {
        int grain = (int) Math.max(1, PARALLEL_MACS / Math.max(1L, (long) n * pq));
        parallel.forRange(k, grain, (k0, k1) -> {
            for (int ch = k0; ch < k1; ch++) {
                double sum = 0;
                for (int img = 0; img < n; img++) {
                    sum += planeSum(dy, ((long) img * k + ch) * pq, pq);
                }
                db[ch] = (float) sum;
            }
        });
    }

    /**
     * Sum of dy[off .. off + len), in {@link RowPrimitives#sum}'s fixed lane order: the JDK's
     * {@code reduceLanes(ADD)} gives different bits before and after C2 compiles the caller, which
     * made a resumed training run differ from an uninterrupted one in the last bit.
     */
    private static float planeSum(float[] dy, long offset, int len) {
        return RowPrimitives.sum(dy, Math.toIntExact(offset), len);
    }

    // ---------------------------------------------------------------- im2col / col2im

    /**
     * col[(c*R + r)*S + s][p*Q + q] = x[c][p*sh - ph + r*dh][q*sw - pw + s*dw], 0 outside the image,
     * where col's row i starts at {@code colOff + i * ldCol} (images of a group stand side by side).
     * Loop order c, r, s, p, q: each col row is written front to back; with stride 1 the in-image
     * part of an output row is one contiguous run of an input row (an arraycopy).
     */
    static void im2col(Conv2dGeometry g, Conv2dPlan plan, float[] x, int xOff, float[] col, int colOff, int ldCol) {
        if (plan.smallPlane) {
            im2colSmallPlane(g, plan, x, xOff, col, colOff, ldCol);
            return;
        }
        if (plan.planeShift) {
            im2colPlaneShift(g, plan, x, xOff, col, colOff, ldCol);
            return;
        }
        if (plan.strideTwoColumns) {
            im2colStrideTwo(g, x, xOff, col, colOff, ldCol);
            return;
        }
        im2colRows(g, x, xOff, col, colOff, ldCol);
    }

    /**
     * {@link #im2col} row by row, for any geometry: the readable reference of the faster layouts
     * ({@link #im2colPlaneShift}, {@link #im2colSmallPlane}), which the tests hold them to bit for bit.
     */
    static void im2colRows(Conv2dGeometry g, float[] x, int xOff, float[] col, int colOff, int ldCol) {
        int h = g.h(), w = g.w(), p = g.p(), q = g.q();
        int sh = g.spec().strideH(), sw = g.spec().strideW();
        int ph = g.spec().padH(), pw = g.spec().padW();
        int dh = g.spec().dilationH(), dw = g.spec().dilationW();
        int row = colOff;
        for (int c = 0; c < g.c(); c++) {
            for (int r = 0; r < g.r(); r++) {
                for (int s = 0; s < g.s(); s++, row += ldCol) {
                    int shift = s * dw - pw;                 // input column = q*sw + shift
                    int q0 = firstInside(shift, sw, w, q);
                    int q1 = endInside(shift, sw, w, q);
                    int dst = row;
                    for (int op = 0; op < p; op++, dst += q) {
                        int ih = op * sh - ph + r * dh;
                        if (ih < 0 || ih >= h || q0 >= q1) {
                            Arrays.fill(col, dst, dst + q, 0f);
                            continue;
                        }
                        int src = xOff + (c * h + ih) * w + shift;
                        Arrays.fill(col, dst, dst + q0, 0f);
                        if (sw == 1) {
                            copyRun(x, src + q0, col, dst + q0, q1 - q0);
                        } else {
                            for (int oq = q0; oq < q1; oq++) {
                                col[dst + oq] = x[src + oq * sw];
                            }
                        }
                        Arrays.fill(col, dst + q1, dst + q, 0f);
                    }
                }
            }
        }
    }

    /**
     * dx[c][ih][iw] = sum of the col entries im2col took from (c, ih, iw): dx_n is zeroed, then
     * every in-image entry is added back, in im2col's loop order (stride-1 rows are contiguous
     * adds that C2 vectorises).
     */
    static void col2im(Conv2dGeometry g, Conv2dPlan plan, float[] col, int colOff, int ldCol, float[] dx, int dxOff) {
        if (plan.smallPlane) {
            col2imSmallPlane(g, plan, col, colOff, ldCol, dx, dxOff);
            return;
        }
        if (plan.planeShift) {
            col2imPlaneShift(g, plan, col, colOff, ldCol, dx, dxOff);
            return;
        }
        col2imRows(g, col, colOff, ldCol, dx, dxOff);
    }

    /** {@link #col2im} row by row, for any geometry: the reference of {@link #col2imPlaneShift}. */
    static void col2imRows(Conv2dGeometry g, float[] col, int colOff, int ldCol, float[] dx, int dxOff) {
        int h = g.h(), w = g.w(), p = g.p(), q = g.q();
        int sh = g.spec().strideH(), sw = g.spec().strideW();
        int ph = g.spec().padH(), pw = g.spec().padW();
        int dh = g.spec().dilationH(), dw = g.spec().dilationW();
        Arrays.fill(dx, dxOff, dxOff + g.c() * h * w, 0f);
        int row = colOff;
        for (int c = 0; c < g.c(); c++) {
            for (int r = 0; r < g.r(); r++) {
                for (int s = 0; s < g.s(); s++, row += ldCol) {
                    int shift = s * dw - pw;
                    int q0 = firstInside(shift, sw, w, q);
                    int q1 = endInside(shift, sw, w, q);
                    int src = row;
                    for (int op = 0; op < p; op++, src += q) {
                        int ih = op * sh - ph + r * dh;
                        if (ih < 0 || ih >= h || q0 >= q1) {
                            continue; // no tap of this row lies inside the image
                        }
                        int dst = dxOff + (c * h + ih) * w + shift;
                        if (sw == 1) {
                            addRun(col, src + q0, dx, dst + q0, q1 - q0);
                        } else {
                            for (int oq = q0; oq < q1; oq++) {
                                dx[dst + oq * sw] += col[src + oq];
                            }
                        }
                    }
                }
            }
        }
    }

    /**
     * {@link #im2col} for stride 1 and Q == W ({@link Conv2dPlan#planeShift}): the column row of tap
     * (c, r, s) is {@code col[t] = x_c[t + (r*dh - ph)*W + s*dw - pw]} for the output pixels t = p*Q + q
     * of the rows p whose input row p + r*dh - ph lies in the image, with the lanes whose input column
     * q + s*dw - pw does not blanked to 0 (they read the neighbouring row's pixel), and 0 for the other
     * rows. The same values as the row-by-row loop, moved as one run of whole vectors per tap.
     *
     * <p>Why: ResNet-20's rows are 32, 16 and 8 floats, and the row loop paid a copy call and two fill
     * calls per row; measured on one thread (CPU time, AVX-512, batch 128, resnet-16 = 16 -> 16
     * channels on 32x32): the GEMM alone runs at 100 GFLOP per CPU s, the convolution with the row
     * loop at 53, that is, im2col took as long as the GEMM.
     */
    private static void im2colPlaneShift(Conv2dGeometry g, Conv2dPlan plan, float[] x, int xOff, float[] col,
                                         int colOff, int ldCol) {
        int h = g.h(), w = g.w(), p = g.p(), hw = h * w;
        int ph = g.spec().padH(), pw = g.spec().padW(), dh = g.spec().dilationH(), dw = g.spec().dilationW();
        int row = colOff;
        for (int c = 0; c < g.c(); c++) {
            for (int r = 0; r < g.r(); r++) {
                int rowShift = r * dh - ph;                 // input row = p + rowShift
                int t0 = Math.clamp(-rowShift, 0, p) * w;
                int t1 = Math.max(t0, Math.clamp(h - rowShift, 0, p) * w);
                for (int s = 0; s < g.s(); s++, row += ldCol) {
                    int shift = c * hw + rowShift * w + s * dw - pw;
                    shiftedPlane(x, xOff, g.c() * hw, shift, plan.insideColumns[s], col, row, t0, t1, plan.pq);
                }
            }
        }
    }

    /**
     * col[row + t] = x[xOff + shift + t] where inside[t], else 0, for t in [t0, t1); 0 on the rest of
     * [0, pq). Reads stay within the image's [xOff, xOff + imageSize): a vector that would cross
     * either end (the first tap's first lane, the last tap's last) is copied lane by lane. Not a masked
     * load: its mask (indexInRange with a negative offset, or a load past the array's end) runs the
     * JDK's lane bounds check, whose mask C2 was seen to box, 1.3 KiB per call for good, once other
     * kernels had run in the JVM (docs/benchmarks.md, "Masked accesses past an array's end").
     */
    private static void shiftedPlane(float[] x, int xOff, int imageSize, int shift, boolean[] inside, float[] col,
                                     int row, int t0, int t1, int pq) {
        Arrays.fill(col, row, row + t0, 0f);
        FloatVector zeros = FloatVector.zero(S);
        int t = t0;
        for (; t <= t1 - S.length(); t += S.length()) {
            int at = shift + t;
            if (at >= 0 && at + S.length() <= imageSize) {
                zeros.blend(FloatVector.fromArray(S, x, xOff + at), VectorMask.fromArray(S, inside, t))
                        .intoArray(col, row + t);
            } else {
                for (int j = t; j < t + S.length(); j++) {
                    int a = shift + j;
                    col[row + j] = inside[j] && a >= 0 && a < imageSize ? x[xOff + a] : 0f;
                }
            }
        }
        for (; t < t1; t++) {
            col[row + t] = inside[t] ? x[xOff + shift + t] : 0f;
        }
        Arrays.fill(col, row + t1, row + pq, 0f);
    }

    /**
     * {@link #col2im} for {@link Conv2dPlan#planeShift}: dx_n is zeroed, then for every tap (c, r, s)
     * in im2col's order, {@code dx_c[t + shift] += col[t]} for the in-image entries
     * ({@link #im2colPlaneShift}'s t, blanked lanes skipped by a masked add). Every pixel receives the
     * same additions in the same order as the row-by-row loop, so the sums are the same bits. Lanes
     * that would fall outside this image's dx (the first and last tap) are neither read nor written:
     * another worker may be writing the neighbouring image.
     */
    private static void col2imPlaneShift(Conv2dGeometry g, Conv2dPlan plan, float[] col, int colOff, int ldCol,
                                         float[] dx, int dxOff) {
        int h = g.h(), w = g.w(), p = g.p(), hw = h * w, size = g.c() * hw;
        int ph = g.spec().padH(), pw = g.spec().padW(), dh = g.spec().dilationH(), dw = g.spec().dilationW();
        Arrays.fill(dx, dxOff, dxOff + size, 0f);
        int row = colOff;
        for (int c = 0; c < g.c(); c++) {
            for (int r = 0; r < g.r(); r++) {
                int rowShift = r * dh - ph;
                int t0 = Math.clamp(-rowShift, 0, p) * w;
                int t1 = Math.max(t0, Math.clamp(h - rowShift, 0, p) * w);
                for (int s = 0; s < g.s(); s++, row += ldCol) {
                    int shift = c * hw + rowShift * w + s * dw - pw;
                    addShiftedPlane(col, row, plan.insideColumns[s], dx, dxOff, size, shift, t0, t1);
                }
            }
        }
    }

    /** dx[dxOff + shift + t] += col[row + t] where inside[t], for t in [t0, t1); see {@link #col2imPlaneShift}. */
    private static void addShiftedPlane(float[] col, int row, boolean[] inside, float[] dx, int dxOff, int imageSize,
                                        int shift, int t0, int t1) {
        int t = t0;
        for (; t <= t1 - S.length(); t += S.length()) {
            int at = shift + t;
            VectorMask<Float> lanes = VectorMask.fromArray(S, inside, t);
            if (at >= 0 && at + S.length() <= imageSize) {
                FloatVector.fromArray(S, dx, dxOff + at).add(FloatVector.fromArray(S, col, row + t), lanes)
                        .intoArray(dx, dxOff + at);
            } else {
                // lane by lane, not masked: see shiftedPlane
                for (int j = t; j < t + S.length(); j++) {
                    int a = shift + j;
                    if (inside[j] && a >= 0 && a < imageSize) {
                        dx[dxOff + a] += col[row + j];
                    }
                }
            }
        }
        for (; t < t1; t++) {
            if (inside[t]) {
                dx[dxOff + shift + t] += col[row + t];
            }
        }
    }

    /** Lane i takes lane 2i of the pair (v0, v1): v0's even lanes, then v1's (indices >= lanes pick from v1). */
    private static final VectorShuffle<Float> EVEN_LANES = VectorShuffle.iota(S, 0, 2, false);

    /**
     * {@link #im2colRows} for column stride 2 ({@link Conv2dPlan#strideTwoColumns}): the taps of
     * output columns [j, j + lanes) of row p are x_c[ih][2q + shift], the even lanes of the two
     * vectors that start at input column 2j + shift; lanes outside the in-image taps [q0, q1) are
     * blanked to 0, and the row is stored over [0, Q). Loads that would cross either end of x are
     * masked. The same values as the row loop, which moved them one float at a time (ResNet-20's
     * stride-2 3x3 layers ran at 32-47 GFLOP per CPU s against 70-78 for their stride-1 neighbours).
     */
    static void im2colStrideTwo(Conv2dGeometry g, float[] x, int xOff, float[] col, int colOff, int ldCol) {
        int h = g.h(), w = g.w(), p = g.p(), q = g.q(), lanes = S.length();
        int sh = g.spec().strideH();
        int ph = g.spec().padH(), pw = g.spec().padW();
        int dh = g.spec().dilationH(), dw = g.spec().dilationW();
        FloatVector zeros = FloatVector.zero(S);
        int row = colOff;
        for (int c = 0; c < g.c(); c++) {
            for (int r = 0; r < g.r(); r++) {
                for (int s = 0; s < g.s(); s++, row += ldCol) {
                    int shift = s * dw - pw;                 // input column = 2q + shift
                    int q0 = firstInside(shift, 2, w, q);
                    int q1 = endInside(shift, 2, w, q);
                    int dst = row;
                    for (int op = 0; op < p; op++, dst += q) {
                        int ih = op * sh - ph + r * dh;
                        boolean empty = ih < 0 || ih >= h || q0 >= q1;
                        int src = xOff + (c * h + ih) * w + shift;
                        for (int j = 0; j < q; j += lanes) {
                            FloatVector v = zeros;
                            if (!empty) {
                                int at = src + 2 * j;
                                FloatVector v0, v1;
                                if (at >= 0 && at + 2 * lanes <= x.length) {
                                    v0 = FloatVector.fromArray(S, x, at);
                                    v1 = FloatVector.fromArray(S, x, at + lanes);
                                } else {
                                    v0 = FloatVector.fromArray(S, x, at, S.indexInRange(at, x.length));
                                    v1 = FloatVector.fromArray(S, x, at + lanes, S.indexInRange(at + lanes, x.length));
                                }
                                // lanes j + i in [q0, q1); indexInRange's offset kept >= 0 (a negative
                                // one measured 30 bytes of garbage per row)
                                VectorMask<Float> inside = S.indexInRange(j, q1).andNot(S.indexInRange(j, q0));
                                v = zeros.blend(v0.rearrange(EVEN_LANES, v1), inside);
                            }
                            if (j + lanes <= q) {
                                v.intoArray(col, dst + j);
                            } else {
                                v.intoArray(col, dst + j, S.indexInRange(j, q));
                            }
                        }
                    }
                }
            }
        }
    }

    /**
     * col2im of wide columns (stride 1, no padding; see {@link #backwardDataWideImages}): dx_n is
     * zeroed, then for each tap (c, r, s), dx_c[r*dh*W + s*dw + t] += col[(c, r, s)][t] for t in
     * [0, P*W), cut at the plane's end, where only zero columns (q >= Q) fall.
     */
    static void col2imWide(Conv2dGeometry g, Conv2dPlan plan, float[] col, int colOff, int ldCol, float[] dx,
                           int dxOff) {
        int w = g.w(), hw = g.h() * w, dh = g.spec().dilationH(), dw = g.spec().dilationW();
        Arrays.fill(dx, dxOff, dxOff + g.c() * hw, 0f);
        int row = colOff;
        for (int c = 0; c < g.c(); c++) {
            for (int r = 0; r < g.r(); r++) {
                for (int s = 0; s < g.s(); s++, row += ldCol) {
                    int at = r * dh * w + s * dw;
                    addRun(col, row, dx, dxOff + c * hw + at, Math.min(plan.pw, hw - at));
                }
            }
        }
    }

    /**
     * im2col of an unpadded image whose P x Q output plane fits one vector (3x3 and 4x4 planes): each
     * column row (c, r, s) is one masked vector gather of the plane's taps from
     * {@code x[c][r*dh][s*dw] + planeOffsets}, stored with one masked store.
     */
    private static void im2colSmallPlane(Conv2dGeometry g, Conv2dPlan plan, float[] x, int xOff, float[] col,
                                         int colOff, int ldCol) {
        int h = g.h(), w = g.w(), dh = g.spec().dilationH(), dw = g.spec().dilationW();
        VectorMask<Float> lanes = S.indexInRange(0, plan.pq);
        int[] offsets = plan.planeOffsets;
        int row = colOff;
        for (int c = 0; c < g.c(); c++) {
            for (int r = 0; r < g.r(); r++) {
                int base = xOff + (c * h + r * dh) * w;
                for (int s = 0; s < g.s(); s++, row += ldCol) {
                    FloatVector.fromArray(S, x, base + s * dw, offsets, 0, lanes).intoArray(col, row, lanes);
                }
            }
        }
    }

    /** col2im's counterpart of {@link #im2colSmallPlane}: gather dx's taps, add the column row, scatter back. */
    private static void col2imSmallPlane(Conv2dGeometry g, Conv2dPlan plan, float[] col, int colOff, int ldCol,
                                         float[] dx, int dxOff) {
        int h = g.h(), w = g.w(), dh = g.spec().dilationH(), dw = g.spec().dilationW();
        Arrays.fill(dx, dxOff, dxOff + g.c() * h * w, 0f);
        VectorMask<Float> lanes = S.indexInRange(0, plan.pq);
        int[] offsets = plan.planeOffsets;
        int row = colOff;
        for (int c = 0; c < g.c(); c++) {
            for (int r = 0; r < g.r(); r++) {
                int base = dxOff + (c * h + r * dh) * w;
                for (int s = 0; s < g.s(); s++, row += ldCol) {
                    int at = base + s * dw;
                    FloatVector.fromArray(S, dx, at, offsets, 0, lanes)
                            .add(FloatVector.fromArray(S, col, row, lanes))
                            .intoArray(dx, at, offsets, 0, lanes);
                }
            }
        }
    }

    /**
     * dst[d, d+len) = src[s, s+len) in vectors, the last one masked: an output row is often shorter
     * than two vectors (13 floats for a 15x15 input), where a System.arraycopy call costs more
     * than the copy.
     */
    private static void copyRun(float[] src, int s, float[] dst, int d, int len) {
        int i = 0;
        for (; i <= len - S.length(); i += S.length()) {
            FloatVector.fromArray(S, src, s + i).intoArray(dst, d + i);
        }
        if (i < len) {
            VectorMask<Float> tail = S.indexInRange(i, len);
            FloatVector.fromArray(S, src, s + i, tail).intoArray(dst, d + i, tail);
        }
    }

    /**
     * dst[d, d+q) = src[s, s+q) and dst[d+q, d+width) = 0: an output-gradient row widened to the
     * input's width. A row that fits one vector is one masked load (zero past q) and one masked
     * store of width lanes, instead of a copy and a fill call.
     */
    private static void copyRowWidened(float[] src, int s, int q, float[] dst, int d, int width) {
        if (width <= S.length()) {
            FloatVector.fromArray(S, src, s, S.indexInRange(0, q)).intoArray(dst, d, S.indexInRange(0, width));
        } else {
            copyRun(src, s, dst, d, q);
            Arrays.fill(dst, d + q, d + width, 0f);
        }
    }

    /** dst[d, d+len) += src[s, s+len), in vectors like {@link #copyRun}. */
    private static void addRun(float[] src, int s, float[] dst, int d, int len) {
        int i = 0;
        for (; i <= len - S.length(); i += S.length()) {
            FloatVector.fromArray(S, dst, d + i).add(FloatVector.fromArray(S, src, s + i)).intoArray(dst, d + i);
        }
        if (i < len) {
            VectorMask<Float> tail = S.indexInRange(i, len);
            FloatVector.fromArray(S, dst, d + i, tail).add(FloatVector.fromArray(S, src, s + i, tail))
                    .intoArray(dst, d + i, tail);
        }
    }

    /** Smallest output column q >= 0 whose input column q*stride + shift is >= 0 (at most q). */
    private static int firstInside(int shift, int stride, int width, int q) {
        // long: -shift + stride - 1 overflows int for strides near 2^31 (valid with a huge padding).
        return shift >= 0 ? 0 : (int) Math.min(q, (-(long) shift + stride - 1) / stride);
    }

    /** One past the largest output column (at most q) whose input column q*stride + shift is < width. */
    private static int endInside(int shift, int stride, int width, int q) {
        if (shift >= width) {
            return 0;
        }
        return (int) Math.min(q, ((long) width - shift + stride - 1) / stride);
    }

    /** Drops cached plans and their buffers. */
    @Override
    public void close() {
        Arrays.fill(planShapes, null);
        Arrays.fill(plans, null);
        Arrays.fill(planLastUse, 0L);
    }
}
