package dev.ingot.nn;

import dev.ingot.core.Backend;
import dev.ingot.core.Shape;
import dev.ingot.core.Tensor;
import dev.ingot.core.spec.Conv2dGeometry;
import dev.ingot.core.spec.Conv2dSpec;

import java.util.List;
import java.util.SplittableRandom;

/**
 * A 2-D convolution with bias, Keras {@code Conv2D(filters, kernel_size)}: weights {@code (K, C, R, S)}
 * Glorot-uniform with {@code fan_in = C*R*S, fan_out = K*R*S}, bias {@code (K)} zero. The input
 * channel count C is taken from the input shape at build time.
 *
 * <p>Options, each returning a new unbuilt layer: {@link #withoutBias()} (before a BatchNorm, as
 * ResNets do: PyTorch {@code bias=False}), {@link #samePadding()} (Keras {@code padding='same'}:
 * the output is {@code ceil(H / stride)}), {@link #heNormal()} (He et al.'s
 * {@code N(0, 2 / (K*R*S))}, torchvision's ResNet initialisation).
 *
 * <pre>
 *   forward:  y  = conv2dForward(x, w, b)
 *   backward: dw = conv2dBackwardFilter(x, dy), db = conv2dBackwardBias(dy),
 *             dx = conv2dBackwardData(dy, w)          (skipped for a model's first layer)
 * </pre>
 */
public final class Conv2d implements Layer {
    private final int filters;
    private final int kernelH;
    private final int kernelW;
    private final Conv2dSpec requested;
    private final boolean hasBias;
    private final boolean same;
    private final boolean heNormal;
    private final LayerState state = new LayerState("conv2d");
    /** The spec the kernels run with: {@link #requested}, with the padding filled in for 'same'. */
    private Conv2dSpec spec;
    private Parameter weight;
    private Parameter bias;

    /** {@code filters} output channels, a square {@code kernelSize} kernel, stride 1, 'valid' padding. */
    public Conv2d(int filters, int kernelSize) {
        this(filters, kernelSize, kernelSize, Conv2dSpec.DEFAULT);
    }

    /** Any kernel size, stride, padding and dilation. */
    public Conv2d(int filters, int kernelH, int kernelW, Conv2dSpec spec) {
        this(filters, kernelH, kernelW, spec, true, false, false);
    }

    private Conv2d(int filters, int kernelH, int kernelW, Conv2dSpec spec, boolean hasBias, boolean same,
                   boolean heNormal) {
        if (filters < 1 || kernelH < 1 || kernelW < 1) {
            throw new IllegalArgumentException("Conv2d needs at least 1 filter and a kernel of at least 1x1, got "
                    + filters + " filters of " + kernelH + "x" + kernelW);
        }
        if (spec == null) {
            throw new IllegalArgumentException("Conv2d spec must not be null");
        }
        if (same && (spec.padH() != 0 || spec.padW() != 0)) {
            throw new IllegalArgumentException("Conv2d: padding='same' computes the padding itself; the spec already"
                    + " pads " + spec.padH() + "x" + spec.padW());
        }
        this.filters = filters;
        this.kernelH = kernelH;
        this.kernelW = kernelW;
        this.requested = spec;
        this.hasBias = hasBias;
        this.same = same;
        this.heNormal = heNormal;
    }

    /** The same convolution without a bias (PyTorch {@code bias=False}, Keras {@code use_bias=False}). */
    public Conv2d withoutBias() {
        return new Conv2d(filters, kernelH, kernelW, requested, false, same, heNormal);
    }

    /**
     * The same convolution with Keras' {@code padding='same'}: output {@code ceil(H / stride)} by
     * {@code ceil(W / stride)}, the input padded by the total {@code (out - 1) * stride + (R - 1) * dilation + 1 - H}.
     * The spec pads both sides equally, so an odd total (TensorFlow puts the extra row below) is
     * rejected at build time with the explicit padding to use instead.
     */
    public Conv2d samePadding() {
        return new Conv2d(filters, kernelH, kernelW, requested, hasBias, true, heNormal);
    }

    /**
     * The same convolution with weights drawn from {@code N(0, 2 / (K*R*S))} (He et al. 2015,
     * fan-out mode; torchvision's {@code kaiming_normal_(mode='fan_out', nonlinearity='relu')}).
     */
    public Conv2d heNormal() {
        return new Conv2d(filters, kernelH, kernelW, requested, hasBias, same, true);
    }

