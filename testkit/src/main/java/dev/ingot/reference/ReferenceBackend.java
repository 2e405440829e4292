package dev.ingot.reference;

import dev.ingot.core.Backend;
import dev.ingot.core.DType;
import dev.ingot.core.KernelChecks;
import dev.ingot.core.Shape;
import dev.ingot.core.Tensor;
import dev.ingot.core.spec.AdamSpec;
import dev.ingot.core.spec.BatchNormSpec;
import dev.ingot.core.spec.Conv2dGeometry;
import dev.ingot.core.spec.Conv2dSpec;
import dev.ingot.core.spec.CrossEntropySpec;
import dev.ingot.core.spec.DropoutSpec;
import dev.ingot.core.spec.GeluApproximation;
import dev.ingot.core.spec.GemmGeometry;
import dev.ingot.core.spec.ImageNormalization;
import dev.ingot.core.spec.Pool2dGeometry;
import dev.ingot.core.spec.Pool2dSpec;
import dev.ingot.core.spec.SgdSpec;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The oracle every backend is held to: each kernel of {@link Backend} written as the plain loops of
 * its formula, accumulating in {@code double}, on one thread. It is slow on purpose; it is what the
 * Javadoc of {@link Backend} and the spec records mean, in code.
 *
 * <p>What it is not: a backend to train with. It is not registered with {@code ServiceLoader}, so
 * {@code Backends.get("auto")} never returns it; the parity suite and the gradient checks construct
 * it directly ({@code new ReferenceBackend()}).
 *
 * <p>Conventions: inputs are read as float and widened to double; every sum is a double; a result
 * is rounded to float once, when stored. Arguments go through the same {@link KernelChecks} as every
 * other backend, first thing, so the reference also defines which inputs are rejected and how.
 */
public final class ReferenceBackend implements Backend {
    /** Set by {@link #close}; every later call is rejected (see {@link KernelChecks#open}). */
    private volatile boolean closed;
    /** Largest array the JVM reliably allocates. */
    private static final int MAX_ELEMENTS = Integer.MAX_VALUE - 8;

    private final AtomicLong bytesInUse = new AtomicLong();

    @Override
    public String name() {
        return "reference";
    }

    @Override
    public String description() {
        return "reference: plain loops, double accumulation, one thread (the parity suite's oracle)";
    }

    // ---------------------------------------------------------------- memory

    private static float[] f(Tensor t) {
        return ((ReferenceStorage) t.storage()).floats();
    }

    private static int[] i(Tensor t) {
        return ((ReferenceStorage) t.storage()).ints();
    }

    @Override
    public Tensor zeros(Shape shape, DType dtype) {
        int size = KernelChecks.allocation(this, "zeros", shape, dtype, MAX_ELEMENTS, "the largest Java array");
        ReferenceStorage storage = dtype == DType.FLOAT32
                ? ReferenceStorage.ofFloats(size, bytesInUse)
                : ReferenceStorage.ofInts(size, bytesInUse);
        return Tensor.create(this, shape, dtype, storage);
    }

    @Override
    public void copyFromHost(float[] src, Tensor dst) {
        KernelChecks.copyFromHost(this, src == null ? -1 : src.length, DType.FLOAT32, dst);
        System.arraycopy(src, 0, f(dst), 0, src.length);
    }

    @Override
    public void copyFromHost(int[] src, Tensor dst) {
        KernelChecks.copyFromHost(this, src == null ? -1 : src.length, DType.INT32, dst);
        System.arraycopy(src, 0, i(dst), 0, src.length);
    }

    @Override
    public void copyToHost(Tensor src, float[] dst) {
        KernelChecks.copyToHost(this, src, DType.FLOAT32, dst == null ? -1 : dst.length);
        System.arraycopy(f(src), 0, dst, 0, dst.length);
    }

    @Override
    public void copyToHost(Tensor src, int[] dst) {
        KernelChecks.copyToHost(this, src, DType.INT32, dst == null ? -1 : dst.length);
        System.arraycopy(i(src), 0, dst, 0, dst.length);
    }

    @Override
    public void copy(Tensor src, Tensor dst) {
        KernelChecks.copy(this, src, dst);
        int n = (int) src.size();
        if (src.dtype() == DType.FLOAT32) {
            System.arraycopy(f(src), 0, f(dst), 0, n);
        } else {
            System.arraycopy(i(src), 0, i(dst), 0, n);
        }
    }

    @Override
    public void fill(Tensor dst, float value) {
        KernelChecks.fill(this, dst);
        Arrays.fill(f(dst), value);
    }

    @Override
    public long bytesInUse() {
        return bytesInUse.get();
    }

    // ---------------------------------------------------------------- matrix product

