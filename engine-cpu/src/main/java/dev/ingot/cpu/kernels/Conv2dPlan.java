package dev.ingot.cpu.kernels;

import dev.ingot.core.spec.Conv2dGeometry;
import dev.ingot.core.spec.Conv2dSpec;

/**
 * The scratch memory of one convolution shape (batch size aside), made once and reused by every
 * call with that shape so that a training step allocates nothing: per worker, an im2col column
 * buffer (C*R*S, G*P*Q) and, when images are grouped, a (K, G*P*Q) buffer for a group's outputs or
 * output gradients (both G*P*W wide where backward data can use wide columns,
 * {@link #wideBackwardData}); the weights packed as GEMM panels (both W and W^T); and, once the shape's
 * filter gradient has been asked for, one partial weight gradient per worker (transposed, (C*R*S, K)).
 *
 * <p>Used by one {@link Conv2dKernels} call at a time; within a call, worker {@code part} touches
 * only the buffers of index {@code part}.
 */
final class Conv2dPlan {
    /**
     * Columns a grouped GEMM aims for: eight NR-wide panels of the GEMM's register tile, so that
     * tile edges waste little and each K block runs long enough to pay for loading and storing its
     * C tiles (measured with AVX-512, NR = 32: 128 to 512 columns perform alike; 1 image of a 3x3
     * plane alone runs at a third of the speed). 256 columns with AVX-512, 192 with AVX2's
     * 4 x 3V tile (NR = 24), 96 at 128-bit.
     */
    static final int TARGET_COLUMNS = 8 * GemmKernels.NR;
    /**
     * {@code -Dingot.cpu.winograd=false} leaves {@link Conv2dWinograd} out of every plan, for A/B
     * measurements with one jar (e.g. {@code CpuTimeProbe --layers resnet20}); on by default.
     */
    static final String WINOGRAD_PROPERTY = "ingot.cpu.winograd";
    static final boolean WINOGRAD = !"false".equalsIgnoreCase(System.getProperty(WINOGRAD_PROPERTY, "true").trim());
    /** Largest column buffer grouping may make (floats; 1 MiB): it should stay in L2. */
    private static final int MAX_GROUP_FLOATS = 1 << 18;

    /** Rows of the column matrix: C*R*S. */
    final int crs;
    /** Columns of one image's column matrix: P*Q output pixels. */
    final int pq;
    /** Floats per input image: C*H*W. */
    final int chw;
    /** Floats per output image: K*P*Q. */
    final int kpq;
    /**
     * A 1x1 kernel with stride 1 and no padding (dilation is then irrelevant): the column matrix of
     * one image is the image itself, (C, H*W), and needs no im2col.
     */
    final boolean pointwise;
    /**
     * Images whose column matrices stand side by side in one GEMM, (C*R*S, group*P*Q): small
     * output planes (3x3, 4x4 pixels) would otherwise fill a fraction of each register tile and
     * make K-blocks a few steps deep.
     */
    final int group;

    /**
     * The whole P x Q output plane fits one vector and needs no padding: im2col gathers a plane row
     * with one vector gather from {@link #planeOffsets} instead of P short row copies.
     */
    final boolean smallPlane;
    /** For lane t = p*Q + q of a small plane: the input offset {@code p*sh*W + q*sw} of tap (0, 0). */
    final int[] planeOffsets;

    /**
     * Backward data lays its column matrix out at the input's row width (see
     * {@link #wideBackwardData}): one image's columns are P*W wide, not P*Q. Chosen where it was
     * measured faster: planes larger than a vector (a small plane's col2im is already one vector
     * per tap) and C*R*S >= 2K, where col2im's C*R*S*P short runs per image outweigh widening dy's
     * K*P rows (measured at batch 64, 2 threads: mnist and cifar conv2, C*R*S = 288, K = 64, 20-25 %
     * faster; conv1, C*R*S = 9 or 27, K = 32, 15-40 % slower; the factor 2 lies between those points
     * and is not tuned further).
     */
    final boolean wide;
    /** Columns of one image's wide column matrix: P*W. */
    final int pw;

