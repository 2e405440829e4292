package dev.ingot.nn;

import dev.ingot.core.Backend;
import dev.ingot.core.Shape;
import dev.ingot.core.Tensor;

import java.util.SplittableRandom;

/**
 * Keras {@code Flatten()}: {@code (N, C, H, W)} to {@code (N, C*H*W)}. Tensors are contiguous and
 * row-major, so both directions are views of the same memory: no copy, no kernel.
 */
public final class Flatten implements Layer {
    private final LayerState state = new LayerState("flatten");

    @Override
    public String kind() {
        return "flatten";
    }

    @Override
    public Shape build(Backend backend, Shape inputShape, SplittableRandom random) {
        Shape out = Shape.of(Math.toIntExact(inputShape.size()));
        state.build(backend, inputShape, out);
        return out;
    }

    @Override
    public Tensor forward(Tensor x, Mode mode) {
        int n = state.checkInput(x);
        Tensor y = x.view(LayerState.batched(state.outputShape(), n));
        state.record(mode, x, y);
        return y;
    }

    @Override
    public Tensor backward(Tensor dy, boolean inputGradient) {
        Tensor x = state.checkBackward(dy);
        return inputGradient ? dy.view(x.shape()) : null;
    }

    @Override
    public String describe() {
        return "Flatten";
    }

    @Override
    public void close() {
        state.close();
    }
}
