package dev.ingot.cpu.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The register-blocked inner kernels of {@link GemmKernels}: one MR x NR tile of C from MR rows of
 * A and NR columns of B, kc steps deep:
 * <pre>
 *   C[i][j] = sum_p A[i][p] * B[p][j] (+ beta * C[i][j]),   i < MR, j < NR
 * </pre>
 * One kernel per tile shape ({@link GemmTile}; {@link GemmKernels#TILE} picks one per JVM from
 * the vector registers): 8 x 2V for 32 registers, 4 x 3V for 16, and 6 x 2V to measure against.
 * Loop order: p outermost; per step, the tile's vectors of B row p are loaded, each A[i][p] is
 * broadcast and multiplied into the accumulators of row i. The accumulators stay in vector
 * registers for the whole loop. 8 x 2V: 16 accumulators + 2 B vectors + 1 broadcast = 19 of the
 * 32 AVX-512 registers, 16 FMAs per 2 vector loads and 8 broadcast loads. 4 x 3V: 12 + 3 + 1 = 16,
 * all of AVX2's 16, 12 FMAs per 3 loads and 4 broadcasts (8 x 2V would spill there: 19 > 16).
 *
 * <p>The general kernels address A as {@code a[ai + i*aRowStride + p*aColStride]}: packed panels
 * use strides (1, MR), an untransposed row-major A used in place uses (lda, 1); B row p starts at
 * {@code bi + p*bRowStride}: NR for packed panels, ldb in place. The 8 x 2V tile also has a version
 * for packed panels with constant strides, four K steps per loop trip ({@link #multiply8x2Packed}).
 * The 16-register tiles have none, on purpose: with constant strides C2 unrolls the loop and
 * hoists the next steps' loads of B and broadcasts of A above the current step's FMAs, which needs
 * more than 16 registers and spills in the innermost loop. Measured in L1 on one Zen 5 core under
 * {@code -XX:UseAVX=2}, kc = 256, in GFLOP per CPU second against an FMA peak of 110-115: 4 x 3V
 * 107 through the general kernel, 47-64 through a constant-stride version (unrolled by 4 by hand or
 * by C2 alone); 6 x 2V 86-91 against 44-48; 8 x 2V 36 general (it spills anyway). With 32 registers
 * the same hoisting fits, and the packed 8 x 2V runs at 110 of 115.
 *
 * <p>Re-measured on one Zen 4 core, {@code -XX:UseAVX=2}, whole 1024 SGEMMs at KC = 1024, GFLOP per
 * CPU second under load (2026-12-07; 4 x 3V general: 90-97 in the same minutes): a constant-stride
 * packed A with B at a variable stride ran 43 (C2 unrolls, hoists and spills as above); B constant,
 * A variable 69-92; a constant-stride 3 x 3V (9 + 3 + 1 = 13 registers, so the hoisting fits) 89-93,
 * no better, its 9 FMAs per 6 loads costing what the bounds checks cost 4 x 3V; a constant-stride
 * 5 x 2V 39 (spills); general 3 x 3V 84-86 and 5 x 2V 69-77. So 4 x 3V through the general kernel
 * stays. What it loses against the FMA loop is outside the arithmetic: the 96 KiB B panel and the
 * A panel stream from L2 (Java has no prefetch instruction), and each step's seven loads carry
 * seven bounds checks, so the loop issues about 30 instructions per 12 FMAs.
 *
 * <p>A kernel of each shape is written out in full, accumulator by accumulator: C2 keeps a
 * FloatVector in a register only while it is a local it can see through, so neither an array of
 * accumulators nor a shared store method (C2 boxes vectors passed to a method it does not inline)
 * would do. Every shape adds each element's products in the order p = 0, 1, ..., kc-1, with one
 * fused multiply-add each, so all shapes give bit-identical results.
 */
final class GemmMicroKernel {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int V = S.length();

    private GemmMicroKernel() {
    }

    /**
     * The full tile of {@link GemmKernels#TILE}, both operands packed: {@link #multiply8x2Packed}, or
     * the general kernel of a 16-register tile at the packed strides. The choice is between static
     * final constants, so C2 folds it away.
     */
    static void multiplyPacked(int kc, float[] a, int ai, float[] b, int bi, float[] c, int ci, int ldc, float beta) {
        if (GemmKernels.MR == 8) {
            multiply8x2Packed(kc, a, ai, b, bi, c, ci, ldc, beta);
        } else if (GemmKernels.MR == 6) {
            multiply6x2(kc, a, ai, 1, 6, b, bi, 2 * V, c, ci, ldc, beta);
        } else {
            multiply4x3(kc, a, ai, 1, 4, b, bi, 3 * V, c, ci, ldc, beta);
        }
    }

    /** The full tile of {@link GemmKernels#TILE}, operands at any strides: one of the general kernels. */
    static void multiply(int kc, float[] a, int ai, int aRowStride, int aColStride,
                         float[] b, int bi, int bRowStride, float[] c, int ci, int ldc, float beta) {
        if (GemmKernels.MR == 8) {
            multiply8x2(kc, a, ai, aRowStride, aColStride, b, bi, bRowStride, c, ci, ldc, beta);
        } else if (GemmKernels.MR == 6) {
            multiply6x2(kc, a, ai, aRowStride, aColStride, b, bi, bRowStride, c, ci, ldc, beta);
        } else {
            multiply4x3(kc, a, ai, aRowStride, aColStride, b, bi, bRowStride, c, ci, ldc, beta);
        }
    }

    /**
     * The 8 x 2V tile for 32 vector registers (AVX-512, NEON): C[ci + i*ldc + j] = acc[i][j] when
     * beta == 0 (C is not read), else beta * C + acc[i][j], for the full tile.
     */
    static void multiply8x2(int kc, float[] a, int ai, int aRowStride, int aColStride,
                            float[] b, int bi, int bRowStride, float[] c, int ci, int ldc, float beta) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S);
        FloatVector c60 = FloatVector.zero(S), c61 = FloatVector.zero(S);
        FloatVector c70 = FloatVector.zero(S), c71 = FloatVector.zero(S);
        int a0 = ai, a1 = ai + aRowStride, a2 = ai + 2 * aRowStride, a3 = ai + 3 * aRowStride;
        int a4 = ai + 4 * aRowStride, a5 = ai + 5 * aRowStride, a6 = ai + 6 * aRowStride, a7 = ai + 7 * aRowStride;
        for (int p = 0, o = 0; p < kc; p++, o += aColStride, bi += bRowStride) {
            FloatVector b0 = FloatVector.fromArray(S, b, bi), b1 = FloatVector.fromArray(S, b, bi + V);
            FloatVector x;
            x = FloatVector.broadcast(S, a[a0 + o]);
            c00 = x.fma(b0, c00); c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, a[a1 + o]);
            c10 = x.fma(b0, c10); c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, a[a2 + o]);
            c20 = x.fma(b0, c20); c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, a[a3 + o]);
            c30 = x.fma(b0, c30); c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(S, a[a4 + o]);
            c40 = x.fma(b0, c40); c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(S, a[a5 + o]);
            c50 = x.fma(b0, c50); c51 = x.fma(b1, c51);
            x = FloatVector.broadcast(S, a[a6 + o]);
            c60 = x.fma(b0, c60); c61 = x.fma(b1, c61);
            x = FloatVector.broadcast(S, a[a7 + o]);
            c70 = x.fma(b0, c70); c71 = x.fma(b1, c71);
        }
        if (beta == 0f) {
            c00.intoArray(c, ci); c01.intoArray(c, ci + V);
            c10.intoArray(c, ci + ldc); c11.intoArray(c, ci + ldc + V);
            c20.intoArray(c, ci + 2 * ldc); c21.intoArray(c, ci + 2 * ldc + V);
            c30.intoArray(c, ci + 3 * ldc); c31.intoArray(c, ci + 3 * ldc + V);
            c40.intoArray(c, ci + 4 * ldc); c41.intoArray(c, ci + 4 * ldc + V);
            c50.intoArray(c, ci + 5 * ldc); c51.intoArray(c, ci + 5 * ldc + V);
            c60.intoArray(c, ci + 6 * ldc); c61.intoArray(c, ci + 6 * ldc + V);
            c70.intoArray(c, ci + 7 * ldc); c71.intoArray(c, ci + 7 * ldc + V);
        } else {
            FloatVector bv = FloatVector.broadcast(S, beta);
            FloatVector.fromArray(S, c, ci).fma(bv, c00).intoArray(c, ci);
            FloatVector.fromArray(S, c, ci + V).fma(bv, c01).intoArray(c, ci + V);
            FloatVector.fromArray(S, c, ci + ldc).fma(bv, c10).intoArray(c, ci + ldc);
            FloatVector.fromArray(S, c, ci + ldc + V).fma(bv, c11).intoArray(c, ci + ldc + V);
            FloatVector.fromArray(S, c, ci + 2 * ldc).fma(bv, c20).intoArray(c, ci + 2 * ldc);
            FloatVector.fromArray(S, c, ci + 2 * ldc + V).fma(bv, c21).intoArray(c, ci + 2 * ldc + V);
            FloatVector.fromArray(S, c, ci + 3 * ldc).fma(bv, c30).intoArray(c, ci + 3 * ldc);
            FloatVector.fromArray(S, c, ci + 3 * ldc + V).fma(bv, c31).intoArray(c, ci + 3 * ldc + V);
            FloatVector.fromArray(S, c, ci + 4 * ldc).fma(bv, c40).intoArray(c, ci + 4 * ldc);
            FloatVector.fromArray(S, c, ci + 4 * ldc + V).fma(bv, c41).intoArray(c, ci + 4 * ldc + V);
            FloatVector.fromArray(S, c, ci + 5 * ldc).fma(bv, c50).intoArray(c, ci + 5 * ldc);
            FloatVector.fromArray(S, c, ci + 5 * ldc + V).fma(bv, c51).intoArray(c, ci + 5 * ldc + V);
            FloatVector.fromArray(S, c, ci + 6 * ldc).fma(bv, c60).intoArray(c, ci + 6 * ldc);
            FloatVector.fromArray(S, c, ci + 6 * ldc + V).fma(bv, c61).intoArray(c, ci + 6 * ldc + V);
            FloatVector.fromArray(S, c, ci + 7 * ldc).fma(bv, c70).intoArray(c, ci + 7 * ldc);
            FloatVector.fromArray(S, c, ci + 7 * ldc + V).fma(bv, c71).intoArray(c, ci + 7 * ldc + V);
        }
    }

    /**
     * {@link #multiply8x2} for packed panels (A at strides (1, 8), B rows NR = 2V apart), four K
     * steps per loop trip: the constant strides let C2 drop the bounds checks from the loop and
     * the unrolling halves the loop overhead per FMA (measured in cache: 280 against 275 GFLOP/s
     * on one Zen 5 core, whose FMA peak is about 285). Its store of the tile repeats
     * {@link #multiply8x2}'s on purpose: sixteen accumulators cannot go to a shared method without
     * C2 boxing them (this package's rule), and a store through an array would cost a spill.
     */
    static void multiply8x2Packed(int kc, float[] a, int ai, float[] b, int bi, float[] c, int ci, int ldc,
                                  float beta) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S);
        FloatVector c60 = FloatVector.zero(S), c61 = FloatVector.zero(S);
        FloatVector c70 = FloatVector.zero(S), c71 = FloatVector.zero(S);
        int p = 0;
        for (; p + 3 < kc; p += 4) {
            int ao0 = ai + (p + 0) * 8, bo0 = bi + (p + 0) * 2 * V;
            FloatVector b00 = FloatVector.fromArray(S, b, bo0), b01 = FloatVector.fromArray(S, b, bo0 + V);
            FloatVector x00 = FloatVector.broadcast(S, a[ao0 + 0]);
            c00 = x00.fma(b00, c00); c01 = x00.fma(b01, c01);
            FloatVector x01 = FloatVector.broadcast(S, a[ao0 + 1]);
            c10 = x01.fma(b00, c10); c11 = x01.fma(b01, c11);
            FloatVector x02 = FloatVector.broadcast(S, a[ao0 + 2]);
            c20 = x02.fma(b00, c20); c21 = x02.fma(b01, c21);
            FloatVector x03 = FloatVector.broadcast(S, a[ao0 + 3]);
            c30 = x03.fma(b00, c30); c31 = x03.fma(b01, c31);
            FloatVector x04 = FloatVector.broadcast(S, a[ao0 + 4]);
            c40 = x04.fma(b00, c40); c41 = x04.fma(b01, c41);
            FloatVector x05 = FloatVector.broadcast(S, a[ao0 + 5]);
            c50 = x05.fma(b00, c50); c51 = x05.fma(b01, c51);
            FloatVector x06 = FloatVector.broadcast(S, a[ao0 + 6]);
            c60 = x06.fma(b00, c60); c61 = x06.fma(b01, c61);
            FloatVector x07 = FloatVector.broadcast(S, a[ao0 + 7]);
            c70 = x07.fma(b00, c70); c71 = x07.fma(b01, c71);
            int ao1 = ai + (p + 1) * 8, bo1 = bi + (p + 1) * 2 * V;
            FloatVector b10 = FloatVector.fromArray(S, b, bo1), b11 = FloatVector.fromArray(S, b, bo1 + V);
            FloatVector x10 = FloatVector.broadcast(S, a[ao1 + 0]);
            c00 = x10.fma(b10, c00); c01 = x10.fma(b11, c01);
            FloatVector x11 = FloatVector.broadcast(S, a[ao1 + 1]);
            c10 = x11.fma(b10, c10); c11 = x11.fma(b11, c11);
            FloatVector x12 = FloatVector.broadcast(S, a[ao1 + 2]);
            c20 = x12.fma(b10, c20); c21 = x12.fma(b11, c21);
            FloatVector x13 = FloatVector.broadcast(S, a[ao1 + 3]);
            c30 = x13.fma(b10, c30); c31 = x13.fma(b11, c31);
            FloatVector x14 = FloatVector.broadcast(S, a[ao1 + 4]);
            c40 = x14.fma(b10, c40); c41 = x14.fma(b11, c41);
            FloatVector x15 = FloatVector.broadcast(S, a[ao1 + 5]);
            c50 = x15.fma(b10, c50); c51 = x15.fma(b11, c51);
            FloatVector x16 = FloatVector.broadcast(S, a[ao1 + 6]);
            c60 = x16.fma(b10, c60); c61 = x16.fma(b11, c61);
            FloatVector x17 = FloatVector.broadcast(S, a[ao1 + 7]);
            c70 = x17.fma(b10, c70); c71 = x17.fma(b11, c71);
            int ao2 = ai + (p + 2) * 8, bo2 = bi + (p + 2) * 2 * V;
            FloatVector b20 = FloatVector.fromArray(S, b, bo2), b21 = FloatVector.fromArray(S, b, bo2 + V);
            FloatVector x20 = FloatVector.broadcast(S, a[ao2 + 0]);
            c00 = x20.fma(b20, c00); c01 = x20.fma(b21, c01);
            FloatVector x21 = FloatVector.broadcast(S, a[ao2 + 1]);
            c10 = x21.fma(b20, c10); c11 = x21.fma(b21, c11);
            FloatVector x22 = FloatVector.broadcast(S, a[ao2 + 2]);
            c20 = x22.fma(b20, c20); c21 = x22.fma(b21, c21);
            FloatVector x23 = FloatVector.broadcast(S, a[ao2 + 3]);
            c30 = x23.fma(b20, c30); c31 = x23.fma(b21, c31);
            FloatVector x24 = FloatVector.broadcast(S, a[ao2 + 4]);
            c40 = x24.fma(b20, c40); c41 = x24.fma(b21, c41);
            FloatVector x25 = FloatVector.broadcast(S, a[ao2 + 5]);
            c50 = x25.fma(b20, c50); c51 = x25.fma(b21, c51);
            FloatVector x26 = FloatVector.broadcast(S, a[ao2 + 6]);
            c60 = x26.fma(b20, c60); c61 = x26.fma(b21, c61);
            FloatVector x27 = FloatVector.broadcast(S, a[ao2 + 7]);
            c70 = x27.fma(b20, c70); c71 = x27.fma(b21, c71);
            int ao3 = ai + (p + 3) * 8, bo3 = bi + (p + 3) * 2 * V;
            FloatVector b30 = FloatVector.fromArray(S, b, bo3), b31 = FloatVector.fromArray(S, b, bo3 + V);
            FloatVector x30 = FloatVector.broadcast(S, a[ao3 + 0]);
            c00 = x30.fma(b30, c00); c01 = x30.fma(b31, c01);
            FloatVector x31 = FloatVector.broadcast(S, a[ao3 + 1]);
            c10 = x31.fma(b30, c10); c11 = x31.fma(b31, c11);
            FloatVector x32 = FloatVector.broadcast(S, a[ao3 + 2]);
            c20 = x32.fma(b30, c20); c21 = x32.fma(b31, c21);
            FloatVector x33 = FloatVector.broadcast(S, a[ao3 + 3]);
            c30 = x33.fma(b30, c30); c31 = x33.fma(b31, c31);
            FloatVector x34 = FloatVector.broadcast(S, a[ao3 + 4]);
            c40 = x34.fma(b30, c40); c41 = x34.fma(b31, c41);
            FloatVector x35 = FloatVector.broadcast(S, a[ao3 + 5]);
            c50 = x35.fma(b30, c50); c51 = x35.fma(b31, c51);
            FloatVector x36 = FloatVector.broadcast(S, a[ao3 + 6]);
            c60 = x36.fma(b30, c60); c61 = x36.fma(b31, c61);
            FloatVector x37 = FloatVector.broadcast(S, a[ao3 + 7]);
            c70 = x37.fma(b30, c70); c71 = x37.fma(b31, c71);
        }
        for (; p < kc; p++) {
            int ao = ai + p * 8, bo = bi + p * 2 * V;
            FloatVector b0 = FloatVector.fromArray(S, b, bo), b1 = FloatVector.fromArray(S, b, bo + V);
            FloatVector x0 = FloatVector.broadcast(S, a[ao + 0]);
            c00 = x0.fma(b0, c00); c01 = x0.fma(b1, c01);
            FloatVector x1 = FloatVector.broadcast(S, a[ao + 1]);
            c10 = x1.fma(b0, c10); c11 = x1.fma(b1, c11);
            FloatVector x2 = FloatVector.broadcast(S, a[ao + 2]);
            c20 = x2.fma(b0, c20); c21 = x2.fma(b1, c21);
            FloatVector x3 = FloatVector.broadcast(S, a[ao + 3]);
            c30 = x3.fma(b0, c30); c31 = x3.fma(b1, c31);
            FloatVector x4 = FloatVector.broadcast(S, a[ao + 4]);
            c40 = x4.fma(b0, c40); c41 = x4.fma(b1, c41);
            FloatVector x5 = FloatVector.broadcast(S, a[ao + 5]);
            c50 = x5.fma(b0, c50); c51 = x5.fma(b1, c51);
            FloatVector x6 = FloatVector.broadcast(S, a[ao + 6]);
            c60 = x6.fma(b0, c60); c61 = x6.fma(b1, c61);
            FloatVector x7 = FloatVector.broadcast(S, a[ao + 7]);
            c70 = x7.fma(b0, c70); c71 = x7.fma(b1, c71);
        }
        if (beta == 0f) {
            c00.intoArray(c, ci); c01.intoArray(c, ci + V);
            c10.intoArray(c, ci + ldc); c11.intoArray(c, ci + ldc + V);
            c20.intoArray(c, ci + 2 * ldc); c21.intoArray(c, ci + 2 * ldc + V);
            c30.intoArray(c, ci + 3 * ldc); c31.intoArray(c, ci + 3 * ldc + V);
            c40.intoArray(c, ci + 4 * ldc); c41.intoArray(c, ci + 4 * ldc + V);
            c50.intoArray(c, ci + 5 * ldc); c51.intoArray(c, ci + 5 * ldc + V);
            c60.intoArray(c, ci + 6 * ldc); c61.intoArray(c, ci + 6 * ldc + V);
            c70.intoArray(c, ci + 7 * ldc); c71.intoArray(c, ci + 7 * ldc + V);
        } else {
            FloatVector bv = FloatVector.broadcast(S, beta);
            FloatVector.fromArray(S, c, ci).fma(bv, c00).intoArray(c, ci);
            FloatVector.fromArray(S, c, ci + V).fma(bv, c01).intoArray(c, ci + V);
            FloatVector.fromArray(S, c, ci + ldc).fma(bv, c10).intoArray(c, ci + ldc);
            FloatVector.fromArray(S, c, ci + ldc + V).fma(bv, c11).intoArray(c, ci + ldc + V);
            FloatVector.fromArray(S, c, ci + 2 * ldc).fma(bv, c20).intoArray(c, ci + 2 * ldc);
            FloatVector.fromArray(S, c, ci + 2 * ldc + V).fma(bv, c21).intoArray(c, ci + 2 * ldc + V);
            FloatVector.fromArray(S, c, ci + 3 * ldc).fma(bv, c30).intoArray(c, ci + 3 * ldc);
            FloatVector.fromArray(S, c, ci + 3 * ldc + V).fma(bv, c31).intoArray(c, ci + 3 * ldc + V);
            FloatVector.fromArray(S, c, ci + 4 * ldc).fma(bv, c40).intoArray(c, ci + 4 * ldc);
            FloatVector.fromArray(S, c, ci + 4 * ldc + V).fma(bv, c41).intoArray(c, ci + 4 * ldc + V);
            FloatVector.fromArray(S, c, ci + 5 * ldc).fma(bv, c50).intoArray(c, ci + 5 * ldc);
            FloatVector.fromArray(S, c, ci + 5 * ldc + V).fma(bv, c51).intoArray(c, ci + 5 * ldc + V);
            FloatVector.fromArray(S, c, ci + 6 * ldc).fma(bv, c60).intoArray(c, ci + 6 * ldc);
            FloatVector.fromArray(S, c, ci + 6 * ldc + V).fma(bv, c61).intoArray(c, ci + 6 * ldc + V);
            FloatVector.fromArray(S, c, ci + 7 * ldc).fma(bv, c70).intoArray(c, ci + 7 * ldc);
            FloatVector.fromArray(S, c, ci + 7 * ldc + V).fma(bv, c71).intoArray(c, ci + 7 * ldc + V);
        }
    }

    /**
     * The 6 x 2V tile (BLIS Haswell's shape, 12 accumulators + 2 B vectors + 1 broadcast = 15
     * registers): see {@link #multiply8x2} for the addressing; packed A panels have strides (1, 6).
     * Only used when {@code -Dingot.cpu.gemmTile=6x2} asks for it: under {@code -XX:UseAVX=2} it
     * measured 71-78 GFLOP per CPU second in a whole 1024-2048 SGEMM on one Zen 5 core, 4 x 3V 91-92.
     */
    static void multiply6x2(int kc, float[] a, int ai, int aRowStride, int aColStride,
                            float[] b, int bi, int bRowStride, float[] c, int ci, int ldc, float beta) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S);
        int a0 = ai, a1 = ai + aRowStride, a2 = ai + 2 * aRowStride, a3 = ai + 3 * aRowStride;
        int a4 = ai + 4 * aRowStride, a5 = ai + 5 * aRowStride;
        for (int p = 0, o = 0; p < kc; p++, o += aColStride, bi += bRowStride) {
            FloatVector b0 = FloatVector.fromArray(S, b, bi), b1 = FloatVector.fromArray(S, b, bi + V);
            FloatVector x;
            x = FloatVector.broadcast(S, a[a0 + o]);
            c00 = x.fma(b0, c00); c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, a[a1 + o]);
            c10 = x.fma(b0, c10); c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, a[a2 + o]);
            c20 = x.fma(b0, c20); c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, a[a3 + o]);
            c30 = x.fma(b0, c30); c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(S, a[a4 + o]);
            c40 = x.fma(b0, c40); c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(S, a[a5 + o]);
            c50 = x.fma(b0, c50); c51 = x.fma(b1, c51);
        }
        if (beta == 0f) {
            c00.intoArray(c, ci); c01.intoArray(c, ci + V);
            c10.intoArray(c, ci + ldc); c11.intoArray(c, ci + ldc + V);
            c20.intoArray(c, ci + 2 * ldc); c21.intoArray(c, ci + 2 * ldc + V);
            c30.intoArray(c, ci + 3 * ldc); c31.intoArray(c, ci + 3 * ldc + V);
            c40.intoArray(c, ci + 4 * ldc); c41.intoArray(c, ci + 4 * ldc + V);
            c50.intoArray(c, ci + 5 * ldc); c51.intoArray(c, ci + 5 * ldc + V);
        } else {
            FloatVector bv = FloatVector.broadcast(S, beta);
            FloatVector.fromArray(S, c, ci).fma(bv, c00).intoArray(c, ci);
            FloatVector.fromArray(S, c, ci + V).fma(bv, c01).intoArray(c, ci + V);
            FloatVector.fromArray(S, c, ci + ldc).fma(bv, c10).intoArray(c, ci + ldc);
            FloatVector.fromArray(S, c, ci + ldc + V).fma(bv, c11).intoArray(c, ci + ldc + V);
            FloatVector.fromArray(S, c, ci + 2 * ldc).fma(bv, c20).intoArray(c, ci + 2 * ldc);
            FloatVector.fromArray(S, c, ci + 2 * ldc + V).fma(bv, c21).intoArray(c, ci + 2 * ldc + V);
            FloatVector.fromArray(S, c, ci + 3 * ldc).fma(bv, c30).intoArray(c, ci + 3 * ldc);
            FloatVector.fromArray(S, c, ci + 3 * ldc + V).fma(bv, c31).intoArray(c, ci + 3 * ldc + V);
            FloatVector.fromArray(S, c, ci + 4 * ldc).fma(bv, c40).intoArray(c, ci + 4 * ldc);
            FloatVector.fromArray(S, c, ci + 4 * ldc + V).fma(bv, c41).intoArray(c, ci + 4 * ldc + V);
            FloatVector.fromArray(S, c, ci + 5 * ldc).fma(bv, c50).intoArray(c, ci + 5 * ldc);
            FloatVector.fromArray(S, c, ci + 5 * ldc + V).fma(bv, c51).intoArray(c, ci + 5 * ldc + V);
        }
    }

    /**
     * The 4 x 3V tile for 16 vector registers (AVX2, SSE): 12 accumulators + 3 B vectors + 1
     * broadcast = 16 registers; see {@link #multiply8x2} for the addressing; packed A panels have
     * strides (1, 4). Packed panels go through this kernel too (see the class comment).
     */
    static void multiply4x3(int kc, float[] a, int ai, int aRowStride, int aColStride,
                            float[] b, int bi, int bRowStride, float[] c, int ci, int ldc, float beta) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S), c02 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S), c12 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S), c22 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S), c32 = FloatVector.zero(S);
        int a0 = ai, a1 = ai + aRowStride, a2 = ai + 2 * aRowStride, a3 = ai + 3 * aRowStride;
        for (int p = 0, o = 0; p < kc; p++, o += aColStride, bi += bRowStride) {
            FloatVector b0 = FloatVector.fromArray(S, b, bi), b1 = FloatVector.fromArray(S, b, bi + V),
                    b2 = FloatVector.fromArray(S, b, bi + 2 * V);
            FloatVector x;
            x = FloatVector.broadcast(S, a[a0 + o]);
            c00 = x.fma(b0, c00); c01 = x.fma(b1, c01); c02 = x.fma(b2, c02);
            x = FloatVector.broadcast(S, a[a1 + o]);
            c10 = x.fma(b0, c10); c11 = x.fma(b1, c11); c12 = x.fma(b2, c12);
            x = FloatVector.broadcast(S, a[a2 + o]);
            c20 = x.fma(b0, c20); c21 = x.fma(b1, c21); c22 = x.fma(b2, c22);
            x = FloatVector.broadcast(S, a[a3 + o]);
            c30 = x.fma(b0, c30); c31 = x.fma(b1, c31); c32 = x.fma(b2, c32);
        }
        if (beta == 0f) {
            c00.intoArray(c, ci); c01.intoArray(c, ci + V); c02.intoArray(c, ci + 2 * V);
            c10.intoArray(c, ci + ldc); c11.intoArray(c, ci + ldc + V); c12.intoArray(c, ci + ldc + 2 * V);
            c20.intoArray(c, ci + 2 * ldc); c21.intoArray(c, ci + 2 * ldc + V); c22.intoArray(c, ci + 2 * ldc + 2 * V);
            c30.intoArray(c, ci + 3 * ldc); c31.intoArray(c, ci + 3 * ldc + V); c32.intoArray(c, ci + 3 * ldc + 2 * V);
        } else {
            FloatVector bv = FloatVector.broadcast(S, beta);
            FloatVector.fromArray(S, c, ci).fma(bv, c00).intoArray(c, ci);
            FloatVector.fromArray(S, c, ci + V).fma(bv, c01).intoArray(c, ci + V);
            FloatVector.fromArray(S, c, ci + 2 * V).fma(bv, c02).intoArray(c, ci + 2 * V);
            FloatVector.fromArray(S, c, ci + ldc).fma(bv, c10).intoArray(c, ci + ldc);
            FloatVector.fromArray(S, c, ci + ldc + V).fma(bv, c11).intoArray(c, ci + ldc + V);
            FloatVector.fromArray(S, c, ci + ldc + 2 * V).fma(bv, c12).intoArray(c, ci + ldc + 2 * V);
            FloatVector.fromArray(S, c, ci + 2 * ldc).fma(bv, c20).intoArray(c, ci + 2 * ldc);
            FloatVector.fromArray(S, c, ci + 2 * ldc + V).fma(bv, c21).intoArray(c, ci + 2 * ldc + V);
            FloatVector.fromArray(S, c, ci + 2 * ldc + 2 * V).fma(bv, c22).intoArray(c, ci + 2 * ldc + 2 * V);
            FloatVector.fromArray(S, c, ci + 3 * ldc).fma(bv, c30).intoArray(c, ci + 3 * ldc);
            FloatVector.fromArray(S, c, ci + 3 * ldc + V).fma(bv, c31).intoArray(c, ci + 3 * ldc + V);
            FloatVector.fromArray(S, c, ci + 3 * ldc + 2 * V).fma(bv, c32).intoArray(c, ci + 3 * ldc + 2 * V);
        }
    }

}