    /**
     * Stride 1 and Q == W (ResNet's 3x3 'same' convolutions, padding (S-1)*dw/2 in width): the column
     * row of tap (c, r, s) is input plane c shifted by {@code (r*dh - ph)*W + s*dw - pw} floats, rows
     * whose input row falls in the padding zeroed, and in every row the columns whose input column
     * falls in the padding (they would wrap onto the neighbouring row) blanked with the mask
     * {@link #insideColumns}. im2col and col2im then move a whole plane per tap in full vectors
     * instead of P runs of Q floats with two fills each (see {@link Conv2dKernels#im2colPlaneShift}).
     */
    final boolean planeShift;
    /**
     * For tap column s and output pixel t = p*Q + q: whether input column q + s*dw - pw lies in the
     * image; each row is PQ + lanes long so a vector mask can be loaded at any t < PQ.
     */
    final boolean[][] insideColumns;

    /**
     * Column stride 2, any other geometry as the row loop takes it (ResNet's stride-2 3x3 and 1x1
     * layers): an output row's taps are every other float of an input row, which im2col reads as
     * two contiguous vectors and compresses to their even lanes with one two-vector rearrange
     * instead of one float at a time (see {@link Conv2dKernels#im2colStrideTwo}).
     */
    final boolean strideTwoColumns;

    /**
     * Where backward data runs as a forward convolution (see {@link Conv2dKernels#backwardData}):
     * stride 1, {@link #planeShift}, and padding at most the dilated kernel's reach minus one,
     * this is the batch-1 geometry of dx = conv(dy, W flipped), from K channels of P x Q to C of
     * H x W, padding {@code d*(R-1) - pad}; else null.
     */
    final Conv2dGeometry transposed;
    /** W flipped and transposed, (C, K, R, S): w'[c][k][r][s] = w[k][c][R-1-r][S-1-s]; null without {@link #transposed}. */
    final float[] flippedWeights;

    private Conv2dGeometry transposedAtBatch;
    /**
     * The filter gradient as dot products ({@link Conv2dKernels#backwardFilter}): K narrower than
     * the GEMM's register tile (NR = 2 x lanes with 32 registers, 3 x lanes with 16), where the
     * (CRS, K) product leaves part of every tile empty.
     */
    final boolean filterDots;
    private float[][] filterLanes;
    private float[] filterBlockSums = new float[0];

    /**
     * Stride-1 'same' shapes ({@link Conv2dShiftedPlanes#of}): the column matrix's rows read in place
     * from S column-masked copies of the image, by the filter gradient's dot products and, where
     * {@link #implicitForward}, by the forward pass (and so by backward data in its forward form);
     * else null.
     */
    final Conv2dShiftedPlanes shifted;
    /** Whether the forward pass runs as {@link Conv2dShiftedPlanes#forward} instead of im2col + GEMM. */
    final boolean implicitForward;
    /**
     * The forward pass as Winograd F(4x4, 3x3) ({@link Conv2dWinograd}), or null: 3x3, stride 1,
     * dilation 1, and where it was measured faster than the path it replaces and within the parity
     * suite's tolerance ({@link #winogradFits}).
     */
    final Conv2dWinograd winograd;
    private final float[][] shiftedCopies;
    private final float[] groupedWeights;

    private final float[][] columns;
    private final float[][] gathered;
    private float[][] filterPartials;
    private final float[] packedWeights;
    private final float[] packedWeightsTransposed;

    /**
     * The plan of shape g for {@code parts} workers, with vectors of {@code lanes} floats (the
     * kernels' species: the small-plane gather needs the plane to fit one vector).
     */
    Conv2dPlan(Conv2dGeometry g, int parts, int lanes) {
        this(g, parts, lanes, WINOGRAD);
    }

