package dev.ingot.core.spec;

import dev.ingot.core.Shape;

/**
 * Sizes of one pooling: input {@code (N, C, H, W)}, output {@code (N, C, P, Q)} with
 * {@code P = (H + 2*padH - kernelH) / strideH + 1} (and likewise Q).
 */
public record Pool2dGeometry(int n, int c, int h, int w, int p, int q, Pool2dSpec spec) {

    /**
     * Derives and validates the geometry of {@code op} from its input shape.
     *
     * @throws IllegalArgumentException naming {@code op}, the shape and what is wrong
     */
    public static Pool2dGeometry of(String op, Shape x, Pool2dSpec spec) {
        if (spec == null) {
            throw new IllegalArgumentException(op + ": spec must not be null");
        }
        if (x.rank() != 4) {
            throw new IllegalArgumentException(op + ": input x must be rank 4 (N, C, H, W), got shape " + x);
        }
        int h = x.dim(2), w = x.dim(3);
        // long: h + 2*pad overflows int for paddings near 2^30; see Conv2dGeometry for why padded
        // sizes must fit an int.
        long paddedH = h + 2L * spec.padH(), paddedW = w + 2L * spec.padW();
        if (paddedH > Integer.MAX_VALUE || paddedW > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(op + ": the padded input " + paddedH + "x" + paddedW + " (x shape " + x
                    + ", " + spec + ") is larger than " + Integer.MAX_VALUE + " in a dimension");
        }
        if (spec.kernelH() > paddedH || spec.kernelW() > paddedW) {
            throw new IllegalArgumentException(op + ": window " + spec.kernelH() + "x" + spec.kernelW()
                    + " is larger than the padded input " + paddedH + "x" + paddedW + " (x shape " + x + ", " + spec + ")");
        }
        int p = (int) ((paddedH - spec.kernelH()) / spec.strideH() + 1);
        int q = (int) ((paddedW - spec.kernelW()) / spec.strideW() + 1);
        return new Pool2dGeometry(x.dim(0), x.dim(1), h, w, p, q, spec);
    }

    public Shape inputShape() {
        return Shape.of(n, c, h, w);
    }

    public Shape outputShape() {
        return Shape.of(n, c, p, q);
    }
}
