package dev.ingot.nn;

import dev.ingot.core.Backend;
import dev.ingot.core.Shape;
import dev.ingot.core.Tensor;

import java.util.SplittableRandom;

/**
 * Global average pooling, Keras {@code GlobalAveragePooling2D()} (PyTorch
 * {@code AdaptiveAvgPool2d(1)} then {@code flatten(1)}): {@code (C, H, W)} per sample to {@code (C)},
 * each channel's mean; the backward pass spreads {@code dy / (H*W)} over the window.
 */
public final class GlobalAvgPool2d implements Layer {
    private final LayerState state = new LayerState("globalavgpool2d");

    @Override
    public String kind() {
        return "globalavgpool2d";
    }

    @Override
    public Shape build(Backend backend, Shape inputShape, SplittableRandom random) {
        if (inputShape.rank() != 3) {
            throw new IllegalArgumentException("globalavgpool2d: input must be images (C, H, W) per sample, got shape "
                    + inputShape);
        }
        Shape out = Shape.of(inputShape.dim(0));
        state.build(backend, inputShape, out);
        return out;
    }

    @Override
    public Tensor forward(Tensor input, Mode mode) {
        return state.forward(input, mode, (b, x, y) -> b.globalAvgPool2dForward(x, y));
    }

    @Override
    public Tensor backward(Tensor outputGradient, boolean inputGradient) {
        return state.inputGradient(outputGradient, inputGradient, (b, x, y, dy, dx) -> b.globalAvgPool2dBackward(dy, dx));
    }

    @Override
    public String describe() {
        return "GlobalAvgPool2d";
    }

    @Override
    public void close() {
        state.close();
    }
}