    /** The plan, with Winograd where {@link #winogradFits} if {@code winogradAllowed}. */
    Conv2dPlan(Conv2dGeometry g, int parts, int lanes, boolean winogradAllowed) {
        this.crs = g.c() * g.r() * g.s();
        this.pq = g.p() * g.q();
        this.chw = g.c() * g.h() * g.w();
        this.kpq = g.k() * pq;
        this.pointwise = g.r() == 1 && g.s() == 1 && g.spec().strideH() == 1 && g.spec().strideW() == 1
                && g.spec().padH() == 0 && g.spec().padW() == 0;
        this.smallPlane = pq <= lanes && g.spec().padH() == 0 && g.spec().padW() == 0;
        this.planeOffsets = new int[lanes];
        for (int t = 0; t < (smallPlane ? pq : 0); t++) {
            planeOffsets[t] = (t / g.q()) * g.spec().strideH() * g.w() + (t % g.q()) * g.spec().strideW();
        }
        this.wide = wideBackwardData(g) && !smallPlane && crs >= 2 * g.k();
        this.pw = g.p() * g.w();
        // Not for wider K with the shifted copies: measured slower than im2col + GEMM (one thread, CPU time,
        // batch 128): 32 -> 32 on 16x16 10.0 against 8.4 ms, 64 -> 64 on 8x8 23.3 against 7.8 (AVX-512).
        this.filterDots = g.k() < GemmKernels.NR;
        this.planeShift = !smallPlane && g.spec().strideH() == 1 && g.spec().strideW() == 1 && g.q() == g.w();
        Conv2dSpec spec = g.spec();
        int reachH = spec.dilationH() * (g.r() - 1), reachW = spec.dilationW() * (g.s() - 1);
        // The forward form's GEMM has C rows: with fewer channels than the tile's rows or than K
        // (ResNet's stem, 3 -> 16) it ran 2.2x slower than col2im (7.3 against 3.3 ms), with C = K
        // 1-9 % faster (docs/benchmarks.md).
        boolean asForward = planeShift && spec.padH() <= reachH && spec.padW() <= reachW
                && g.c() >= g.k() && g.c() >= GemmKernels.MR;
        this.transposed = asForward ? new Conv2dGeometry(g.n(), g.k(), g.p(), g.q(), g.c(), g.r(), g.s(), g.h(), g.w(),
                new Conv2dSpec(1, 1, reachH - spec.padH(), reachW - spec.padW(), spec.dilationH(), spec.dilationW()))
                : null;
        this.flippedWeights = asForward ? new float[g.k() * crs] : null;
        this.strideTwoColumns = !smallPlane && !planeShift && spec.strideW() == 2;
        this.insideColumns = new boolean[planeShift ? g.s() : 0][];
        for (int s = 0; s < insideColumns.length; s++) {
            insideColumns[s] = new boolean[pq + lanes];
            for (int t = 0; t < pq; t++) {
                int column = t % g.q() + s * g.spec().dilationW() - g.spec().padW();
                insideColumns[s][t] = column >= 0 && column < g.w();
            }
        }
        int wanted = (TARGET_COLUMNS + pq - 1) / pq;
        int fits = (int) Math.max(1, MAX_GROUP_FLOATS / ((long) crs * pq));
        this.group = Math.max(1, Math.min(wanted, fits));
        int widest = wideBackwardData(g) ? Math.max(pw, pq) : pq;
        long columnFloats = (long) crs * ((long) widest * group + 16);
        long gatheredFloats = (long) g.k() * ((long) widest * group + 16);
        if (Math.max(columnFloats, gatheredFloats) > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("conv2d: the im2col buffer of " + g + " would need " + columnFloats
                    + " floats, more than a Java array holds");
        }
        Conv2dShiftedPlanes planes = Conv2dShiftedPlanes.of(g);
        this.implicitForward = planes != null && planes.forwardApplies(g);
        this.shifted = implicitForward || filterDots ? planes : null;
        this.winograd = winogradAllowed && winogradFits(g) ? new Conv2dWinograd(g, parts) : null;
        this.shiftedCopies = new float[shifted == null ? 0 : parts][];
        for (int i = 0; i < shiftedCopies.length; i++) {
            shiftedCopies[i] = new float[shifted.floats()];
        }
        this.groupedWeights = implicitForward ? new float[g.k() * crs] : null;
        this.packedWeights = new float[GemmKernels.packedASize(g.k(), crs)];
        this.packedWeightsTransposed = new float[GemmKernels.packedASize(crs, g.k())];
        this.columns = new float[parts][];
        this.gathered = new float[parts][];
        for (int i = 0; i < parts; i++) {
            if (!pointwise || group > 1) {
                columns[i] = new float[(int) columnFloats];
            }
            if (group > 1 || wideBackwardData(g)) {
                gathered[i] = new float[(int) gatheredFloats];
            }
        }
    }

