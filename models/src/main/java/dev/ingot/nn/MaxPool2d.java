package dev.ingot.nn;

import dev.ingot.core.Backend;
import dev.ingot.core.Shape;
import dev.ingot.core.Tensor;
import dev.ingot.core.spec.Pool2dSpec;

import java.util.SplittableRandom;

/**
 * Max pooling, Keras {@code MaxPooling2D(pool_size)}: each output is the largest input of its
 * window; the backward pass routes each gradient to that input (the first one, on ties).
 */
public final class MaxPool2d implements Layer {
    private final Pool2dSpec spec;
    private final LayerState state = new LayerState("maxpool2d");

    /** A {@code size x size} window with stride {@code size}, no padding (Keras' default). */
    public MaxPool2d(int size) {
        this(Pool2dSpec.of(size));
    }

    public MaxPool2d(Pool2dSpec spec) {
        if (spec == null) {
            throw new IllegalArgumentException("MaxPool2d spec must not be null");
        }
        this.spec = spec;
    }

    @Override
    public String kind() {
        return "maxpool2d";
    }

    /** Window, stride and padding. */
    public Pool2dSpec spec() {
        return spec;
    }

    @Override
    public Shape build(Backend backend, Shape inputShape, SplittableRandom random) {
        Shape out = PoolShapes.output("maxpool2d", inputShape, spec);
        state.build(backend, inputShape, out);
        return out;
    }

    @Override
    public Tensor forward(Tensor input, Mode mode) {
        return state.forward(input, mode, (b, x, y) -> b.maxPool2dForward(x, spec, y));
    }

    @Override
    public Tensor backward(Tensor outputGradient, boolean inputGradient) {
        return state.inputGradient(outputGradient, inputGradient,
                (b, x, y, dy, dx) -> b.maxPool2dBackward(x, y, dy, spec, dx));
    }

    @Override
    public String describe() {
        return "MaxPool2d(" + spec + ")";
    }

    @Override
    public void close() {
        state.close();
    }
}
