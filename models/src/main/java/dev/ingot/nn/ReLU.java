package dev.ingot.nn;

import dev.ingot.core.Backend;
import dev.ingot.core.Shape;
import dev.ingot.core.Tensor;

import java.util.SplittableRandom;

/**
 * {@code y = max(x, 0)}, Keras {@code activation='relu'}; backward passes {@code dy} where
 * {@code y > 0}. Works on any shape.
 */
public final class ReLU implements Layer {
    private final LayerState state = new LayerState("relu");

    @Override
    public String kind() {
        return "relu";
    }

    @Override
    public Shape build(Backend backend, Shape inputShape, SplittableRandom random) {
        state.build(backend, inputShape, inputShape);
        return inputShape;
    }

    @Override
    public Tensor forward(Tensor input, Mode mode) {
        // A buffer of its own rather than in place: the layer before may need its output in backward.
        return state.forward(input, mode, (b, x, y) -> b.reluForward(x, y));
    }

    @Override
    public Tensor backward(Tensor outputGradient, boolean inputGradient) {
        return state.inputGradient(outputGradient, inputGradient, (b, x, y, dy, dx) -> b.reluBackward(y, dy, dx));
    }

    @Override
    public String describe() {
        return "ReLU";
    }

    @Override
    public void close() {
        state.close();
    }
}