    /**
     * Whether g's forward pass takes {@link Conv2dWinograd}: a shape it computes with C >= 16, K >= 16,
     * padding on both axes and an output plane of at least 4 x 4. Measured (one thread, CPU time, under load, against the
     * shifted-planes or im2col + GEMM path; docs/benchmarks.md "Winograd F(4x4,3x3)"), AVX-512 / AVX2,
     * batch 128: C = K = 16 on 32x32 1.37x / 1.37x, 32 on 16x16 2.04x / 1.90x, 64 on 8x8 1.47x /
     * 2.16x; batch 64: 32 -> 64 on 26x26 'valid' 1.95x / 2.84x, 256 -> 256 on 16x16 2.33x / 2.95x;
     * 64 -> 64 on 5x5 'valid' (a 3x3 output: one clipped tile per image) 0.92x, hence the 4 x 4.
     * Accuracy bounds C from below: F(4x4,3x3)'s rounding does not shrink with C while the parity
     * suite's tolerance, 8 sqrt(9C + 1) u sum|terms|, does. With the suite's uniform [-2, 2) inputs
     * the largest error seen was 0.62 of that tolerance at C = 16, 0.53 at C = 32; at C <= 5 with
     * padding 2 it can exceed the tolerance for C itself (Conv2dWinogradTest).
     *
     * <p>Unpadded ('valid') shapes keep the direct forms although Winograd was faster there too
     * (mnist-cnn's 32 -> 64 on 13x13 1.17-1.39x): with it, models' DataParallelTest (2 ranks
     * against 1 process, 8 Adam steps of mnist-cnn, within 1e-5) diverged to 2.3e-4 after 4 steps
     * (1.5e-7 with the direct forms), though each image's output is the same bits at batch 32 and
     * 64. The likely cause (not proven): direct convolution gives bit-equal outputs over a constant
     * input region (every position sums the same terms in the same order), Winograd's rounding
     * depends on the position in the tile; mnist-cnn max-pools over MNIST's constant background,
     * where exact ties become near-ties that a 1e-7 change of the weights flips, routing gradients
     * elsewhere. Padding is the proxy this plan can see for "not the reference CNNs' valid
     * conv + max-pool"; ResNet-20 (global average pooling) and airbench94 pad.
     */
    static boolean winogradFits(Conv2dGeometry g) {
        return Conv2dWinograd.applies(g) && g.c() >= 16 && g.k() >= 16 && g.p() >= 4 && g.q() >= 4
                && g.spec().padH() >= 1 && g.spec().padW() >= 1;
    }

    /**
     * Images per group for a share of {@code images} images: at most {@link #group}, as even as
     * possible (32 images with groups of up to 29 go as 16 + 16, not 29 + 3).
     */
    int groupFor(int images) {
        int groups = (images + group - 1) / group;
        return Math.max(1, (images + groups - 1) / groups);
    }

    /**
     * Whether g's backward data can go through wide column matrices (the plan then has buffers for
     * them; {@link #wide} says whether it does): stride 1 and no padding, so that tap (r, s)'s
     * P x W plane is one contiguous run of the input plane, and not pointwise (whose columns are
     * dx itself).
     */
    static boolean wideBackwardData(Conv2dGeometry g) {
        Conv2dSpec spec = g.spec();
        boolean pointwise = g.r() == 1 && g.s() == 1 && spec.strideH() == 1 && spec.strideW() == 1
                && spec.padH() == 0 && spec.padW() == 0;
        return !pointwise && spec.strideH() == 1 && spec.strideW() == 1 && spec.padH() == 0 && spec.padW() == 0;
    }

