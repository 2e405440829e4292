package dev.ingot.nn;

import dev.ingot.core.Backend;
import dev.ingot.core.Shape;
import dev.ingot.core.Tensor;

import java.util.SplittableRandom;

/**
 * {@code y = factor * x}, a fixed multiplier with no parameters (airbench's {@code Mul(1/9)} after
 * its linear head: it shrinks the logits' scale without shrinking the head's gradient the way a
 * smaller initial weight would). Works on any shape; {@code dx = factor * dy}.
 */
public final class Scale implements Layer {
    private final float factor;
    private final LayerState state = new LayerState("scale");

    public Scale(float factor) {
        if (!Float.isFinite(factor) || factor == 0) {
            throw new IllegalArgumentException("Scale factor must be finite and non-zero, got " + factor);
        }
        this.factor = factor;
    }

    public float factor() {
        return factor;
    }

    @Override
    public String kind() {
        return "scale";
    }

    @Override
    public Shape build(Backend backend, Shape inputShape, SplittableRandom random) {
        state.build(backend, inputShape, inputShape);
        return inputShape;
    }

    @Override
    public Tensor forward(Tensor input, Mode mode) {
        return state.forward(input, mode, (b, x, y) -> b.scale(x, factor, y));
    }

    @Override
    public Tensor backward(Tensor outputGradient, boolean inputGradient) {
        return state.inputGradient(outputGradient, inputGradient, (b, x, y, dy, dx) -> b.scale(dy, factor, dx));
    }

    @Override
    public String describe() {
        return "Scale(" + factor + ")";
    }

    @Override
    public void close() {
        state.close();
    }
}
