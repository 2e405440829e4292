package dev.ingot.nn;

import dev.ingot.core.Backend;
import dev.ingot.core.Shape;
import dev.ingot.core.Tensor;

import java.util.SplittableRandom;

/**
 * Row-wise softmax over {@code (N, C)}, Keras {@code Softmax()}: turns logits into probabilities,
 * as the Keras quickstart's {@code probability_model} does after training. For training, leave it
 * out and use {@link CrossEntropyLoss}, which works from logits (one fused, stabler kernel).
 *
 * <pre>
 *   forward:  y = softmax(x)
 *   backward: dx = y * (dy - sum_j dy_j * y_j)
 * </pre>
 */
public final class Softmax implements Layer {
    private final LayerState state = new LayerState("softmax");

    @Override
    public String kind() {
        return "softmax";
    }

    @Override
    public Shape build(Backend backend, Shape inputShape, SplittableRandom random) {
        if (inputShape.rank() != 1) {
            throw new IllegalArgumentException("softmax: input must be a vector of class scores (C) per sample, got "
                    + inputShape);
        }
        state.build(backend, inputShape, inputShape);
        return inputShape;
    }

    @Override
    public Tensor forward(Tensor input, Mode mode) {
        return state.forward(input, mode, (b, x, y) -> b.softmaxForward(x, y));
    }

    @Override
    public Tensor backward(Tensor outputGradient, boolean inputGradient) {
        return state.inputGradient(outputGradient, inputGradient,
                (b, x, y, dy, dx) -> b.softmaxBackward(y, dy, dx));
    }

    @Override
    public String describe() {
        return "Softmax";
    }

    @Override
    public void close() {
        state.close();
    }
}
