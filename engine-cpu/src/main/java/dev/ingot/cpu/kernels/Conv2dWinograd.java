package dev.ingot.cpu.kernels;

import dev.ingot.core.spec.Conv2dGeometry;
import dev.ingot.core.spec.Conv2dSpec;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Winograd F(4x4, 3x3) convolution (Lavin and Gray 2015): 3x3 kernels, stride 1, dilation 1,
 * padding 0 to 2. Each 4x4 output tile comes from the 6x6 input patch under it:
 * <pre>
 *   Y = A^T [ sum_c (G g_kc G^T) (.) (B^T d_c B) ] A      ((.) : element-wise, 36 products per (c, k))
 * </pre>
 * instead of the 144 multiplies of direct convolution, with the matrices of the points 0, 1, -1,
 * 2, -2 and infinity (as wincnn makes them):
 * <pre>
 *   B^T = [ 4  0 -5  0  1  0 ]    G = [  1/4     0     0  ]    A^T = [ 1  1  1  1  1  0 ]
 *         [ 0 -4 -4  1  1  0 ]        [ -1/6  -1/6  -1/6  ]          [ 0  1 -1  2 -2  0 ]
 *         [ 0  4 -4 -1  1  0 ]        [ -1/6   1/6  -1/6  ]          [ 0  1  1  4  4  0 ]
 *         [ 0 -2 -1  2  1  0 ]        [  1/24  1/12  1/6  ]          [ 0  1 -1  8 -8  1 ]
 *         [ 0  2 -1 -2  1  0 ]        [  1/24 -1/12  1/6  ]
 *         [ 0  4  0 -5  0  1 ]        [  0     0     1    ]
 * </pre>
 * Written with xi = (i, j) for the 36 points, the sum over c is, per point, a matrix product:
 * {@code M[xi] (K, T) = U[xi] (K, C) . V[xi] (C, T)} over a block of T tiles, with U = G g G^T
 * (the filters, transformed once per call, {@link #transformFilters}) and V = B^T d B (the patches).
 *
 * <p>Loop order, per worker and per block of about {@link #TARGET_TILES} tiles (whole images of
 * a small plane, or a run of one large image's tiles): (1) the block's images are copied into a
 * zero-framed buffer (the padding and the clipped edge tiles read its zeros, so no tile needs a
 * bounds test); (2) the input transform, one vector of tiles at a time: for each of the 6 patch
 * rows, its 6 columns with one tile per lane (vector gathers through {@link #tileOffsets}, or
 * where tiles lie side by side, vector loads of whole patch rows unzipped, {@link #patchRuns})
 * and the row pass d B, then per column the column pass B^T (d B), into V (36, C, T); (3) the 36
 * products, with a register tile of {@link #ROWS} output channels by {@link #VECTORS} vectors of
 * tiles: per depth step c, VECTORS loads of V and ROWS broadcasts of U, ROWS x VECTORS FMAs (the
 * GEMM micro-kernel's shape; U is laid out (36, K/4, C, 4) so the four broadcasts share one
 * cache line); (4) the output transform A^T M A in vectors of tiles, the bias added, and each
 * tile's 4x4 (clipped at the plane's edge) copied into y. V[xi] (C x T floats) stays in L2 while
 * the K/4 row tiles read it; U[xi] is read once per block.
 *
 * <p>Why it is fast: the products are 36/144 = 1/4 of direct convolution's multiplies and run at
 * the GEMM tile's speed; the transforms cost O(C + K) per tile against the products' O(C K), so
 * the gain grows with the channels. Measured (one thread, CPU time, under load, forward against
 * the path it replaces; docs/benchmarks.md, "Winograd F(4x4,3x3)"), AVX-512 / AVX2: ResNet-20's
 * 16 -> 16 on 32x32 1.37x / 1.37x, 32 -> 32 on 16x16 2.04x / 1.90x, 64 -> 64 on 8x8 1.47x /
 * 2.16x; 256 -> 256 on 16x16 2.33x / 2.95x; mnist-cnn's 32 -> 64 on 26x26 'valid' 1.95x / 2.84x.
 * What made the transforms cheap enough: a cache line between the 36 points' planes of V and M
 * (4 KiB apart they shared L1 sets), output rows of lanes/4 tiles side by side stored as one
 * vector after interleaving, and patch rows of tiles side by side loaded as vectors and unzipped
 * ({@link #patchRuns}) instead of gathered. At 64 -> 64 on 8x8 (AVX-512: gathers, 2 tiles per
 * plane row) the products take 1.35 ms of 3.6 (about the FMA peak), the input transform 0.63, the
 * output transform 0.74, copying x into the frame 0.48 (x's first read from memory), the filter
 * transform 0.46.
 *
 * <p>Determinism: every output is summed over c in the same order in its own lane whatever tiles
 * share its block or vector, so results do not depend on how images are split over workers.
 * Rounding: the transforms scale values by up to 8 and cancel, so the error is larger than direct
 * convolution's (measured in Conv2dWinogradTest; docs/decisions.md). Non-finite values would spread
 * over a whole tile (inf - inf), so {@link Conv2dKernels} sends non-finite inputs or weights to the
 * direct path.
 */
final class Conv2dWinograd {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    /** Two-vector shuffles interleaving the low and the high halves of a and b: a0 b0 a1 b1 ... */
    private static final VectorShuffle<Float> ZIP_LOW = zip(0);
    private static final VectorShuffle<Float> ZIP_HIGH = zip(S.length() / 2);
    /** Two-vector shuffles taking the even (odd) lanes of a, then those of b. */
    private static final VectorShuffle<Float> EVENS = unzip(0);
    private static final VectorShuffle<Float> ODDS = unzip(1);
    /** Output channels per register tile (broadcast filter values). */
    static final int ROWS = 4;
    /**
     * Tile vectors per register tile: 4 x 4 accumulators + 4 V vectors + 1 broadcast = 21 of
     * AVX-512's 32 registers; 4 x 2 + 2 + 1 = 11 of AVX2's and SSE's 16.
     */
    static final int VECTORS = VectorShape.PREFERRED.registers() >= 32 ? 4 : 2;
    /** Tiles a block aims for: V of 64 tiles and 64 channels is 590 KB, within L2. */
    static final int TARGET_TILES = 64;
    private static final double SIXTH = 1.0 / 6, TWELFTH = 1.0 / 12, TWENTY_FOURTH = 1.0 / 24;
    /** The 36 points of the transformed 6x6 domain. */
    static final int POINTS = 36;

    private final int c;
    private final int k;
    private final int h;
    private final int w;
    private final int p;
    private final int q;
    private final int padH;
    private final int padW;
    private final int tilesH;
    private final int tilesW;
    private final int tilesPerImage;
    /** Images per block when a plane has at most about {@link #TARGET_TILES} tiles, else 1. */
    private final int imagesPerBlock;
    /** Tiles per block when one image's tiles are split into runs, else tilesPerImage * imagesPerBlock. */
    private final int blockTiles;
    /** Lanes of a block: blockTiles rounded up to whole vectors. */
    private final int lanesPerBlock;
    /** Row stride and plane size of the zero-framed copies: 4 * tiles + 2 each way. */
    private final int frameW;
    private final int framePlane;
    /**
     * Floats from one point's plane of V (C x lanesPerBlock) or M (K x lanesPerBlock) to the next:
     * one cache line more where the plane is a multiple of 1 KiB, where the 36 planes' lines would
     * otherwise fall in the same few L1 sets (C = 16 and 64 tiles: 4 KiB apart).
     */
    private final int vPoint;
    private final int mPoint;
    /** K rounded up to {@link #ROWS}: U and M carry zero rows beyond K. */
    private final int kPadded;
    /**
     * For block tile t (image g, tile row ti, tile column tj): {@code g*C*framePlane + 4*ti*frameW + 4*tj},
     * where its patch starts in the framed copies; a vector's worth of zeros past the end.
     */
    private final int[] tileOffsets;
    /** For block tile t: where its 4x4 output tile starts in y, relative to the block's first image. */
    private final int[] outputOffsets;
    /**
     * For block tile t: whether tiles t .. t + lanes/4 - 1 are whole (4 x 4, not clipped) and side by
     * side in y, so that their rows are one vector of y.
     */
    private final boolean[] rowRuns;
    /**
     * For block tile t: whether the patches of tiles t .. t + lanes/4 - 1 lie side by side in the
     * frame (4 floats apart), so that a patch row of all of them is one vector load (and one more
     * 4 floats on) instead of 6 gathers.
     */
    private final boolean[] patchRuns;
    /** For block tile t: rows and columns of its tile inside the P x Q plane (4 but at the edges). */
    private final int[] tileRows;
    private final int[] tileCols;

    /** G g of one filter, 6 x 3 (kept: a training step allocates nothing). */
    private final double[] filterRows = new double[18];
    /** The transformed filters, (36, K/4, C, 4). */
    private final float[] u;
    private final float[][] framed;
    private final float[][] v;
    private final float[][] m;
    private final float[][] scratch;

    /** Lane 2i takes lane from + i of the first vector, lane 2i + 1 that of the second (index + lanes). */
    private static VectorShuffle<Float> zip(int from) {
        int[] source = new int[S.length()];
        for (int i = 0; i < source.length / 2; i++) {
            source[2 * i] = from + i;
            source[2 * i + 1] = from + i + S.length();
        }
        return VectorShuffle.fromArray(S, source, 0);
    }

    /** Lane n takes lane 2n + parity of a (n < lanes/2), else lane 2(n - lanes/2) + parity of b (index + lanes). */
    private static VectorShuffle<Float> unzip(int parity) {
        int[] source = new int[S.length()];
        for (int n = 0; n < source.length; n++) {
            source[n] = 2 * n + parity;      // n >= lanes/2: 2n + parity - lanes of b, written + lanes
        }
        return VectorShuffle.fromArray(S, source, 0);
    }

    private static int unaliased(int floats) {
        return floats % 256 == 0 ? floats + 16 : floats;
    }

    /**
     * Whether v[0, length) is all finite: 0 * v is 0 for each, NaN as soon as one is NaN or infinite.
     * Non-finite values would spread over a whole tile here (inf - inf in the transforms), where
     * direct convolution confines them to the outputs that read them.
     */
    static boolean allFinite(float[] v, int length) {
        FloatVector zeros = FloatVector.zero(S);
        FloatVector acc = zeros;
        int i = 0;
        for (; i <= length - S.length(); i += S.length()) {
            acc = acc.add(FloatVector.fromArray(S, v, i).mul(zeros));
        }
        float tail = 0f;
        for (; i < length; i++) {
            tail += v[i] * 0f;
        }
        return acc.reduceLanes(VectorOperators.ADD) + tail == 0f;
    }

    /** Whether g is a shape this kernel computes: 3x3, stride 1, dilation 1, padding 0 to 2. */
    static boolean applies(Conv2dGeometry g) {
        Conv2dSpec s = g.spec();
        return g.r() == 3 && g.s() == 3 && s.strideH() == 1 && s.strideW() == 1 && s.dilationH() == 1
                && s.dilationW() == 1 && s.padH() >= 0 && s.padH() <= 2 && s.padW() >= 0 && s.padW() <= 2
                && g.p() >= 1 && g.q() >= 1;
    }

    /** The kernel's buffers for shape g (batch size aside) and {@code parts} workers. */
    Conv2dWinograd(Conv2dGeometry g, int parts) {
        if (!applies(g)) {
            throw new IllegalArgumentException("conv2d Winograd F(4x4,3x3): needs a 3x3 kernel, stride 1, dilation 1"
                    + " and padding 0..2, got " + g);
        }
        this.c = g.c();
        this.k = g.k();
        this.h = g.h();
        this.w = g.w();
        this.p = g.p();
        this.q = g.q();
        this.padH = g.spec().padH();
        this.padW = g.spec().padW();
        this.tilesH = (p + 3) / 4;
        this.tilesW = (q + 3) / 4;
        this.tilesPerImage = tilesH * tilesW;
        if (tilesPerImage <= TARGET_TILES) {
            this.imagesPerBlock = Math.max(1, (TARGET_TILES + tilesPerImage / 2) / tilesPerImage);
            this.blockTiles = imagesPerBlock * tilesPerImage;
        } else {
            int runs = (tilesPerImage + TARGET_TILES - 1) / TARGET_TILES;
            this.imagesPerBlock = 1;
            this.blockTiles = (tilesPerImage + runs - 1) / runs;
        }
        int lanes = S.length();
        this.lanesPerBlock = (blockTiles + lanes - 1) / lanes * lanes;
        this.frameW = 4 * tilesW + 2;
        this.framePlane = (4 * tilesH + 2) * frameW;
        this.kPadded = (k + ROWS - 1) / ROWS * ROWS;
        long framedFloats = (long) imagesPerBlock * c * framePlane;
        this.vPoint = unaliased(c * lanesPerBlock);
        this.mPoint = unaliased(kPadded * lanesPerBlock);
        long vFloats = (long) POINTS * vPoint, mFloats = (long) POINTS * mPoint;
        if (Math.max(framedFloats + lanes, Math.max(vFloats, mFloats)) > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("conv2d Winograd: the buffers of " + g + " would exceed a Java array");
        }
        int indexed = imagesPerBlock * tilesPerImage;
        this.tileOffsets = new int[indexed + lanesPerBlock];
        this.outputOffsets = new int[indexed + lanesPerBlock];
        this.tileRows = new int[indexed + lanesPerBlock];
        this.tileCols = new int[indexed + lanesPerBlock];
        for (int t = 0; t < indexed; t++) {
            int img = t / tilesPerImage, ti = (t % tilesPerImage) / tilesW, tj = t % tilesW;
            tileOffsets[t] = img * c * framePlane + 4 * ti * frameW + 4 * tj;
            outputOffsets[t] = img * k * p * q + 4 * ti * q + 4 * tj;
            tileRows[t] = Math.min(4, p - 4 * ti);
            tileCols[t] = Math.min(4, q - 4 * tj);
        }
        this.rowRuns = new boolean[indexed + lanesPerBlock];
        for (int t = 0; t + lanes / 4 <= indexed; t++) {
            boolean run = true;
            for (int a = 0; a < lanes / 4; a++) {
                run &= tileRows[t + a] == 4 && tileCols[t + a] == 4 && outputOffsets[t + a] == outputOffsets[t] + 4 * a;
            }
            rowRuns[t] = run;
        }
        this.patchRuns = new boolean[indexed + lanesPerBlock];
        for (int t = 0; t + lanes / 4 <= indexed; t++) {
            boolean run = true;
            for (int a = 0; a < lanes / 4; a++) {
                run &= tileOffsets[t + a] == tileOffsets[t] + 4 * a;
            }
            patchRuns[t] = run;
        }
        this.u = new float[POINTS * kPadded * c];
        this.framed = new float[parts][(int) framedFloats + lanes];   // a run's last loads read 2 floats past a row
        this.v = new float[parts][(int) vFloats];
        this.m = new float[parts][(int) mFloats];
        this.scratch = new float[parts][(POINTS + 16) * lanes];
    }

    /**
     * U[xi][k/4][c][k%4] = (G g_kc G^T)[xi], from w (K, C, 3, 3), in double and rounded once: the
     * filters change every step, so this runs once per call (K*C*~100 flops, small beside the products).
     */
    void transformFilters(float[] wts) {
        double[] gg = filterRows;
        int kBlocks = kPadded / ROWS;
        for (int kk = 0; kk < k; kk++) {
            int kb = kk / ROWS, r = kk % ROWS;
            for (int ch = 0; ch < c; ch++) {
                int at = (kk * c + ch) * 9;
                // G g: 6 x 3, column by column of g (products with 1/6, 1/12, 1/24: no divisions)
                for (int col = 0; col < 3; col++) {
                    double g0 = wts[at + col], g1 = wts[at + 3 + col], g2 = wts[at + 6 + col];
                    double even = g0 + g2;
                    double four = g0 * TWENTY_FOURTH + g2 * SIXTH;
                    gg[col] = g0 * 0.25;
                    gg[3 + col] = -(even + g1) * SIXTH;
                    gg[6 + col] = -(even - g1) * SIXTH;
                    gg[9 + col] = four + g1 * TWELFTH;
                    gg[12 + col] = four - g1 * TWELFTH;
                    gg[15 + col] = g2;
                }
                // (G g) G^T: row i of 3 -> 6 points
                for (int i = 0; i < 6; i++) {
                    double g0 = gg[i * 3], g1 = gg[i * 3 + 1], g2 = gg[i * 3 + 2];
                    double even = g0 + g2;
                    double four = g0 * TWENTY_FOURTH + g2 * SIXTH;
                    int at0 = ((i * 6 * kBlocks + kb) * c + ch) * ROWS + r, step = kBlocks * c * ROWS;
                    u[at0] = (float) (g0 * 0.25);
                    u[at0 + step] = (float) (-(even + g1) * SIXTH);
                    u[at0 + 2 * step] = (float) (-(even - g1) * SIXTH);
                    u[at0 + 3 * step] = (float) (four + g1 * TWELFTH);
                    u[at0 + 4 * step] = (float) (four - g1 * TWELFTH);
                    u[at0 + 5 * step] = (float) g2;
                }
            }
        }
    }

    /**
     * y_n = conv(x_n, w) + b for images [n0, n1), by worker {@code part}, from the filters last
     * given to {@link #transformFilters}.
     */
    void forwardImages(int part, float[] x, float[] b, float[] y, int n0, int n1) {
        int chw = c * h * w, kpq = k * p * q;
        float[] frame = framed[part];
        if (imagesPerBlock > 1 || blockTiles == tilesPerImage) {
            for (int img = n0; img < n1; img += imagesPerBlock) {
                int count = Math.min(imagesPerBlock, n1 - img);
                for (int g = 0; g < count; g++) {
                    frameImage(x, (img + g) * chw, frame, g * c * framePlane);
                }
                block(part, 0, count * tilesPerImage, b, y, img * kpq);
            }
        } else {
            for (int img = n0; img < n1; img++) {
                frameImage(x, img * chw, frame, 0);
                for (int t0 = 0; t0 < tilesPerImage; t0 += blockTiles) {
                    block(part, t0, Math.min(blockTiles, tilesPerImage - t0), b, y, img * kpq);
                }
            }
        }
    }

    /**
     * Image x_n (at xOff) into the framed copy at fOff: row i at frame row padH + i, column padW on.
     * Rows are short (8 to 32 floats) and many (C*H per image): vector copies, the last one
     * overlapping the one before, or a plain loop below a vector, not System.arraycopy calls.
     */
    private void frameImage(float[] x, int xOff, float[] frame, int fOff) {
        int lanes = S.length();
        for (int ch = 0; ch < c; ch++) {
            for (int i = 0; i < h; i++) {
                int src = xOff + (ch * h + i) * w, dst = fOff + ch * framePlane + (padH + i) * frameW + padW;
                if (w >= lanes) {
                    int u = 0;
                    for (; u < w - lanes; u += lanes) {
                        FloatVector.fromArray(S, x, src + u).intoArray(frame, dst + u);
                    }
                    FloatVector.fromArray(S, x, src + w - lanes).intoArray(frame, dst + w - lanes);
                } else {
                    for (int u = 0; u < w; u++) {
                        frame[dst + u] = x[src + u];
                    }
                }
            }
        }
    }

    /** Block tiles [t0, t0 + count) of the framed images: V, the products, then the outputs into y at yOff. */
    private void block(int part, int t0, int count, float[] b, float[] y, int yOff) {
        int vectors = (count + S.length() - 1) / S.length();
        inputTransform(framed[part], v[part], scratch[part], t0, vectors);
        products(v[part], m[part], vectors);
        outputTransform(m[part], scratch[part], t0, count, vectors, b, y, yOff);
    }

    /**
     * V[xi][c][t] = (B^T d B)[xi] for the block's tiles, a vector of tiles at a time: per patch row
     * i, its 6 columns d0..d5 with one tile per lane, then the row pass (d B)[i], then per column
     * the column pass B^T (d B). The columns come from one of two reads with the same values:
     * where the vector's tiles lie side by side in groups of lanes/4 ({@link #patchRuns}), group
     * g's patch row is one vector load A_g (4 floats per tile) and one 4 floats on, B_g (the
     * tiles' columns 4 and 5 first), and two rounds of even/odd lane selection turn A_0..A_3 into
     * d0..d3 and B_0..B_3 into d4, d5 (14 two-vector shuffles); elsewhere 6 vector gathers through
     * {@link #tileOffsets}. The arithmetic after is the same either way, so a tile's V does not
     * depend on which vector, and so which read, it falls in (the thread count moves block starts).
     */
    private void inputTransform(float[] frame, float[] vb, float[] tmp, int t0, int vectors) {
        int lanes = S.length(), quarter = lanes / 4, fw = frameW;
        int[] offsets = tileOffsets;
        int vStride = vPoint;
        FloatVector four = FloatVector.broadcast(S, 4f), minus4 = FloatVector.broadcast(S, -4f);
        FloatVector minus5 = FloatVector.broadcast(S, -5f);
        for (int ch = 0; ch < c; ch++) {
            int plane = ch * framePlane;
            for (int vi = 0; vi < vectors; vi++) {
                int map = t0 + vi * lanes;
                boolean runs = patchRuns[map] && patchRuns[map + quarter] && patchRuns[map + 2 * quarter]
                        && patchRuns[map + 3 * quarter];
                int b0 = plane + offsets[map], b1 = plane + offsets[map + quarter];
                int b2 = plane + offsets[map + 2 * quarter], b3 = plane + offsets[map + 3 * quarter];
                // row pass: tmp[i][j] = sum_s d[i][s] B[s][j]
                for (int i = 0; i < 6; i++) {
                    int r = i * fw;
                    FloatVector d0, d1, d2, d3, d4, d5;
                    if (runs) {
                        FloatVector a0 = FloatVector.fromArray(S, frame, b0 + r);
                        FloatVector a1 = FloatVector.fromArray(S, frame, b1 + r);
                        FloatVector a2 = FloatVector.fromArray(S, frame, b2 + r);
                        FloatVector a3 = FloatVector.fromArray(S, frame, b3 + r);
                        FloatVector e01 = a0.rearrange(EVENS, a1), o01 = a0.rearrange(ODDS, a1);
                        FloatVector e23 = a2.rearrange(EVENS, a3), o23 = a2.rearrange(ODDS, a3);
                        d0 = e01.rearrange(EVENS, e23);
                        d2 = e01.rearrange(ODDS, e23);
                        d1 = o01.rearrange(EVENS, o23);
                        d3 = o01.rearrange(ODDS, o23);
                        a0 = FloatVector.fromArray(S, frame, b0 + r + 4);
                        a1 = FloatVector.fromArray(S, frame, b1 + r + 4);
                        a2 = FloatVector.fromArray(S, frame, b2 + r + 4);
                        a3 = FloatVector.fromArray(S, frame, b3 + r + 4);
                        d4 = a0.rearrange(EVENS, a1).rearrange(EVENS, a2.rearrange(EVENS, a3));
                        d5 = a0.rearrange(ODDS, a1).rearrange(EVENS, a2.rearrange(ODDS, a3));
                    } else {
                        int at = plane + r;
                        d0 = FloatVector.fromArray(S, frame, at, offsets, map);
                        d1 = FloatVector.fromArray(S, frame, at + 1, offsets, map);
                        d2 = FloatVector.fromArray(S, frame, at + 2, offsets, map);
                        d3 = FloatVector.fromArray(S, frame, at + 3, offsets, map);
                        d4 = FloatVector.fromArray(S, frame, at + 4, offsets, map);
                        d5 = FloatVector.fromArray(S, frame, at + 5, offsets, map);
                    }
                    FloatVector t0v = d2.fma(minus4, d4);             // d4 - 4 d2
                    FloatVector t1v = d1.fma(minus4, d3);             // d3 - 4 d1
                    FloatVector t2v = d4.sub(d2);
                    FloatVector t3v = d3.sub(d1).mul(2f);
                    int row = i * 6 * lanes;
                    d0.fma(four, d2.fma(minus5, d4)).intoArray(tmp, row);
                    t0v.add(t1v).intoArray(tmp, row + lanes);
                    t0v.sub(t1v).intoArray(tmp, row + 2 * lanes);
                    t2v.add(t3v).intoArray(tmp, row + 3 * lanes);
                    t2v.sub(t3v).intoArray(tmp, row + 4 * lanes);
                    d1.fma(four, d3.fma(minus5, d5)).intoArray(tmp, row + 5 * lanes);
                }
                // column pass: V[i][j] = sum_r B^T[i][r] tmp[r][j]
                int out = ch * lanesPerBlock + vi * lanes;
                for (int j = 0; j < 6; j++) {
                    FloatVector d0 = FloatVector.fromArray(S, tmp, j * lanes);
                    FloatVector d1 = FloatVector.fromArray(S, tmp, (6 + j) * lanes);
                    FloatVector d2 = FloatVector.fromArray(S, tmp, (12 + j) * lanes);
                    FloatVector d3 = FloatVector.fromArray(S, tmp, (18 + j) * lanes);
                    FloatVector d4 = FloatVector.fromArray(S, tmp, (24 + j) * lanes);
                    FloatVector d5 = FloatVector.fromArray(S, tmp, (30 + j) * lanes);
                    FloatVector t0v = d2.fma(minus4, d4);
                    FloatVector t1v = d1.fma(minus4, d3);
                    FloatVector t2v = d4.sub(d2);
                    FloatVector t3v = d3.sub(d1).mul(2f);
                    d0.fma(four, d2.fma(minus5, d4)).intoArray(vb, j * vStride + out);
                    t0v.add(t1v).intoArray(vb, (6 + j) * vStride + out);
                    t0v.sub(t1v).intoArray(vb, (12 + j) * vStride + out);
                    t2v.add(t3v).intoArray(vb, (18 + j) * vStride + out);
                    t2v.sub(t3v).intoArray(vb, (24 + j) * vStride + out);
                    d1.fma(four, d3.fma(minus5, d5)).intoArray(vb, (30 + j) * vStride + out);
                }
            }
        }
    }

    /** M[xi] (K, T) = U[xi] (K, C) . V[xi] (C, T) for the 36 points, over the block's first {@code vectors} vectors. */
    private void products(float[] vb, float[] mb, int vectors) {
        int kBlocks = kPadded / ROWS, lanes = S.length(), ld = lanesPerBlock;
        int full = vectors / VECTORS * VECTORS;
        for (int xi = 0; xi < POINTS; xi++) {
            int vOff = xi * vPoint;
            for (int kb = 0; kb < kBlocks; kb++) {
                int uOff = (xi * kBlocks + kb) * c * ROWS;
                int mOff = xi * mPoint + kb * ROWS * ld;
                for (int vi = 0; vi < full; vi += VECTORS) {
                    if (VECTORS == 4) {
                        tile4x4(vb, vOff + vi * lanes, ld, u, uOff, mb, mOff + vi * lanes);
                    } else {
                        tile4x2(vb, vOff + vi * lanes, ld, u, uOff, mb, mOff + vi * lanes);
                    }
                }
                for (int vi = full; vi < vectors; vi++) {
                    tile4x1(vb, vOff + vi * lanes, ld, u, uOff, mb, mOff + vi * lanes);
                }
            }
        }
    }

    private void tile4x4(float[] vb, int vAt, int ld, float[] ub, int uAt, float[] mb, int mAt) {
        int n = S.length();
        FloatVector a00 = FloatVector.zero(S), a01 = a00, a02 = a00, a03 = a00;
        FloatVector a10 = a00, a11 = a00, a12 = a00, a13 = a00;
        FloatVector a20 = a00, a21 = a00, a22 = a00, a23 = a00;
        FloatVector a30 = a00, a31 = a00, a32 = a00, a33 = a00;
        for (int ch = 0, at = vAt, ui = uAt; ch < c; ch++, at += ld, ui += ROWS) {
            FloatVector x0 = FloatVector.fromArray(S, vb, at), x1 = FloatVector.fromArray(S, vb, at + n);
            FloatVector x2 = FloatVector.fromArray(S, vb, at + 2 * n), x3 = FloatVector.fromArray(S, vb, at + 3 * n);
            FloatVector f = FloatVector.broadcast(S, ub[ui]);
            a00 = x0.fma(f, a00);
            a01 = x1.fma(f, a01);
            a02 = x2.fma(f, a02);
            a03 = x3.fma(f, a03);
            f = FloatVector.broadcast(S, ub[ui + 1]);
            a10 = x0.fma(f, a10);
            a11 = x1.fma(f, a11);
            a12 = x2.fma(f, a12);
            a13 = x3.fma(f, a13);
            f = FloatVector.broadcast(S, ub[ui + 2]);
            a20 = x0.fma(f, a20);
            a21 = x1.fma(f, a21);
            a22 = x2.fma(f, a22);
            a23 = x3.fma(f, a23);
            f = FloatVector.broadcast(S, ub[ui + 3]);
            a30 = x0.fma(f, a30);
            a31 = x1.fma(f, a31);
            a32 = x2.fma(f, a32);
            a33 = x3.fma(f, a33);
        }
        // Written out, not a store method: C2 boxes vectors passed to a method it does not inline.
        a00.intoArray(mb, mAt);
        a01.intoArray(mb, mAt + n);
        a02.intoArray(mb, mAt + 2 * n);
        a03.intoArray(mb, mAt + 3 * n);
        a10.intoArray(mb, mAt + ld);
        a11.intoArray(mb, mAt + ld + n);
        a12.intoArray(mb, mAt + ld + 2 * n);
        a13.intoArray(mb, mAt + ld + 3 * n);
        a20.intoArray(mb, mAt + 2 * ld);
        a21.intoArray(mb, mAt + 2 * ld + n);
        a22.intoArray(mb, mAt + 2 * ld + 2 * n);
        a23.intoArray(mb, mAt + 2 * ld + 3 * n);
        a30.intoArray(mb, mAt + 3 * ld);
        a31.intoArray(mb, mAt + 3 * ld + n);
        a32.intoArray(mb, mAt + 3 * ld + 2 * n);
        a33.intoArray(mb, mAt + 3 * ld + 3 * n);
    }

    private void tile4x2(float[] vb, int vAt, int ld, float[] ub, int uAt, float[] mb, int mAt) {
        int n = S.length();
        FloatVector a00 = FloatVector.zero(S), a01 = a00, a10 = a00, a11 = a00;
        FloatVector a20 = a00, a21 = a00, a30 = a00, a31 = a00;
        for (int ch = 0, at = vAt, ui = uAt; ch < c; ch++, at += ld, ui += ROWS) {
            FloatVector x0 = FloatVector.fromArray(S, vb, at), x1 = FloatVector.fromArray(S, vb, at + n);
            FloatVector f = FloatVector.broadcast(S, ub[ui]);
            a00 = x0.fma(f, a00);
            a01 = x1.fma(f, a01);
            f = FloatVector.broadcast(S, ub[ui + 1]);
            a10 = x0.fma(f, a10);
            a11 = x1.fma(f, a11);
            f = FloatVector.broadcast(S, ub[ui + 2]);
            a20 = x0.fma(f, a20);
            a21 = x1.fma(f, a21);
            f = FloatVector.broadcast(S, ub[ui + 3]);
            a30 = x0.fma(f, a30);
            a31 = x1.fma(f, a31);
        }
        a00.intoArray(mb, mAt);
        a01.intoArray(mb, mAt + n);
        a10.intoArray(mb, mAt + ld);
        a11.intoArray(mb, mAt + ld + n);
        a20.intoArray(mb, mAt + 2 * ld);
        a21.intoArray(mb, mAt + 2 * ld + n);
        a30.intoArray(mb, mAt + 3 * ld);
        a31.intoArray(mb, mAt + 3 * ld + n);
    }

    /** One vector of tiles: the same sums in the same order per lane as the wider tiles. */
    private void tile4x1(float[] vb, int vAt, int ld, float[] ub, int uAt, float[] mb, int mAt) {
        FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
        for (int ch = 0, at = vAt, ui = uAt; ch < c; ch++, at += ld, ui += ROWS) {
            FloatVector x0 = FloatVector.fromArray(S, vb, at);
            a0 = x0.fma(FloatVector.broadcast(S, ub[ui]), a0);
            a1 = x0.fma(FloatVector.broadcast(S, ub[ui + 1]), a1);
            a2 = x0.fma(FloatVector.broadcast(S, ub[ui + 2]), a2);
            a3 = x0.fma(FloatVector.broadcast(S, ub[ui + 3]), a3);
        }
        a0.intoArray(mb, mAt);
        a1.intoArray(mb, mAt + ld);
        a2.intoArray(mb, mAt + 2 * ld);
        a3.intoArray(mb, mAt + 3 * ld);
    }

    /**
     * y tile = A^T M A + b[k] for each channel and block tile, a vector of tiles at a time, then
     * copied (clipped at the plane's edge) into y.
     */
    private void outputTransform(float[] mb, float[] tmp, int t0, int count, int vectors, float[] b, float[] y,
                                 int yOff) {
        int lanes = S.length(), ld = lanesPerBlock, pq = p * q;
        int mStride = mPoint;
        int outAt = 24 * lanes;                    // tmp: 24 vectors of the column pass, then 4 of one tile row
        int perGroup = lanes / 4;
        FloatVector two = FloatVector.broadcast(S, 2f), four = FloatVector.broadcast(S, 4f);
        FloatVector eight = FloatVector.broadcast(S, 8f);
        for (int kk = 0; kk < k; kk++) {
            FloatVector bias = FloatVector.broadcast(S, b == null ? 0f : b[kk]);
            for (int vi = 0; vi < vectors; vi++) {
                int at = kk * ld + vi * lanes;
                // column pass: tmp[i][j] = sum_r A^T[i][r] M[r][j]
                for (int j = 0; j < 6; j++) {
                    FloatVector m0 = FloatVector.fromArray(S, mb, j * mStride + at);
                    FloatVector m1 = FloatVector.fromArray(S, mb, (6 + j) * mStride + at);
                    FloatVector m2 = FloatVector.fromArray(S, mb, (12 + j) * mStride + at);
                    FloatVector m3 = FloatVector.fromArray(S, mb, (18 + j) * mStride + at);
                    FloatVector m4 = FloatVector.fromArray(S, mb, (24 + j) * mStride + at);
                    FloatVector m5 = FloatVector.fromArray(S, mb, (30 + j) * mStride + at);
                    FloatVector s12 = m1.add(m2), d12 = m1.sub(m2), s34 = m3.add(m4), d34 = m3.sub(m4);
                    m0.add(s12).add(s34).intoArray(tmp, j * lanes);
                    d34.fma(two, d12).intoArray(tmp, (6 + j) * lanes);
                    s34.fma(four, s12).intoArray(tmp, (12 + j) * lanes);
                    d34.fma(eight, d12).add(m5).intoArray(tmp, (18 + j) * lanes);
                }
                // row pass: out[i][j] = sum_s tmp[i][s] A[s][j] + b, then row i of every tile into y
                int first = vi * lanes;
                for (int i = 0; i < 4; i++) {
                    int row = i * 6 * lanes;
                    FloatVector m0 = FloatVector.fromArray(S, tmp, row);
                    FloatVector m1 = FloatVector.fromArray(S, tmp, row + lanes);
                    FloatVector m2 = FloatVector.fromArray(S, tmp, row + 2 * lanes);
                    FloatVector m3 = FloatVector.fromArray(S, tmp, row + 3 * lanes);
                    FloatVector m4 = FloatVector.fromArray(S, tmp, row + 4 * lanes);
                    FloatVector m5 = FloatVector.fromArray(S, tmp, row + 5 * lanes);
                    FloatVector s12 = m1.add(m2), d12 = m1.sub(m2), s34 = m3.add(m4), d34 = m3.sub(m4);
                    FloatVector o0 = m0.add(s12).add(s34).add(bias);
                    FloatVector o1 = d34.fma(two, d12).add(bias);
                    FloatVector o2 = s34.fma(four, s12).add(bias);
                    FloatVector o3 = d34.fma(eight, d12).add(m5).add(bias);
                    // lanes are tiles: interleave the four so that each tile's row is 4 adjacent lanes,
                    // group g holding tiles g*lanes/4 .. (g+1)*lanes/4 - 1 of this vector
                    FloatVector e0 = o0.rearrange(ZIP_LOW, o2), e1 = o0.rearrange(ZIP_HIGH, o2);
                    FloatVector f0 = o1.rearrange(ZIP_LOW, o3), f1 = o1.rearrange(ZIP_HIGH, o3);
                    e0.rearrange(ZIP_LOW, f0).intoArray(tmp, outAt);
                    e0.rearrange(ZIP_HIGH, f0).intoArray(tmp, outAt + lanes);
                    e1.rearrange(ZIP_LOW, f1).intoArray(tmp, outAt + 2 * lanes);
                    e1.rearrange(ZIP_HIGH, f1).intoArray(tmp, outAt + 3 * lanes);
                    int dstRow = yOff + kk * pq + i * q;
                    for (int g = 0; g < 4; g++) {
                        int lead = first + g * perGroup;
                        if (lead >= count) {
                            break;
                        }
                        int t = t0 + lead;
                        if (lead + perGroup <= count && rowRuns[t]) {
                            FloatVector.fromArray(S, tmp, outAt + g * lanes).intoArray(y, dstRow + outputOffsets[t]);
                        } else {
                            // tiles not side by side (small planes) or clipped: a tile row at a time
                            for (int a = 0, src = outAt + g * lanes; a < perGroup && lead + a < count; a++, src += 4) {
                                if (i < tileRows[t + a]) {
                                    int dst = dstRow + outputOffsets[t + a];
                                    if (tileCols[t + a] == 4) {
                                        y[dst] = tmp[src];
                                        y[dst + 1] = tmp[src + 1];
                                        y[dst + 2] = tmp[src + 2];
                                        y[dst + 3] = tmp[src + 3];
                                    } else {
                                        for (int jj = 0; jj < tileCols[t + a]; jj++) {
                                            y[dst + jj] = tmp[src + jj];
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