    /**
     * {@code C[i][j] = alpha * sum_l opA[i][l] * opB[l][j] + beta * C[i][j]}, where
     * {@code opA[i][l]} is {@code A[i][l]}, or {@code A[l][i]} if transA (likewise B). With beta 0,
     * C is not read.
     */
    @Override
    public void gemm(boolean transA, boolean transB, float alpha, Tensor a, Tensor b, float beta, Tensor c) {
        GemmGeometry g = KernelChecks.gemm(this, transA, transB, a, b, c);
        float[] av = f(a), bv = f(b), cv = f(c);
        int m = g.m(), n = g.n(), k = g.k();
        int lda = a.shape().dim(1), ldb = b.shape().dim(1);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double sum = 0;
                // alpha == 0: A and B are not read (BLAS), so their NaNs and infinities do not matter.
                for (int l = 0; alpha != 0 && l < k; l++) {
                    // alpha scales op(A), rounded to float, as BLAS implementations pack it: an
                    // alpha * a beyond float's range is infinite even where alpha * (A.B) is not.
                    double ail = (float) (alpha * (transA ? av[l * lda + i] : av[i * lda + l]));
                    double blj = transB ? bv[j * ldb + l] : bv[l * ldb + j];
                    sum += ail * blj;
                }
                double old = beta == 0 ? 0 : (double) beta * cv[i * n + j];
                cv[i * n + j] = (float) (sum + old);
            }
        }
    }

    // ---------------------------------------------------------------- convolution

    /** Flat index of element (i0, i1, i2, i3) of a row-major (d0, d1, d2, d3) tensor. */
    private static int at(int i0, int i1, int i2, int i3, int d1, int d2, int d3) {
        return ((i0 * d1 + i1) * d2 + i2) * d3 + i3;
    }

    /**
     * {@code y[n,k,p,q] = b[k] + sum_{c,r,s} x[n, c, p*sh - ph + r*dh, q*sw - pw + s*dw] * w[k,c,r,s]},
     * where input pixels outside the image are zero.
     */
    @Override
    public void conv2dForward(Tensor x, Tensor w, Tensor b, Conv2dSpec spec, Tensor y) {
        Conv2dGeometry g = KernelChecks.conv2dForward(this, x, w, b, spec, y);
        float[] xv = f(x), wv = f(w), yv = f(y);
        float[] bv = b == null ? null : f(b);
        for (int n = 0; n < g.n(); n++) {
            for (int k = 0; k < g.k(); k++) {
                for (int p = 0; p < g.p(); p++) {
                    for (int q = 0; q < g.q(); q++) {
                        double sum = bv == null ? 0 : bv[k];
                        for (int c = 0; c < g.c(); c++) {
                            for (int r = 0; r < g.r(); r++) {
                                for (int s = 0; s < g.s(); s++) {
                                    int h = p * spec.strideH() - spec.padH() + r * spec.dilationH();
                                    int wi = q * spec.strideW() - spec.padW() + s * spec.dilationW();
                                    // Padding is zeros that multiply: 0 * inf is NaN, as in
                                    // im2col and in PyTorch's conv of an explicitly padded input.
                                    double pixel = h >= 0 && h < g.h() && wi >= 0 && wi < g.w()
                                            ? xv[at(n, c, h, wi, g.c(), g.h(), g.w())] : 0.0;
                                    sum += pixel * wv[at(k, c, r, s, g.c(), g.r(), g.s())];
                                }
                            }
                        }
                        yv[at(n, k, p, q, g.k(), g.p(), g.q())] = (float) sum;
                    }
                }
            }
        }
    }

    /**
     * The transpose of {@link #conv2dForward} (without bias) applied to dy:
     * {@code dx[n,c,h,w] = sum_{k,r,s,p,q} dy[n,k,p,q] * w[k,c,r,s]} over the (p, q) that read input
     * pixel (h, w) through kernel tap (r, s), i.e. {@code p*sh - ph + r*dh == h} and
     * {@code q*sw - pw + s*dw == w}.
     */
    @Override
    public void conv2dBackwardData(Tensor dy, Tensor w, Conv2dSpec spec, Tensor dx) {
        Conv2dGeometry g = KernelChecks.conv2dBackwardData(this, dy, w, spec, dx);
        float[] dyv = f(dy), wv = f(w), dxv = f(dx);
        for (int n = 0; n < g.n(); n++) {
            for (int c = 0; c < g.c(); c++) {
                for (int h = 0; h < g.h(); h++) {
                    for (int wi = 0; wi < g.w(); wi++) {
                        double sum = 0;
                        for (int k = 0; k < g.k(); k++) {
                            for (int r = 0; r < g.r(); r++) {
                                for (int s = 0; s < g.s(); s++) {
                                    // Solve h = p*sh - ph + r*dh for p (and likewise q); only exact solutions count.
                                    int pStride = h + spec.padH() - r * spec.dilationH();
                                    int qStride = wi + spec.padW() - s * spec.dilationW();
                                    if (pStride < 0 || qStride < 0
                                            || pStride % spec.strideH() != 0 || qStride % spec.strideW() != 0) {
                                        continue;
                                    }
                                    int p = pStride / spec.strideH();
                                    int q = qStride / spec.strideW();
                                    if (p < g.p() && q < g.q()) {
                                        sum += (double) dyv[at(n, k, p, q, g.k(), g.p(), g.q())]
                                                * wv[at(k, c, r, s, g.c(), g.r(), g.s())];
                                    }
                                }
                            }
                        }
                        dxv[at(n, c, h, wi, g.c(), g.h(), g.w())] = (float) sum;
                    }
                }
            }
        }
    }

    /** {@code dw[k,c,r,s] = sum_{n,p,q} dy[n,k,p,q] * x[n, c, p*sh - ph + r*dh, q*sw - pw + s*dw]}. */
    @Override
    public void conv2dBackwardFilter(Tensor x, Tensor dy, Conv2dSpec spec, Tensor dw) {
        Conv2dGeometry g = KernelChecks.conv2dBackwardFilter(this, x, dy, spec, dw);
        float[] xv = f(x), dyv = f(dy), dwv = f(dw);
        for (int k = 0; k < g.k(); k++) {
            for (int c = 0; c < g.c(); c++) {
                for (int r = 0; r < g.r(); r++) {
                    for (int s = 0; s < g.s(); s++) {
                        double sum = 0;
                        for (int n = 0; n < g.n(); n++) {
                            for (int p = 0; p < g.p(); p++) {
                                for (int q = 0; q < g.q(); q++) {
                                    int h = p * spec.strideH() - spec.padH() + r * spec.dilationH();
                                    int wi = q * spec.strideW() - spec.padW() + s * spec.dilationW();
                                    // Padding is zeros that multiply (see conv2dForward).
                                    double pixel = h >= 0 && h < g.h() && wi >= 0 && wi < g.w()
                                            ? xv[at(n, c, h, wi, g.c(), g.h(), g.w())] : 0.0;
                                    sum += dyv[at(n, k, p, q, g.k(), g.p(), g.q())] * pixel;
                                }
                            }
                        }
                        dwv[at(k, c, r, s, g.c(), g.r(), g.s())] = (float) sum;
                    }
                }
            }
        }
    }

    /** {@code db[k] = sum_{n,p,q} dy[n,k,p,q]}. */
    @Override
    public void conv2dBackwardBias(Tensor dy, Tensor db) {
        KernelChecks.conv2dBackwardBias(this, dy, db);
        Shape s = dy.shape();
        int nn = s.dim(0), kk = s.dim(1), pp = s.dim(2), qq = s.dim(3);
        float[] dyv = f(dy), dbv = f(db);
        for (int k = 0; k < kk; k++) {
            double sum = 0;
            for (int n = 0; n < nn; n++) {
                for (int p = 0; p < pp; p++) {
                    for (int q = 0; q < qq; q++) {
                        sum += dyv[at(n, k, p, q, kk, pp, qq)];
                    }
                }
            }
            dbv[k] = (float) sum;
        }
    }

    // ---------------------------------------------------------------- pooling

    /**
     * {@code y[n,c,p,q] = max_{i,j} x[n, c, p*sh - ph + i, q*sw - pw + j]} over the window's real
     * pixels (padding never wins; every window holds at least one real pixel, see {@link Pool2dSpec}).
     */
    @Override
    public void maxPool2dForward(Tensor x, Pool2dSpec spec, Tensor y) {
        Pool2dGeometry g = KernelChecks.pool2dForward(this, "maxPool2dForward", x, spec, y);
        float[] xv = f(x), yv = f(y);
        for (int n = 0; n < g.n(); n++) {
            for (int c = 0; c < g.c(); c++) {
                for (int p = 0; p < g.p(); p++) {
                    for (int q = 0; q < g.q(); q++) {
                        int first = firstMaxInWindow(xv, g, n, c, p, q);
                        yv[at(n, c, p, q, g.c(), g.p(), g.q())] = xv[first];
                    }
                }
            }
        }
    }

    /**
     * Flat index into x of the first maximum of window (p, q) of plane (n, c), scanning the window
     * in row-major order and taking a later pixel only if it is strictly larger or the window's first
     * NaN (a NaN wins, as in PyTorch, so it propagates to y and receives the gradient).
     */
    private static int firstMaxInWindow(float[] xv, Pool2dGeometry g, int n, int c, int p, int q) {
        Pool2dSpec spec = g.spec();
        int best = -1;
        for (int i = 0; i < spec.kernelH(); i++) {
            for (int j = 0; j < spec.kernelW(); j++) {
                int h = p * spec.strideH() - spec.padH() + i;
                int w = q * spec.strideW() - spec.padW() + j;
                if (h >= 0 && h < g.h() && w >= 0 && w < g.w()) {
                    int idx = at(n, c, h, w, g.c(), g.h(), g.w());
                    if (best < 0 || beats(xv[idx], xv[best])) {
                        best = idx;
                    }
                }
            }
        }
        return best;
    }

    /**
     * {@code dx[n,c,h,w] = sum of dy[n,c,p,q]} over the windows (p, q) whose first maximum (in
     * row-major window order, a NaN winning; the pixel {@link #maxPool2dForward} copied to
     * {@code y[n,c,p,q]}) is (h, w); zero elsewhere.
     */
    @Override
    public void maxPool2dBackward(Tensor x, Tensor y, Tensor dy, Pool2dSpec spec, Tensor dx) {
        Pool2dGeometry g = KernelChecks.maxPool2dBackward(this, x, y, dy, spec, dx);
        float[] xv = f(x), dyv = f(dy), dxv = f(dx);
        double[] sum = new double[dxv.length];
        for (int n = 0; n < g.n(); n++) {
            for (int c = 0; c < g.c(); c++) {
                for (int p = 0; p < g.p(); p++) {
                    for (int q = 0; q < g.q(); q++) {
                        int out = at(n, c, p, q, g.c(), g.p(), g.q());
                        // The winner is found from x, as the contract says ("the position that held
                        // its window's maximum"); y is only checked for its shape.
                        int winner = firstMaxInWindow(xv, g, n, c, p, q);
                        if (winner >= 0) {
                            sum[winner] += dyv[out];
                        }
                    }
                }
            }
        }
        for (int i = 0; i < dxv.length; i++) {
            dxv[i] = (float) sum[i];
        }
    }

    /** Whether {@code v} replaces {@code best} as a maximum: strictly larger, or the first NaN (NaN wins). */
    private static boolean beats(float v, float best) {
        return v > best || (Float.isNaN(v) && !Float.isNaN(best));
    }

    /**
     * {@code y[n,c,p,q] = (1 / count) * sum_{i,j} x[n, c, p*sh - ph + i, q*sw - pw + j]} over the
     * window's real pixels, where {@code count} is their number (padding is not counted).
     */
    @Override
    public void avgPool2dForward(Tensor x, Pool2dSpec spec, Tensor y) {
        Pool2dGeometry g = KernelChecks.pool2dForward(this, "avgPool2dForward", x, spec, y);
        float[] xv = f(x), yv = f(y);
        for (int n = 0; n < g.n(); n++) {
            for (int c = 0; c < g.c(); c++) {
                for (int p = 0; p < g.p(); p++) {
                    for (int q = 0; q < g.q(); q++) {
                        double sum = 0;
                        int count = 0;
                        for (int i = 0; i < spec.kernelH(); i++) {
                            for (int j = 0; j < spec.kernelW(); j++) {
                                int h = p * spec.strideH() - spec.padH() + i;
                                int w = q * spec.strideW() - spec.padW() + j;
                                if (h >= 0 && h < g.h() && w >= 0 && w < g.w()) {
                                    sum += xv[at(n, c, h, w, g.c(), g.h(), g.w())];
                                    count++;
                                }
                            }
                        }
                        yv[at(n, c, p, q, g.c(), g.p(), g.q())] = (float) (sum / spec.avgDivisor(count));
                    }
                }
            }
        }
    }

    /** {@code dx[n,c,h,w] = sum of dy[n,c,p,q] / count(p,q)} over the windows (p, q) that hold real pixel (h, w). */
    @Override
    public void avgPool2dBackward(Tensor dy, Pool2dSpec spec, Tensor dx) {
        Pool2dGeometry g = KernelChecks.avgPool2dBackward(this, dy, spec, dx);
        float[] dyv = f(dy), dxv = f(dx);
        double[] sum = new double[dxv.length];
        for (int n = 0; n < g.n(); n++) {
            for (int c = 0; c < g.c(); c++) {
                for (int p = 0; p < g.p(); p++) {
                    for (int q = 0; q < g.q(); q++) {
                        int count = 0;
                        for (int i = 0; i < spec.kernelH(); i++) {
                            for (int j = 0; j < spec.kernelW(); j++) {
                                int h = p * spec.strideH() - spec.padH() + i;
                                int w = q * spec.strideW() - spec.padW() + j;
                                if (h >= 0 && h < g.h() && w >= 0 && w < g.w()) {
                                    count++;
                                }
                            }
                        }
                        double share = (double) dyv[at(n, c, p, q, g.c(), g.p(), g.q())] / spec.avgDivisor(count);
                        for (int i = 0; i < spec.kernelH(); i++) {
                            for (int j = 0; j < spec.kernelW(); j++) {
                                int h = p * spec.strideH() - spec.padH() + i;
                                int w = q * spec.strideW() - spec.padW() + j;
                                if (h >= 0 && h < g.h() && w >= 0 && w < g.w()) {
                                    sum[at(n, c, h, w, g.c(), g.h(), g.w())] += share;
                                }
                            }
                        }
                    }
                }
            }
        }
        for (int i = 0; i < dxv.length; i++) {
            dxv[i] = (float) sum[i];
        }
    }

    /** {@code y[n,c] = 1/(H*W) * sum_{h,w} x[n,c,h,w]}. */
    @Override
    public void globalAvgPool2dForward(Tensor x, Tensor y) {
        KernelChecks.globalAvgPool2dForward(this, x, y);
        Shape s = x.shape();
        int nn = s.dim(0), cc = s.dim(1), hh = s.dim(2), ww = s.dim(3);
        float[] xv = f(x), yv = f(y);
        for (int n = 0; n < nn; n++) {
            for (int c = 0; c < cc; c++) {
                double sum = 0;
                for (int h = 0; h < hh; h++) {
                    for (int w = 0; w < ww; w++) {
                        sum += xv[at(n, c, h, w, cc, hh, ww)];
                    }
                }
                yv[n * cc + c] = (float) (sum / (hh * ww));
            }
        }
    }

    /** {@code dx[n,c,h,w] = dy[n,c] / (H*W)}. */
    @Override
    public void globalAvgPool2dBackward(Tensor dy, Tensor dx) {
        KernelChecks.globalAvgPool2dBackward(this, dy, dx);
        Shape s = dx.shape();
        int nn = s.dim(0), cc = s.dim(1), hh = s.dim(2), ww = s.dim(3);
        float[] dyv = f(dy), dxv = f(dx);
        for (int n = 0; n < nn; n++) {
            for (int c = 0; c < cc; c++) {
                for (int h = 0; h < hh; h++) {
                    for (int w = 0; w < ww; w++) {
                        dxv[at(n, c, h, w, cc, hh, ww)] = (float) ((double) dyv[n * cc + c] / (hh * ww));
                    }
                }
            }
        }
    }

    // ---------------------------------------------------------------- normalisation

    /**
     * Per channel c, over the M = N*H*W values {@code x[n,c,h,w]} (two passes, in double):
     * {@code mean = 1/M sum x}, {@code var = 1/M sum (x - mean)^2},
     * {@code y = gamma * (x - mean) / sqrt(var + eps) + beta}; the running averages move by momentum
     * towards mean and the unbiased {@code var * M/(M-1)}; {@code saveInvStd = 1/sqrt(var + eps)}.
     */
    @Override
    public void batchNorm2dForwardTraining(Tensor x, Tensor gamma, Tensor beta, BatchNormSpec spec,
            Tensor runningMean, Tensor runningVar, Tensor y, Tensor saveMean, Tensor saveInvStd) {
        KernelChecks.batchNorm2dForwardTraining(this, x, gamma, beta, spec, runningMean, runningVar, y, saveMean,
                saveInvStd);
        Shape s = x.shape();
        int nn = s.dim(0), cc = s.dim(1), hh = s.dim(2), ww = s.dim(3);
        long m = (long) nn * hh * ww;
        float[] xv = f(x), yv = f(y), gv = f(gamma), bv = f(beta);
        float[] rm = f(runningMean), rv = f(runningVar), sm = f(saveMean), si = f(saveInvStd);
        double momentum = spec.momentum();
        for (int c = 0; c < cc; c++) {
            double sum = 0;
            for (int n = 0; n < nn; n++) {
                for (int h = 0; h < hh; h++) {
                    for (int w = 0; w < ww; w++) {
                        sum += xv[at(n, c, h, w, cc, hh, ww)];
                    }
                }
            }
            double mean = sum / m;
            double squares = 0;
            for (int n = 0; n < nn; n++) {
                for (int h = 0; h < hh; h++) {
                    for (int w = 0; w < ww; w++) {
                        double d = xv[at(n, c, h, w, cc, hh, ww)] - mean;
                        squares += d * d;
                    }
                }
            }
            double var = squares / m;
            double invStd = 1 / Math.sqrt(var + spec.epsilon());
            for (int n = 0; n < nn; n++) {
                for (int h = 0; h < hh; h++) {
                    for (int w = 0; w < ww; w++) {
                        int i = at(n, c, h, w, cc, hh, ww);
                        yv[i] = (float) (gv[c] * (xv[i] - mean) * invStd + bv[c]);
                    }
                }
            }
            rm[c] = (float) ((1 - momentum) * rm[c] + momentum * mean);
            rv[c] = (float) ((1 - momentum) * rv[c] + momentum * var * m / (m - 1));
            sm[c] = (float) mean;
            si[c] = (float) invStd;
        }
    }

    /** {@code y = gamma[c] * (x - runningMean[c]) / sqrt(runningVar[c] + eps) + beta[c]}. */
    @Override
    public void batchNorm2dForwardInference(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean,
            Tensor runningVar, BatchNormSpec spec, Tensor y) {
        KernelChecks.batchNorm2dForwardInference(this, x, gamma, beta, runningMean, runningVar, spec, y);
        Shape s = x.shape();
        int nn = s.dim(0), cc = s.dim(1), hh = s.dim(2), ww = s.dim(3);
        float[] xv = f(x), yv = f(y), gv = f(gamma), bv = f(beta), rm = f(runningMean), rv = f(runningVar);
        for (int n = 0; n < nn; n++) {
            for (int c = 0; c < cc; c++) {
                double invStd = 1 / Math.sqrt((double) rv[c] + spec.epsilon());
                for (int h = 0; h < hh; h++) {
                    for (int w = 0; w < ww; w++) {
                        int i = at(n, c, h, w, cc, hh, ww);
                        yv[i] = (float) (gv[c] * (xv[i] - (double) rm[c]) * invStd + bv[c]);
                    }
                }
            }
        }
    }

    /**
     * With {@code xhat = (x - saveMean[c]) * saveInvStd[c]} and M = N*H*W:
     * {@code dbeta[c] = sum dy}, {@code dgamma[c] = sum dy * xhat},
     * {@code dx = gamma[c] * saveInvStd[c] / M * (M * dy - dbeta[c] - xhat * dgamma[c])}.
     */
    @Override
    public void batchNorm2dBackward(Tensor x, Tensor dy, Tensor gamma, Tensor saveMean, Tensor saveInvStd,
            Tensor dx, Tensor dgamma, Tensor dbeta) {
        KernelChecks.batchNorm2dBackward(this, x, dy, gamma, saveMean, saveInvStd, dx, dgamma, dbeta);
        Shape s = x.shape();
        int nn = s.dim(0), cc = s.dim(1), hh = s.dim(2), ww = s.dim(3);
        double m = (double) nn * hh * ww;
        float[] xv = f(x), dyv = f(dy), gv = f(gamma), sm = f(saveMean), si = f(saveInvStd);
        float[] dxv = dx == null ? null : f(dx), dgv = f(dgamma), dbv = f(dbeta);
        for (int c = 0; c < cc; c++) {
            double sumDy = 0, sumDyXhat = 0;
            for (int n = 0; n < nn; n++) {
                for (int h = 0; h < hh; h++) {
                    for (int w = 0; w < ww; w++) {
                        int i = at(n, c, h, w, cc, hh, ww);
                        double xhat = ((double) xv[i] - sm[c]) * si[c];
                        sumDy += dyv[i];
                        sumDyXhat += dyv[i] * xhat;
                    }
                }
            }
            dbv[c] = (float) sumDy;
            dgv[c] = (float) sumDyXhat;
            if (dxv == null) {
                continue;
            }
            for (int n = 0; n < nn; n++) {
                for (int h = 0; h < hh; h++) {
                    for (int w = 0; w < ww; w++) {
                        int i = at(n, c, h, w, cc, hh, ww);
                        double xhat = ((double) xv[i] - sm[c]) * si[c];
                        dxv[i] = (float) ((double) gv[c] * si[c] / m * (m * dyv[i] - sumDy - xhat * sumDyXhat));
                    }
                }
            }
        }
    }

    // ---------------------------------------------------------------- activations

    /** {@code y = x > 0 ? x : 0}, and NaN stays NaN (as in PyTorch). */
    @Override
    public void reluForward(Tensor x, Tensor y) {
        KernelChecks.elementwise(this, "reluForward", new String[] {"x", "y"}, x, y);
        float[] xv = f(x), yv = f(y);
        for (int i = 0; i < xv.length; i++) {
            yv[i] = xv[i] > 0 || Float.isNaN(xv[i]) ? xv[i] : 0f;
        }
    }

    /** {@code dx = y > 0 ? dy : 0}, with y the forward output. */
    @Override
    public void reluBackward(Tensor y, Tensor dy, Tensor dx) {
        KernelChecks.elementwise(this, "reluBackward", new String[] {"y", "dy", "dx"}, y, dy, dx);
        float[] yv = f(y), dyv = f(dy), dxv = f(dx);
        for (int i = 0; i < yv.length; i++) {
            dxv[i] = yv[i] > 0 ? dyv[i] : 0f;
        }
    }

    /**
     * Exact: {@code y = x * Phi(x) = x/2 * erfc(-x/sqrt 2)} (the same as {@code x/2 * (1 + erf(x/sqrt 2))},
     * written with erfc so that the far negative side keeps its relative accuracy). Tanh:
     * {@code y = x/2 * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3)))}.
     */
    @Override
    public void geluForward(Tensor x, GeluApproximation approximation, Tensor y) {
        KernelChecks.geluForward(this, x, approximation, y);
        float[] xv = f(x), yv = f(y);
        for (int i = 0; i < xv.length; i++) {
            double v = xv[i];
            yv[i] = (float) (approximation == GeluApproximation.NONE
                    ? v * 0.5 * Erf.erfc(-v / SQRT2)
                    : 0.5 * v * (1 + Math.tanh(SQRT_2_OVER_PI * (v + TANH_CUBIC * v * v * v))));
        }
    }

    private static final double SQRT2 = Math.sqrt(2);
    private static final double SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
    private static final double TANH_CUBIC = 0.044715;

    /**
     * {@code dx = dy * gelu'(x)}. Exact: {@code gelu'(x) = Phi(x) + x * phi(x)} with
     * {@code phi(x) = exp(-x^2/2) / sqrt(2 pi)}. Tanh, with {@code u = sqrt(2/pi) (x + 0.044715 x^3)}:
     * {@code gelu'(x) = (1 + tanh u)/2 + x/2 * (1 - tanh^2 u) * sqrt(2/pi) (1 + 3 * 0.044715 x^2)}.
     */
    @Override
    public void geluBackward(Tensor x, Tensor dy, GeluApproximation approximation, Tensor dx) {
        KernelChecks.geluBackward(this, x, dy, approximation, dx);
        float[] xv = f(x), dyv = f(dy), dxv = f(dx);
        for (int i = 0; i < xv.length; i++) {
            double v = xv[i];
            double derivative;
            if (approximation == GeluApproximation.NONE) {
                derivative = 0.5 * Erf.erfc(-v / SQRT2) + v * Math.exp(-0.5 * v * v) / Math.sqrt(2 * Math.PI);
            } else {
                double t = Math.tanh(SQRT_2_OVER_PI * (v + TANH_CUBIC * v * v * v));
                derivative = 0.5 * (1 + t) + 0.5 * v * (1 - t * t) * SQRT_2_OVER_PI * (1 + 3 * TANH_CUBIC * v * v);
            }
            dxv[i] = (float) (dyv[i] * derivative);
        }
    }

    /** {@code y[n,i] = exp(x[n,i] - m) / sum_j exp(x[n,j] - m)} with {@code m = max_j x[n,j]}. */
    @Override
    public void softmaxForward(Tensor x, Tensor y) {
        KernelChecks.rowwise(this, "softmaxForward", new String[] {"x", "y"}, x, y);
        int rows = x.shape().dim(0), cols = x.shape().dim(1);
        float[] xv = f(x), yv = f(y);
        for (int n = 0; n < rows; n++) {
            double max = rowMax(xv, n, cols);
            double sum = 0;
            for (int j = 0; j < cols; j++) {
                sum += Math.exp(xv[n * cols + j] - max);
            }
            for (int i = 0; i < cols; i++) {
                yv[n * cols + i] = (float) (Math.exp(xv[n * cols + i] - max) / sum);
            }
        }
    }

    private static double rowMax(float[] v, int row, int cols) {
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < cols; j++) {
            max = Math.max(max, v[row * cols + j]);
        }
        return max;
    }

    /** {@code dx[n,i] = y[n,i] * (dy[n,i] - sum_j dy[n,j] * y[n,j])}. */
    @Override
    public void softmaxBackward(Tensor y, Tensor dy, Tensor dx) {
        KernelChecks.rowwise(this, "softmaxBackward", new String[] {"y", "dy", "dx"}, y, dy, dx);
        int rows = y.shape().dim(0), cols = y.shape().dim(1);
        float[] yv = f(y), dyv = f(dy), dxv = f(dx);
        double[] row = new double[cols];
        for (int n = 0; n < rows; n++) {
            double dot = 0;
            for (int j = 0; j < cols; j++) {
                dot += (double) dyv[n * cols + j] * yv[n * cols + j];
            }
            // Computed for the whole row before storing: dx may be dy.
            for (int i = 0; i < cols; i++) {
                row[i] = yv[n * cols + i] * (dyv[n * cols + i] - dot);
            }
            for (int i = 0; i < cols; i++) {
                dxv[n * cols + i] = (float) row[i];
            }
        }
    }

    /** {@code y[n,i] = x[n,i] - m - log(sum_j exp(x[n,j] - m))} with {@code m = max_j x[n,j]}. */
    @Override
    public void logSoftmaxForward(Tensor x, Tensor y) {
        KernelChecks.rowwise(this, "logSoftmaxForward", new String[] {"x", "y"}, x, y);
        int rows = x.shape().dim(0), cols = x.shape().dim(1);
        float[] xv = f(x), yv = f(y);
        for (int n = 0; n < rows; n++) {
            double max = rowMax(xv, n, cols);
            double sum = 0;
            for (int j = 0; j < cols; j++) {
                sum += Math.exp(xv[n * cols + j] - max);
            }
            double logSum = Math.log(sum);
            for (int i = 0; i < cols; i++) {
                yv[n * cols + i] = (float) (xv[n * cols + i] - max - logSum);
            }
        }
    }

    /** {@code dx[n,i] = dy[n,i] - exp(y[n,i]) * sum_j dy[n,j]}. */
    @Override
    public void logSoftmaxBackward(Tensor y, Tensor dy, Tensor dx) {
        KernelChecks.rowwise(this, "logSoftmaxBackward", new String[] {"y", "dy", "dx"}, y, dy, dx);
        int rows = y.shape().dim(0), cols = y.shape().dim(1);
        float[] yv = f(y), dyv = f(dy), dxv = f(dx);
        double[] row = new double[cols];
        for (int n = 0; n < rows; n++) {
            double sumDy = 0;
            for (int j = 0; j < cols; j++) {
                sumDy += dyv[n * cols + j];
            }
            for (int i = 0; i < cols; i++) {
                row[i] = dyv[n * cols + i] - Math.exp(yv[n * cols + i]) * sumDy;
            }
            for (int i = 0; i < cols; i++) {
                dxv[n * cols + i] = (float) row[i];
            }
        }
    }

    // ---------------------------------------------------------------- loss

    /**
     * {@code loss = -1/N * sum_n log softmax(logits)[n, labels[n]]}
     * {@code = 1/N * sum_n (m_n + log sum_j exp(logits[n,j] - m_n) - logits[n, labels[n]])}, and
     * {@code gradLogits[n,i] = (softmax(logits)[n,i] - [i == labels[n]]) / N}. Every label is
     * checked before anything is written.
     */
    @Override
    public void softmaxCrossEntropy(Tensor logits, Tensor labels, Tensor loss, Tensor gradLogits) {
        KernelChecks.softmaxCrossEntropy(this, logits, labels, loss, gradLogits);
        int rows = logits.shape().dim(0), cols = logits.shape().dim(1);
        float[] xv = f(logits);
        int[] lv = i(labels);
        requireLabelsInRange("softmaxCrossEntropy", lv, cols);
        float[] gv = gradLogits == null ? null : f(gradLogits);
        double total = 0;
        for (int n = 0; n < rows; n++) {
            double max = rowMax(xv, n, cols);
            double sum = 0;
            for (int j = 0; j < cols; j++) {
                sum += Math.exp(xv[n * cols + j] - max);
            }
            total += max + Math.log(sum) - xv[n * cols + lv[n]];
            if (gv != null) {
                for (int i = 0; i < cols; i++) {
                    double softmax = Math.exp(xv[n * cols + i] - max) / sum;
                    gv[n * cols + i] = (float) ((softmax - (i == lv[n] ? 1 : 0)) / rows);
                }
            }
        }
        f(loss)[0] = (float) (total / rows);
    }

    /**
     * The loss of {@link CrossEntropySpec} term by term in double: per row the log-softmax, the
     * weighted smoothed target q[j] = (1 - eps) w[y] [j == y] + eps/C w[j], the row loss
     * -sum_j q[j] log p[j], and the gradient p[j] sum_i q[i] - q[j]; all over S = sum_n w[y_n].
     */
    @Override
    public void softmaxCrossEntropy(Tensor logits, Tensor labels, CrossEntropySpec spec, Tensor loss,
                                    Tensor gradLogits) {
        KernelChecks.softmaxCrossEntropy(this, logits, labels, spec, loss, gradLogits);
        int rows = logits.shape().dim(0), cols = logits.shape().dim(1);
        float[] xv = f(logits);
        int[] lv = i(labels);
        requireLabelsInRange("softmaxCrossEntropy", lv, cols);
        float[] gv = gradLogits == null ? null : f(gradLogits);
        double eps = spec.labelSmoothing();
        double totalWeight = 0;
        for (int n = 0; n < rows; n++) {
            totalWeight += spec.weight(lv[n]);
        }
        if (totalWeight == 0) {
            throw KernelChecks.zeroTotalWeight("softmaxCrossEntropy", rows);
        }
        double total = 0;
        double[] q = new double[cols];
        double[] logp = new double[cols];
        for (int n = 0; n < rows; n++) {
            double max = rowMax(xv, n, cols);
            double sum = 0;
            for (int j = 0; j < cols; j++) {
                sum += Math.exp(xv[n * cols + j] - max);
            }
            double qSum = 0;
            for (int j = 0; j < cols; j++) {
                logp[j] = xv[n * cols + j] - max - Math.log(sum);
                q[j] = ((j == lv[n] ? 1 - eps : 0) * spec.weight(lv[n])) + eps / cols * spec.weight(j);
                qSum += q[j];
                total -= q[j] * logp[j];
            }
            if (gv != null) {
                for (int j = 0; j < cols; j++) {
                    gv[n * cols + j] = (float) ((Math.exp(logp[j]) * qSum - q[j]) / totalWeight);
                }
            }
        }
        f(loss)[0] = (float) (total / totalWeight);
    }

    private static void requireLabelsInRange(String op, int[] labels, int classes) {
        for (int n = 0; n < labels.length; n++) {
            if (labels[n] < 0 || labels[n] >= classes) {
                throw KernelChecks.labelOutOfRange(op, n, labels[n], classes);
            }
        }
    }

    // ---------------------------------------------------------------- optimizers

    /**
     * Keras' Adam ({@link AdamSpec}), per element:
     * {@code m = b1*m + (1-b1)*g; v = b2*v + (1-b2)*g*g; p = p - a_t * m / (sqrt(v) + eps)} with
     * {@code a_t = spec.stepSize(step)}.
     */
    @Override
    public void adamStep(Tensor param, Tensor grad, Tensor m, Tensor v, AdamSpec spec, long step) {
        KernelChecks.adamStep(this, param, grad, m, v, spec, step);
        float[] pv = f(param), gv = f(grad), mv = f(m), vv = f(v);
        double b1 = spec.beta1(), b2 = spec.beta2(), eps = spec.epsilon();
        double stepSize = spec.stepSize(step);
        for (int i = 0; i < pv.length; i++) {
            double g = gv[i];
            double mi = b1 * mv[i] + (1 - b1) * g;
            double vi = b2 * vv[i] + (1 - b2) * g * g;
            mv[i] = (float) mi;
            vv[i] = (float) vi;
            pv[i] = (float) (pv[i] - stepSize * mi / (Math.sqrt(vi) + eps));
        }
    }

    /**
     * Keras' SGD ({@link SgdSpec}), per element: {@code v = mu*v - lr*g}, then {@code p = p + v}, or
     * with Nesterov {@code p = p + mu*v - lr*g}; without a velocity buffer (momentum 0)
     * {@code p = p - lr*g}.
     */
    @Override
    public void sgdStep(Tensor param, Tensor grad, Tensor velocity, SgdSpec spec) {
        KernelChecks.sgdStep(this, param, grad, velocity, spec);
        float[] pv = f(param), gv = f(grad);
        float[] vel = velocity == null ? null : f(velocity);
        double lr = spec.learningRate(), mu = spec.momentum();
        for (int i = 0; i < pv.length; i++) {
            double g = gv[i];
            if (vel == null) {
                pv[i] = (float) (pv[i] - lr * g);
                continue;
            }
            double vi = mu * vel[i] - lr * g;
            vel[i] = (float) vi;
            pv[i] = (float) (spec.nesterov() ? pv[i] + mu * vi - lr * g : pv[i] + vi);
        }
    }

    /**
     * {@link #sgdStep} with weight decay, per element in double: coupled {@code g = g + wd*p},
     * decoupled {@code p = p * (1 - lr*wd)}, then the same update.
     */
    @Override
    public void sgdStep(Tensor param, Tensor grad, Tensor velocity, SgdSpec spec, float weightDecay, boolean decoupled) {
        KernelChecks.sgdStep(this, param, grad, velocity, spec, weightDecay);
        float[] pv = f(param), gv = f(grad);
        float[] vel = velocity == null ? null : f(velocity);
        double lr = spec.learningRate(), mu = spec.momentum(), wd = weightDecay;
        for (int i = 0; i < pv.length; i++) {
            double p = decoupled ? pv[i] * (1 - lr * wd) : pv[i];
            double g = decoupled ? gv[i] : gv[i] + wd * pv[i];
            if (vel == null) {
                pv[i] = (float) (p - lr * g);
                continue;
            }
            double vi = mu * vel[i] - lr * g;
            vel[i] = (float) vi;
            pv[i] = (float) (spec.nesterov() ? p + mu * vi - lr * g : p + vi);
        }
    }

    /**
     * {@link #adamStep} with weight decay, per element in double: coupled {@code g = g + wd*p},
     * decoupled {@code p = p * (1 - lr*wd)}, then Keras' update.
     */
    @Override
    public void adamStep(Tensor param, Tensor grad, Tensor m, Tensor v, AdamSpec spec, long step, float weightDecay,
                         boolean decoupled) {
        KernelChecks.adamStep(this, param, grad, m, v, spec, step, weightDecay);
        float[] pv = f(param), gv = f(grad), mv = f(m), vv = f(v);
        double b1 = spec.beta1(), b2 = spec.beta2(), eps = spec.epsilon(), lr = spec.learningRate(), wd = weightDecay;
        double stepSize = spec.stepSize(step);
        for (int i = 0; i < pv.length; i++) {
            double p = decoupled ? pv[i] * (1 - lr * wd) : pv[i];
            double g = decoupled ? gv[i] : gv[i] + wd * pv[i];
            double mi = b1 * mv[i] + (1 - b1) * g;
            double vi = b2 * vv[i] + (1 - b2) * g * g;
            mv[i] = (float) mi;
            vv[i] = (float) vi;
            pv[i] = (float) (p - stepSize * mi / (Math.sqrt(vi) + eps));
        }
    }

    // ---------------------------------------------------------------- dropout

    /** {@code mask[i] = spec.keep(i) ? spec.scale() : 0; y[i] = x[i] * mask[i]}, i the flat element index. */
    @Override
    public void dropoutForward(Tensor x, DropoutSpec spec, Tensor y, Tensor mask) {
        KernelChecks.dropoutForward(this, x, spec, y, mask);
        float[] xv = f(x), yv = f(y), mv = f(mask);
        float scale = spec.scale();
        for (int i = 0; i < xv.length; i++) {
            mv[i] = spec.keep(i) ? scale : 0f;
            yv[i] = (float) ((double) xv[i] * mv[i]);
        }
    }

    // ---------------------------------------------------------------- element-wise and reductions

    /** {@code out = a + b}. */
    @Override
    public void add(Tensor a, Tensor b, Tensor out) {
        KernelChecks.elementwise(this, "add", new String[] {"a", "b", "out"}, a, b, out);
        float[] av = f(a), bv = f(b), ov = f(out);
        for (int i = 0; i < av.length; i++) {
            ov[i] = (float) ((double) av[i] + bv[i]);
        }
    }

    /** {@code out = a * b}. */
    @Override
    public void multiply(Tensor a, Tensor b, Tensor out) {
        KernelChecks.elementwise(this, "multiply", new String[] {"a", "b", "out"}, a, b, out);
        float[] av = f(a), bv = f(b), ov = f(out);
        for (int i = 0; i < av.length; i++) {
            ov[i] = (float) ((double) av[i] * bv[i]);
        }
    }

    /** {@code out = alpha * x}. */
    @Override
    public void scale(Tensor x, float alpha, Tensor out) {
        KernelChecks.elementwise(this, "scale", new String[] {"x", "out"}, x, out);
        float[] xv = f(x), ov = f(out);
        for (int i = 0; i < xv.length; i++) {
            ov[i] = (float) ((double) alpha * xv[i]);
        }
    }

    /** {@code y = y + alpha * x}. */
    @Override
    public void axpy(float alpha, Tensor x, Tensor y) {
        KernelChecks.elementwise(this, "axpy", new String[] {"x", "y"}, x, y);
        float[] xv = f(x), yv = f(y);
        for (int i = 0; i < xv.length; i++) {
            yv[i] = (float) (yv[i] + (double) alpha * xv[i]);
        }
    }

    /**
     * {@code y[n, o_i + c, ...] = inputs[i][n, c, ...]}, where {@code o_i = C_0 + ... + C_{i-1}}.
     */
    @Override
    public void concatChannels(List<Tensor> inputs, Tensor y) {
        int[] channels = KernelChecks.concatChannels(this, inputs, y);
        int batch = y.shape().dim(0), total = y.shape().dim(1);
        int inner = (int) y.shape().sizeFrom(2);
        float[] yv = f(y);
        int offset = 0;
        for (int i = 0; i < channels.length; i++) {
            float[] xv = f(inputs.get(i));
            for (int n = 0; n < batch; n++) {
                for (int c = 0; c < channels[i]; c++) {
                    for (int e = 0; e < inner; e++) {
                        yv[(n * total + offset + c) * inner + e] = xv[(n * channels[i] + c) * inner + e];
                    }
                }
            }
            offset += channels[i];
        }
    }

    /** {@code dInputs[i][n, c, ...] = dy[n, o_i + c, ...]}; null entries are skipped. */
    @Override
    public void concatChannelsBackward(Tensor dy, List<Tensor> dInputs) {
        int[] channels = KernelChecks.concatChannelsBackward(this, dy, dInputs);
        int batch = dy.shape().dim(0), total = dy.shape().dim(1);
        int inner = (int) dy.shape().sizeFrom(2);
        float[] dyv = f(dy);
        int offset = 0;
        for (int i = 0; i < channels.length; i++) {
            if (dInputs.get(i) != null) {
                float[] dxv = f(dInputs.get(i));
                for (int n = 0; n < batch; n++) {
                    for (int c = 0; c < channels[i]; c++) {
                        for (int e = 0; e < inner; e++) {
                            dxv[(n * channels[i] + c) * inner + e] = dyv[(n * total + offset + c) * inner + e];
                        }
                    }
                }
            }
            offset += channels[i];
        }
    }

    /** {@code out[n,c,...] = x[n,c,...] + bias[c]}. */
    @Override
    public void biasAdd(Tensor x, Tensor bias, Tensor out) {
        KernelChecks.biasAdd(this, x, bias, out);
        int batch = x.shape().dim(0), channels = x.shape().dim(1);
        int inner = (int) x.shape().sizeFrom(2);
        float[] xv = f(x), bv = f(bias), ov = f(out);
        for (int n = 0; n < batch; n++) {
            for (int c = 0; c < channels; c++) {
                for (int e = 0; e < inner; e++) {
                    int idx = (n * channels + c) * inner + e;
                    ov[idx] = (float) ((double) xv[idx] + bv[c]);
                }
            }
        }
    }

    /**
     * {@code y[n,c,h,w] = (p / 255f - mean[c]) / std[c]} in float32, literally as the spec defines it
     * (the definition is float arithmetic, so the fast backends match it bit for bit), p read at its
     * NHWC or NCHW index.
     */
    @Override
    public void imagesFromHost(byte[] pixels, int offset, ImageNormalization spec, Tensor y) {
        KernelChecks.imagesFromHost(this, pixels == null ? -1 : pixels.length, offset, spec, y);
        int batch = y.shape().dim(0), channels = y.shape().dim(1), height = y.shape().dim(2), width = y.shape().dim(3);
        float[] out = f(y);
        for (int n = 0; n < batch; n++) {
            for (int c = 0; c < channels; c++) {
                for (int h = 0; h < height; h++) {
                    for (int w = 0; w < width; w++) {
                        int source = spec.layout() == ImageNormalization.Layout.NHWC
                                ? ((n * height + h) * width + w) * channels + c
                                : ((n * channels + c) * height + h) * width + w;
                        int p = pixels[offset + source] & 0xff;
                        out[((n * channels + c) * height + h) * width + w] = (p / 255f - spec.meanOf(c)) / spec.stdOf(c);
                    }
                }
            }
        }
    }

    /** {@code out[f] = sum_n x[n, f]}, f running over all trailing dimensions. */
    @Override
    public void sumOverBatch(Tensor x, Tensor out) {
        KernelChecks.sumOverBatch(this, x, out);
        int batch = x.shape().dim(0);
        int features = (int) x.shape().sizeFrom(1);
        float[] xv = f(x), ov = f(out);
        for (int e = 0; e < features; e++) {
            double sum = 0;
            for (int n = 0; n < batch; n++) {
                sum += xv[n * features + e];
            }
            ov[e] = (float) sum;
        }
    }

    /** {@code indices[n] = the smallest i with x[n,i] = max_j x[n,j]}; a NaN counts as the maximum. */
    @Override
    public void argmax(Tensor x, Tensor indices) {
        KernelChecks.argmax(this, x, indices);
        int rows = x.shape().dim(0), cols = x.shape().dim(1);
        float[] xv = f(x);
        int[] iv = i(indices);
        for (int n = 0; n < rows; n++) {
            iv[n] = rowArgmax(xv, n, cols);
        }
    }

    private static int rowArgmax(float[] xv, int row, int cols) {
        int best = 0;
        for (int j = 1; j < cols; j++) {
            if (beats(xv[row * cols + j], xv[row * cols + best])) {
                best = j;
            }
        }
        return best;
    }

    /** {@code #{n : argmax_i logits[n,i] == labels[n]}}; every label is checked first. */
    @Override
    public long countCorrect(Tensor logits, Tensor labels) {
        KernelChecks.countCorrect(this, logits, labels);
        int rows = logits.shape().dim(0), cols = logits.shape().dim(1);
        float[] xv = f(logits);
        int[] lv = i(labels);
        requireLabelsInRange("countCorrect", lv, cols);
        long correct = 0;
        for (int n = 0; n < rows; n++) {
            if (rowArgmax(xv, n, cols) == lv[n]) {
                correct++;
            }
        }
        return correct;
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    /** Nothing to free: the arrays belong to the tensors and go with them; later calls are rejected. */
    @Override
    public void close() {
        closed = true;
    }

    @Override
    public String toString() {
        return description();
    }
}
