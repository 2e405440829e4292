package dev.ingot.core.spec;

/**
 * Window of a 2-D max or average pooling. Keras {@code MaxPooling2D(2)} is {@link #of(int) of(2)}:
 * a 2x2 window, stride 2, no padding. Output sizes round down (Keras 'valid', PyTorch
 * {@code ceil_mode=False}). Average pooling divides by the number of <em>real</em> input pixels
 * in the window: padding is not counted (Keras 'same', cuDNN {@code COUNT_EXCLUDE_PADDING}, PyTorch
 * {@code count_include_pad=False}) unless {@code countIncludePad} says to divide by the whole
 * window {@code kernelH * kernelW}, zeros of the padding included (PyTorch's default
 * {@code AvgPool2d(count_include_pad=True)}, cuDNN {@code COUNT_INCLUDE_PADDING}). Windows never
 * reach past the padding (output sizes round down), so that divisor is the same for every window.
 *
 * @param kernelH window height, at least 1
 * @param kernelW window width, at least 1
 * @param strideH vertical step, at least 1
 * @param strideW horizontal step, at least 1
 * @param padH    implicit padding above and below, at most {@code kernelH / 2} (so every window
 *                holds at least one real pixel, as PyTorch requires)
 * @param padW    implicit padding left and right, at most {@code kernelW / 2}
 * @param countIncludePad average pooling only: divide by {@code kernelH * kernelW} rather than by
 *                the number of real pixels in the window (max pooling ignores it)
 */
public record Pool2dSpec(int kernelH, int kernelW, int strideH, int strideW, int padH, int padW,
                         boolean countIncludePad) {

    public Pool2dSpec {
        if (kernelH < 1 || kernelW < 1) {
            throw new IllegalArgumentException("pool2d window must be at least 1x1, got " + kernelH + "x" + kernelW);
        }
        if (strideH < 1 || strideW < 1) {
            throw new IllegalArgumentException("pool2d stride must be at least 1, got " + strideH + "x" + strideW);
        }
        if (padH < 0 || padW < 0 || padH > kernelH / 2 || padW > kernelW / 2) {
            throw new IllegalArgumentException("pool2d padding must be between 0 and half the window ("
                    + kernelH / 2 + "x" + kernelW / 2 + "), got " + padH + "x" + padW);
        }
    }

    /** Padding not counted by average pooling (Keras', and PyTorch's {@code count_include_pad=False}). */
    public Pool2dSpec(int kernelH, int kernelW, int strideH, int strideW, int padH, int padW) {
        this(kernelH, kernelW, strideH, strideW, padH, padW, false);
    }

    /** The same window, with average pooling dividing by the whole window (PyTorch's default). */
    public Pool2dSpec withCountIncludePad() {
        return new Pool2dSpec(kernelH, kernelW, strideH, strideW, padH, padW, true);
    }

    /** How many values average pooling divides the window sum by, given its real-pixel count. */
    public int avgDivisor(int realPixels) {
        return countIncludePad ? kernelH * kernelW : realPixels;
    }

    /** A square {@code size x size} window with stride {@code size} and no padding (Keras' default). */
    public static Pool2dSpec of(int size) {
        return new Pool2dSpec(size, size, size, size, 0, 0);
    }

    /** A square window with the given stride and padding. */
    public static Pool2dSpec of(int size, int stride, int padding) {
        return new Pool2dSpec(size, size, stride, stride, padding, padding);
    }

    @Override
    public String toString() {
        return "window " + kernelH + "x" + kernelW + ", stride " + strideH + "x" + strideW + ", pad " + padH + "x" + padW
                + (countIncludePad ? ", padding counted" : "");
    }
}
