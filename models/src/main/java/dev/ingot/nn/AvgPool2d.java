package dev.ingot.nn;

import dev.ingot.core.Backend;
import dev.ingot.core.Shape;
import dev.ingot.core.Tensor;
import dev.ingot.core.spec.Pool2dSpec;

import java.util.SplittableRandom;

/**
 * Average pooling, Keras {@code AveragePooling2D(pool_size)}: each output is the mean of its
 * window's real (unpadded) inputs; the backward pass spreads each gradient evenly over them.
 */
public final class AvgPool2d implements Layer {
    private final Pool2dSpec spec;
    private final LayerState state = new LayerState("avgpool2d");

    /** A {@code size x size} window with stride {@code size}, no padding (Keras' default). */
    public AvgPool2d(int size) {
        this(Pool2dSpec.of(size));
    }

    public AvgPool2d(Pool2dSpec spec) {
        if (spec == null) {
            throw new IllegalArgumentException("AvgPool2d spec must not be null");
        }
        this.spec = spec;
    }

    public Pool2dSpec spec() {
        return spec;
    }

    @Override
    public String kind() {
        return "avgpool2d";
    }

    @Override
    public Shape build(Backend backend, Shape inputShape, SplittableRandom random) {
        Shape out = PoolShapes.output("avgpool2d", inputShape, spec);
        state.build(backend, inputShape, out);
        return out;
    }

    @Override
    public Tensor forward(Tensor input, Mode mode) {
        return state.forward(input, mode, (b, x, y) -> b.avgPool2dForward(x, spec, y));
    }

    @Override
    public Tensor backward(Tensor outputGradient, boolean inputGradient) {
        return state.inputGradient(outputGradient, inputGradient,
                (b, x, y, dy, dx) -> b.avgPool2dBackward(dy, spec, dx));
    }

    @Override
    public String describe() {
        return "AvgPool2d(" + spec + ")";
    }

    @Override
    public void close() {
        state.close();
    }
}
