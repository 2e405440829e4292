package dev.ingot.core.spec;

import dev.ingot.core.Shape;

/**
 * Every size of one convolution, in the names cuDNN and the papers use: input {@code x (N, C, H, W)},
 * weights {@code w (K, C, R, S)}, output {@code y (N, K, P, Q)} with
 * {@code P = (H + 2*padH - dilationH*(R-1) - 1) / strideH + 1} (and likewise Q).
 * Backends key their per-shape plans (im2col buffers, cuDNN descriptors and algorithms) on it.
 *
 * <p>Every backend's arguments pass through {@link #of}, which computes in {@code long} and
 * accepts only geometries whose padded input fits an {@code int}: then every coordinate a kernel
 * computes in the padded frame ({@code p*strideH - padH + r*dilationH}, in that order) fits an
 * {@code int} too, so kernels need no overflow checks of their own.
 */
public record Conv2dGeometry(int n, int c, int h, int w, int k, int r, int s, int p, int q, Conv2dSpec spec) {

    /**
     * Derives and validates the geometry of {@code op} from the shapes of its input and weights.
     *
     * @throws IllegalArgumentException naming {@code op}, the shapes and what is wrong
     */
    public static Conv2dGeometry of(String op, Shape x, Shape weight, Conv2dSpec spec) {
        if (spec == null) {
            throw new IllegalArgumentException(op + ": spec must not be null");
        }
        if (x == null || weight == null) {
            throw new IllegalArgumentException(op + ": input and weight shapes must not be null");
        }
        if (x.rank() != 4) {
            throw new IllegalArgumentException(op + ": input x must be rank 4 (N, C, H, W), got shape " + x);
        }
        if (weight.rank() != 4) {
            throw new IllegalArgumentException(op + ": weight w must be rank 4 (K, C, R, S), got shape " + weight);
        }
        int n = x.dim(0), c = x.dim(1), h = x.dim(2), wd = x.dim(3);
        int k = weight.dim(0), r = weight.dim(2), s = weight.dim(3);
        if (weight.dim(1) != c) {
            throw new IllegalArgumentException(op + ": weight w has " + weight.dim(1) + " input channels (shape "
                    + weight + ") but input x has " + c + " (shape " + x + "); expected w of shape [" + k + ", " + c
                    + ", " + r + ", " + s + "]");
        }
        long effR = (long) spec.dilationH() * (r - 1) + 1;
        long effS = (long) spec.dilationW() * (s - 1) + 1;
        long paddedH = h + 2L * spec.padH();
        long paddedW = wd + 2L * spec.padW();
        if (paddedH > Integer.MAX_VALUE || paddedW > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(op + ": the padded input " + paddedH + "x" + paddedW + " (x shape " + x
                    + ", " + spec + ") is larger than " + Integer.MAX_VALUE + " in a dimension");
        }
        if (effR > paddedH || effS > paddedW) {
            throw new IllegalArgumentException(op + ": kernel " + r + "x" + s + " (dilated extent " + effR + "x" + effS
                    + ") is larger than the padded input " + paddedH + "x" + paddedW + " (x shape " + x + ", w shape "
                    + weight + ", " + spec + ")");
        }
        int p = (int) ((paddedH - effR) / spec.strideH() + 1);
        int q = (int) ((paddedW - effS) / spec.strideW() + 1);
        try {
            Shape.of(n, k, p, q);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(op + ": the output [" + n + ", " + k + ", " + p + ", " + q + "] (x shape "
                    + x + ", w shape " + weight + ", " + spec + ") has more elements than a long can count", e);
        }
        return new Conv2dGeometry(n, c, h, wd, k, r, s, p, q, spec);
    }

    public Shape inputShape() {
        return Shape.of(n, c, h, w);
    }

    public Shape weightShape() {
        return Shape.of(k, c, r, s);
    }

    public Shape outputShape() {
        return Shape.of(n, k, p, q);
    }

    /** Multiply-adds of the forward pass times two (each backward pass costs the same). */
    public long flops() {
        return 2L * n * k * p * q * c * r * s;
    }
}
