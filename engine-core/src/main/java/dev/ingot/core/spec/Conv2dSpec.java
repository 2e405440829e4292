package dev.ingot.core.spec;

/**
 * Hyper-parameters of a 2-D convolution (cross-correlation, as in every deep-learning framework),
 * with one group. Keras {@code padding='valid'} is {@code padH = padW = 0}.
 *
 * @param strideH   vertical step between output pixels, at least 1
 * @param strideW   horizontal step, at least 1
 * @param padH      zero rows added above and below the input, at least 0
 * @param padW      zero columns added left and right, at least 0
 * @param dilationH spacing between kernel rows, at least 1 (1 = dense kernel)
 * @param dilationW spacing between kernel columns, at least 1
 */
public record Conv2dSpec(int strideH, int strideW, int padH, int padW, int dilationH, int dilationW) {

    /** Stride 1, no padding, no dilation: Keras' default {@code Conv2D}. */
    public static final Conv2dSpec DEFAULT = new Conv2dSpec(1, 1, 0, 0, 1, 1);

    public Conv2dSpec {
        if (strideH < 1 || strideW < 1) {
            throw new IllegalArgumentException("conv2d stride must be at least 1, got " + strideH + "x" + strideW);
        }
        if (padH < 0 || padW < 0) {
            throw new IllegalArgumentException("conv2d padding must be at least 0, got " + padH + "x" + padW);
        }
        if (dilationH < 1 || dilationW < 1) {
            throw new IllegalArgumentException("conv2d dilation must be at least 1, got " + dilationH + "x" + dilationW);
        }
    }

    /** Same stride and padding in both directions, no dilation. */
    public static Conv2dSpec of(int stride, int padding) {
        return new Conv2dSpec(stride, stride, padding, padding, 1, 1);
    }

    /** Same stride, padding and dilation in both directions. */
    public static Conv2dSpec of(int stride, int padding, int dilation) {
        return new Conv2dSpec(stride, stride, padding, padding, dilation, dilation);
    }

    @Override
    public String toString() {
        return "stride " + strideH + "x" + strideW + ", pad " + padH + "x" + padW + ", dilation " + dilationH + "x" + dilationW;
    }
}