    /** {@link #stride(int)} for {@code count} wide images side by side: count*P*W, plus 16 when that is a multiple of 64. */
    int wideStride(int count) {
        int cols = count * pw;
        return cols % 64 == 0 ? cols + 16 : cols;
    }

    /**
     * Row stride of the buffers holding {@code count} images side by side: count*P*Q, plus 16 when
     * that is a multiple of 64 floats, where rows would alias in the L1 cache sets and the GEMM
     * would have to copy them instead of reading them in place.
     */
    int stride(int count) {
        int cols = count * pq;
        return cols % 64 == 0 ? cols + 16 : cols;
    }

    /** {@link #transposed} at batch size n (kept, so that a training step makes no new geometry). */
    Conv2dGeometry transposedAt(int n) {
        Conv2dGeometry t = transposedAtBatch;
        if (t == null || t.n() != n) {
            t = new Conv2dGeometry(n, transposed.c(), transposed.h(), transposed.w(), transposed.k(), transposed.r(),
                    transposed.s(), transposed.p(), transposed.q(), transposed.spec());
            transposedAtBatch = t;
        }
        return t;
    }

    /** Worker {@code part}'s column buffer, (C*R*S, group*P*Q); null for a pointwise shape without grouping. */
    float[] columns(int part) {
        return columns[part];
    }

    /**
     * Worker {@code part}'s (K, group*P*Q) buffer for a group's output (forward) or output gradient
     * (backward) side by side; null when images are not grouped.
     */
    float[] gathered(int part) {
        return gathered[part];
    }

    /** Worker {@code part}'s copies of one image for {@link #shifted}. */
    float[] shiftedCopies(int part) {
        return shiftedCopies[part];
    }

    /** W regrouped for {@link Conv2dShiftedPlanes#forward}, (K/4, C*R*S, 4); null without {@link #implicitForward}. */
    float[] groupedWeights() {
        return groupedWeights;
    }

    /** W (K, C*R*S) packed for {@link GemmKernels#sgemmPackedAOnCallingThread}: the forward product's A. */
    float[] packedWeights() {
        return packedWeights;
    }

    /** W^T (C*R*S, K) packed the same way: the backward-data product's A. */
    float[] packedWeightsTransposed() {
        return packedWeightsTransposed;
    }

    /** Worker {@code part}'s partial weight gradient, transposed: (C*R*S, K). */
    float[] filterPartial(int part) {
        return filterPartials[part];
    }

    /**
     * Worker {@code part}'s lane sums of the filter gradient: (K, C*R*S, lanes), lane l of (k, i)
     * summing the pixels t with t mod lanes == l ({@link Conv2dKernels#backwardFilter}).
     */
    float[] filterLanes(int part) {
        return filterLanes[part];
    }

    /** At least {@code floats} floats for the per-block filter gradients; grown when a larger batch asks. */
    float[] filterBlockSums(int floats) {
        if (filterBlockSums.length < floats) {
            filterBlockSums = new float[floats];
        }
        return filterBlockSums;
    }

    /** Makes the lane sums exist; called on the calling thread before work is split. */
    void ensureFilterLanes(int weights, int lanes) {
        if (filterLanes == null) {
            float[][] sums = new float[columns.length][];
            for (int i = 0; i < sums.length; i++) {
                sums[i] = new float[weights * lanes];
            }
            filterLanes = sums;
        }
    }

    /** Makes the partial weight gradients exist; called on the calling thread before work is split. */
    void ensureFilterPartials(int weights) {
        if (filterPartials == null) {
            float[][] partials = new float[columns.length][];
            for (int i = 0; i < partials.length; i++) {
                partials[i] = new float[weights];
            }
            filterPartials = partials;
        }
    }
}