    @Override
    public String kind() {
        return "conv2d";
    }

    /** Stride, padding and dilation. */
    public Conv2dSpec spec() {
        return spec;
    }

    @Override
    public Shape build(Backend backend, Shape inputShape, SplittableRandom random) {
        if (inputShape.rank() != 3) {
            throw new IllegalArgumentException("conv2d: input must be images (C, H, W) per sample, got shape "
                    + inputShape);
        }
        int c = inputShape.dim(0);
        Shape w = Shape.of(filters, c, kernelH, kernelW);
        spec = same ? samePaddingSpec(inputShape.dim(1), inputShape.dim(2)) : requested;
        Conv2dGeometry g = Conv2dGeometry.of("conv2d", Shape.of(1, c, inputShape.dim(1), inputShape.dim(2)), w, spec);
        Shape out = Shape.of(filters, g.p(), g.q());
        state.build(backend, inputShape, out);
        long fanIn = (long) c * kernelH * kernelW;
        long fanOut = (long) filters * kernelH * kernelW;
        int count = Initializers.hostCount("conv2d", w);
        float[] init = heNormal ? Initializers.heNormal(random, count, fanOut)
                : Initializers.glorotUniform(random, count, fanIn, fanOut);
        weight = Parameter.withZeroGradient("weight", backend.fromHost(w, init));
        bias = hasBias ? Parameter.withZeroGradient("bias", backend.zeros(Shape.of(filters))) : null;
        return out;
    }

    private Conv2dSpec samePaddingSpec(int h, int w) {
        int padH = samePadding("height", h, kernelH, requested.strideH(), requested.dilationH());
        int padW = samePadding("width", w, kernelW, requested.strideW(), requested.dilationW());
        return new Conv2dSpec(requested.strideH(), requested.strideW(), padH, padW, requested.dilationH(),
                requested.dilationW());
    }

    /** One side's padding for 'same', or an exception when TensorFlow would pad unevenly. */
    private static int samePadding(String axis, int size, int kernel, int stride, int dilation) {
        int out = (size + stride - 1) / stride;
        int total = Math.max((out - 1) * stride + (kernel - 1) * dilation + 1 - size, 0);
        if (total % 2 != 0) {
            throw new IllegalArgumentException("conv2d: padding='same' on " + axis + " " + size + " with kernel "
                    + kernel + ", stride " + stride + ", dilation " + dilation + " needs " + total
                    + " padding in all, an odd total: TensorFlow pads " + total / 2 + " before and " + (total / 2 + 1)
                    + " after, which a symmetric Conv2dSpec cannot express; give an explicit padding instead"
                    + " (PyTorch's " + (total + 1) / 2 + " on both sides gives the same output size here)");
        }
        return total / 2;
    }

    @Override
    public Tensor forward(Tensor input, Mode mode) {
        return state.forward(input, mode, (b, x, y) -> b.conv2dForward(x, weight.value(),
                bias == null ? null : bias.value(), spec, y));
    }

    @Override
    public Tensor backward(Tensor dy, boolean inputGradient) {
        Tensor x = state.checkBackward(dy);
        Backend b = state.backend();
        if (!weight.frozen()) {
            b.conv2dBackwardFilter(x, dy, spec, weight.grad());
        }
        if (bias != null && !bias.frozen()) {
            b.conv2dBackwardBias(dy, bias.grad());
        }
        if (!inputGradient) {
            return null;
        }
        Tensor dx = state.cache.get("dx", x.shape());
        b.conv2dBackwardData(dy, weight.value(), spec, dx);
        return dx;
    }

    @Override
    public List<Parameter> parameters() {
        if (weight == null) {
            return List.of();
        }
        return bias == null ? List.of(weight) : List.of(weight, bias);
    }

    @Override
    public String describe() {
        return "Conv2d(" + filters + ", " + kernelH + "x" + kernelW + ", "
                + (spec != null ? spec : requested) + (same ? ", same" : "") + (hasBias ? "" : ", no bias") + ")";
    }

    @Override
    public void close() {
        state.close();
        if (weight != null) {
            weight.close();
        }
        if (bias != null) {
            bias.close();
        }
    }
}
