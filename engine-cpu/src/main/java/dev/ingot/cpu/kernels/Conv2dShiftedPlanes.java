package dev.ingot.cpu.kernels;

import dev.ingot.core.spec.Conv2dGeometry;
import dev.ingot.core.spec.Conv2dSpec;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * Implicit convolution for 'same' stride-1 shapes (ResNet's 3x3 layers): the column matrix is never
 * built; its rows are read in place from S copies of the image.
 *
 * <p>With stride 1, P == H and Q == W, the column row of tap (c, r, s) is input plane c shifted by
 * {@code (r*dh - ph)*W + (s*dw - pw)} floats ({@link Conv2dPlan#planeShift}), except where the
 * shift leaves the image: above or below it (rows in the padding) and across a row's end (a
 * column in the padding reads the neighbouring row's pixel). Copy s of the image, one per kernel
 * column, is the image with the columns tap column s must not see set to 0 (for pw = 1: the last
 * column for s = 0, the first for s = 2, none for s = 1), framed by zeros before and after each
 * plane. Then every column row is one contiguous run of one copy:
 * <pre>
 *   col(x)[(c, r, s)][t] = copy_s[c][lead + t + (r*dh - ph)*W + s*dw - pw],   t = p*W + q in [0, HW)
 * </pre>
 * the same values as {@link Conv2dKernels#im2colRows}, for S*C*H*W floats written per image
 * instead of R*S*C*H*W (3x fewer with 3x3 kernels), into a buffer that stays in L2.
 *
 * <p>The forward pass is then the GEMM {@code y (K, HW) = W (K, CRS) . col (CRS, HW)} with B read
 * through {@link #rowStart} ({@link #forward}): a register tile of 4 output channels by
 * {@link #VECTORS} pixel vectors, for each depth step i = (c, r, s) one load of each pixel vector at
 * {@code rowStart[i] + t} and one broadcast of each channel's weight, 4 x VECTORS FMAs: the GEMM
 * micro-kernel's shape, with no packing of B. The filter gradient's dot products read the same rows
 * ({@link Conv2dKernels#backwardFilter}).
 *
 * <p>Why: for ResNet-20's 16-channel stage, im2col took about a third of the forward pass (9.4 ms
 * per call, 64 GFLOP per CPU s, against 103 for its GEMM alone; docs/benchmarks.md).
 */
final class Conv2dShiftedPlanes {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    /** Output channels per register tile (broadcast weights). */
    static final int CHANNELS = 4;
    /**
     * Pixel vectors per register tile: 4 x 4 accumulators + 4 pixel vectors + 1 weight = 21 of
     * AVX-512's 32 registers; 4 x 2 + 2 + 1 = 11 of AVX2's and SSE's 16. A 4 x 3 tile (12 + 3 + 1 = 16,
     * the GEMM's AVX2 shape) measured 44-52 GFLOP per CPU s against 84-97 for 4 x 2 under
     * {@code -XX:UseAVX=2} (one thread, 16 to 64 channels): with the row-start lookup it spills.
     */
    static final int VECTORS = VectorShape.PREFERRED.registers() >= 32 ? 4 : 2;

    /** Zero floats before each copied plane: ph*W + pw, the farthest a tap reads before it. */
    final int lead;
    /** Floats per channel in a copy: lead + H*W + the farthest a tap reads past the plane. */
    final int planeStride;
    /** Floats per copy: C * planeStride. */
    final int copyStride;
    /** For column row i = (c, r, s): where its run starts in the copies (add t for pixel t). */
    final int[] rowStart;
    /** For copy s and input pixel u (H*W + lanes long): whether tap column s may read column u mod W. */
    private final boolean[][] keepColumns;
    private final int c;
    private final int hw;

    private Conv2dShiftedPlanes(Conv2dGeometry g) {
        Conv2dSpec spec = g.spec();
        int w = g.w();
        this.c = g.c();
        this.hw = g.h() * w;
        this.lead = spec.padH() * w + spec.padW();
        int after = (spec.dilationH() * (g.r() - 1) - spec.padH()) * w + spec.dilationW() * (g.s() - 1) - spec.padW();
        this.planeStride = lead + hw + Math.max(0, after);
        this.copyStride = c * planeStride;
        int taps = g.r() * g.s();
        this.rowStart = new int[c * taps];
        for (int ch = 0; ch < c; ch++) {
            for (int r = 0; r < g.r(); r++) {
                for (int s = 0; s < g.s(); s++) {
                    rowStart[ch * taps + r * g.s() + s] = s * copyStride + ch * planeStride + lead
                            + (r * spec.dilationH() - spec.padH()) * w + s * spec.dilationW() - spec.padW();
                }
            }
        }
        this.keepColumns = new boolean[g.s()][hw + S.length()];
        for (int s = 0; s < g.s(); s++) {
            int shift = s * spec.dilationW() - spec.padW();
            for (int u = 0; u < hw; u++) {
                int q = u % w - shift;               // the output column that reads input column u % w
                keepColumns[s][u] = q >= 0 && q < g.q();
            }
        }
    }

    /**
     * The layout for g, or null where it does not apply: stride 1, an output plane the size of the
     * input (P == H, Q == W: 'same' padding) and a whole number of vectors, padding within the
     * kernel's reach (else a tap's run would not stay in its copy).
     */
    static Conv2dShiftedPlanes of(Conv2dGeometry g) {
        Conv2dSpec spec = g.spec();
        boolean applies = spec.strideH() == 1 && spec.strideW() == 1 && g.p() == g.h() && g.q() == g.w()
                && (g.h() * g.w()) % S.length() == 0
                && spec.padH() <= spec.dilationH() * (g.r() - 1) && spec.padW() <= spec.dilationW() * (g.s() - 1)
                && spec.padW() < g.w() && (long) g.s() * g.c() * (g.h() + 2L * spec.padH() + 2) * g.w() < Integer.MAX_VALUE / 2;
        return applies ? new Conv2dShiftedPlanes(g) : null;
    }

    /** Floats of one worker's copies (zeroed once; {@link #fill} rewrites only the planes). */
    int floats() {
        return keepColumns.length * copyStride;
    }

    /**
     * Whether {@link #forward} takes g's forward pass: K a multiple of {@link #CHANNELS} and H*W of
     * {@link #VECTORS} vectors (ResNet-20's shapes at every width); else the GEMM does.
     */
    boolean forwardApplies(Conv2dGeometry g) {
        return g.k() % CHANNELS == 0 && hw % (VECTORS * S.length()) == 0;
    }

    /**
     * copies[s][ch] = image (at xOff) with the columns tap column s must not read set to 0, each
     * plane at {@code s*copyStride + ch*planeStride + lead}; the zeros around the planes are never
     * written, so they stay from the buffer's allocation.
     */
    void fill(float[] x, int xOff, float[] copies) {
        FloatVector zeros = FloatVector.zero(S);
        for (int s = 0; s < keepColumns.length; s++) {
            boolean[] keep = keepColumns[s];
            for (int ch = 0; ch < c; ch++) {
                int src = xOff + ch * hw, dst = s * copyStride + ch * planeStride + lead;
                for (int u = 0; u < hw; u += S.length()) {
                    zeros.blend(FloatVector.fromArray(S, x, src + u), VectorMask.fromArray(S, keep, u))
                            .intoArray(copies, dst + u);
                }
            }
        }
    }

    /**
     * Weights (K, CRS) regrouped as (K/4, CRS, 4): the four channels of a register tile's depth
     * step are adjacent, read by four broadcasts from one cache line.
     */
    static void regroupWeights(int k, int crs, float[] w, float[] grouped) {
        for (int k0 = 0; k0 < k; k0 += CHANNELS) {
            for (int i = 0; i < crs; i++) {
                for (int kk = 0; kk < CHANNELS; kk++) {
                    grouped[(k0 * crs) + i * CHANNELS + kk] = w[(k0 + kk) * crs + i];
                }
            }
        }
    }

    /**
     * y_n (K, HW) at yOff = W . col(x_n) + b, from the filled copies and the regrouped weights:
     * y[k][t] = sum over i = (c, r, s) in order of w[k][i] * copies[rowStart[i] + t] (one FMA
     * each, from 0), then + b[k]. Loop order: pixel block, then channel block, then depth, so the
     * copies' lines a pixel block reads (about 25 KiB for 16 channels of 32 x 32) are reused from
     * L1 by the K/4 channel blocks.
     */
    void forward(int k, float[] copies, float[] grouped, float[] b, float[] y, int yOff) {
        int crs = rowStart.length;
        if (VECTORS == 4) {
            for (int t = 0; t < hw; t += 4 * S.length()) {
                for (int k0 = 0; k0 < k; k0 += CHANNELS) {
                    tile4x4(copies, t, grouped, k0 * crs, crs, b, k0, y, yOff + k0 * hw + t, hw);
                }
            }
        } else {
            for (int t = 0; t < hw; t += 2 * S.length()) {
                for (int k0 = 0; k0 < k; k0 += CHANNELS) {
                    tile4x2(copies, t, grouped, k0 * crs, crs, b, k0, y, yOff + k0 * hw + t, hw);
                }
            }
        }
    }

    private void tile4x4(float[] x, int t, float[] w, int wOff, int crs, float[] b, int k0, float[] y, int yAt,
                         int ldy) {
        int v = S.length();
        int[] rows = rowStart;
        FloatVector a00 = FloatVector.zero(S), a01 = a00, a02 = a00, a03 = a00;
        FloatVector a10 = a00, a11 = a00, a12 = a00, a13 = a00;
        FloatVector a20 = a00, a21 = a00, a22 = a00, a23 = a00;
        FloatVector a30 = a00, a31 = a00, a32 = a00, a33 = a00;
        for (int i = 0, wi = wOff; i < crs; i++, wi += CHANNELS) {
            int at = rows[i] + t;
            FloatVector x0 = FloatVector.fromArray(S, x, at), x1 = FloatVector.fromArray(S, x, at + v);
            FloatVector x2 = FloatVector.fromArray(S, x, at + 2 * v), x3 = FloatVector.fromArray(S, x, at + 3 * v);
            FloatVector wk = FloatVector.broadcast(S, w[wi]);
            a00 = x0.fma(wk, a00);
            a01 = x1.fma(wk, a01);
            a02 = x2.fma(wk, a02);
            a03 = x3.fma(wk, a03);
            wk = FloatVector.broadcast(S, w[wi + 1]);
            a10 = x0.fma(wk, a10);
            a11 = x1.fma(wk, a11);
            a12 = x2.fma(wk, a12);
            a13 = x3.fma(wk, a13);
            wk = FloatVector.broadcast(S, w[wi + 2]);
            a20 = x0.fma(wk, a20);
            a21 = x1.fma(wk, a21);
            a22 = x2.fma(wk, a22);
            a23 = x3.fma(wk, a23);
            wk = FloatVector.broadcast(S, w[wi + 3]);
            a30 = x0.fma(wk, a30);
            a31 = x1.fma(wk, a31);
            a32 = x2.fma(wk, a32);
            a33 = x3.fma(wk, a33);
        }
        // Written out, not a store method: C2 boxes vectors passed to a method it does not inline.
        FloatVector bias = FloatVector.broadcast(S, b == null ? 0f : b[k0]);
        a00.add(bias).intoArray(y, yAt);
        a01.add(bias).intoArray(y, yAt + v);
        a02.add(bias).intoArray(y, yAt + 2 * v);
        a03.add(bias).intoArray(y, yAt + 3 * v);
        bias = FloatVector.broadcast(S, b == null ? 0f : b[k0 + 1]);
        a10.add(bias).intoArray(y, yAt + ldy);
        a11.add(bias).intoArray(y, yAt + ldy + v);
        a12.add(bias).intoArray(y, yAt + ldy + 2 * v);
        a13.add(bias).intoArray(y, yAt + ldy + 3 * v);
        bias = FloatVector.broadcast(S, b == null ? 0f : b[k0 + 2]);
        a20.add(bias).intoArray(y, yAt + 2 * ldy);
        a21.add(bias).intoArray(y, yAt + 2 * ldy + v);
        a22.add(bias).intoArray(y, yAt + 2 * ldy + 2 * v);
        a23.add(bias).intoArray(y, yAt + 2 * ldy + 3 * v);
        bias = FloatVector.broadcast(S, b == null ? 0f : b[k0 + 3]);
        a30.add(bias).intoArray(y, yAt + 3 * ldy);
        a31.add(bias).intoArray(y, yAt + 3 * ldy + v);
        a32.add(bias).intoArray(y, yAt + 3 * ldy + 2 * v);
        a33.add(bias).intoArray(y, yAt + 3 * ldy + 3 * v);
    }

    private void tile4x2(float[] x, int t, float[] w, int wOff, int crs, float[] b, int k0, float[] y, int yAt,
                         int ldy) {
        int v = S.length();
        int[] rows = rowStart;
        FloatVector a00 = FloatVector.zero(S), a01 = a00, a10 = a00, a11 = a00;
        FloatVector a20 = a00, a21 = a00, a30 = a00, a31 = a00;
        for (int i = 0, wi = wOff; i < crs; i++, wi += CHANNELS) {
            int at = rows[i] + t;
            FloatVector x0 = FloatVector.fromArray(S, x, at), x1 = FloatVector.fromArray(S, x, at + v);
            FloatVector wk = FloatVector.broadcast(S, w[wi]);
            a00 = x0.fma(wk, a00);
            a01 = x1.fma(wk, a01);
            wk = FloatVector.broadcast(S, w[wi + 1]);
            a10 = x0.fma(wk, a10);
            a11 = x1.fma(wk, a11);
            wk = FloatVector.broadcast(S, w[wi + 2]);
            a20 = x0.fma(wk, a20);
            a21 = x1.fma(wk, a21);
            wk = FloatVector.broadcast(S, w[wi + 3]);
            a30 = x0.fma(wk, a30);
            a31 = x1.fma(wk, a31);
        }
        FloatVector bias = FloatVector.broadcast(S, b == null ? 0f : b[k0]);
        a00.add(bias).intoArray(y, yAt);
        a01.add(bias).intoArray(y, yAt + v);
        bias = FloatVector.broadcast(S, b == null ? 0f : b[k0 + 1]);
        a10.add(bias).intoArray(y, yAt + ldy);
        a11.add(bias).intoArray(y, yAt + ldy + v);
        bias = FloatVector.broadcast(S, b == null ? 0f : b[k0 + 2]);
        a20.add(bias).intoArray(y, yAt + 2 * ldy);
        a21.add(bias).intoArray(y, yAt + 2 * ldy + v);
        bias = FloatVector.broadcast(S, b == null ? 0f : b[k0 + 3]);
        a30.add(bias).intoArray(y, yAt + 3 * ldy);
        a31.add(bias).intoArray(y, yAt + 3 * ldy + v);
    }
}
