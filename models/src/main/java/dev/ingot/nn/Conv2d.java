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
    private final Conv2dSpec spec;
    private final LayerState state = new LayerState("conv2d");
    private Parameter weight;
    private Parameter bias;

    /** {@code filters} output channels, a square {@code kernelSize} kernel, stride 1, 'valid' padding. */
    public Conv2d(int filters, int kernelSize) {
        this(filters, kernelSize, kernelSize, Conv2dSpec.DEFAULT);
    }

    /** Any kernel size, stride, padding and dilation. */
    public Conv2d(int filters, int kernelH, int kernelW, Conv2dSpec spec) {
        if (filters < 1 || kernelH < 1 || kernelW < 1) {
            throw new IllegalArgumentException("Conv2d needs at least 1 filter and a kernel of at least 1x1, got "
                    + filters + " filters of " + kernelH + "x" + kernelW);
        }
        if (spec == null) {
            throw new IllegalArgumentException("Conv2d spec must not be null");
        }
        this.filters = filters;
        this.kernelH = kernelH;
        this.kernelW = kernelW;
        this.spec = spec;
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
        Conv2dGeometry g = Conv2dGeometry.of("conv2d", Shape.of(1, c, inputShape.dim(1), inputShape.dim(2)), w, spec);
        Shape out = Shape.of(filters, g.p(), g.q());
        state.build(backend, inputShape, out);
        long fanIn = (long) c * kernelH * kernelW;
        long fanOut = (long) filters * kernelH * kernelW;
        weight = Parameter.withZeroGradient("weight",
                backend.fromHost(w, Initializers.glorotUniform(random, (int) w.size(), fanIn, fanOut)));
        bias = Parameter.withZeroGradient("bias", backend.zeros(Shape.of(filters)));
        return out;
    }

    @Override
    public Tensor forward(Tensor input, Mode mode) {
        return state.forward(input, mode, (b, x, y) -> b.conv2dForward(x, weight.value(), bias.value(), spec, y));
    }

    @Override
    public Tensor backward(Tensor dy, boolean inputGradient) {
        Tensor x = state.checkBackward(dy);
        Backend b = state.backend();
        b.conv2dBackwardFilter(x, dy, spec, weight.grad());
        b.conv2dBackwardBias(dy, bias.grad());
        if (!inputGradient) {
            return null;
        }
        Tensor dx = state.cache.get("dx", x.shape());
        b.conv2dBackwardData(dy, weight.value(), spec, dx);
        return dx;
    }

    @Override
    public List<Parameter> parameters() {
        return weight == null ? List.of() : List.of(weight, bias);
    }

    @Override
    public String describe() {
        return "Conv2d(" + filters + ", " + kernelH + "x" + kernelW + ", " + spec + ")";
    }

    @Override
    public void close() {
        state.close();
        if (weight != null) {
            weight.close();
            bias.close();
        }
    }
}
