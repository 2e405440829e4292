package dev.ingot.nn;

import dev.ingot.core.Backend;
import dev.ingot.core.Shape;
import dev.ingot.core.Tensor;
import dev.ingot.core.spec.GeluApproximation;

import java.util.SplittableRandom;

/**
 * {@code y = x * Phi(x)}, the Gaussian error linear unit (Hendrycks and Gimpel 2016): exact (the
 * erf form, PyTorch's default) or with the tanh approximation (PyTorch {@code approximate='tanh'},
 * Keras {@code gelu(approximate=True)}). Works on any shape.
 */
public final class GELU implements Layer {
    private final GeluApproximation approximation;
    private final LayerState state = new LayerState("gelu");

    /** The exact form. */
    public GELU() {
        this(GeluApproximation.NONE);
    }

    public GELU(GeluApproximation approximation) {
        if (approximation == null) {
            throw new IllegalArgumentException("GELU approximation must not be null (GeluApproximation.NONE or TANH)");
        }
        this.approximation = approximation;
    }

    public GeluApproximation approximation() {
        return approximation;
    }

    @Override
    public String kind() {
        return "gelu";
    }

    @Override
    public Shape build(Backend backend, Shape inputShape, SplittableRandom random) {
        state.build(backend, inputShape, inputShape);
        return inputShape;
    }

    @Override
    public Tensor forward(Tensor input, Mode mode) {
        return state.forward(input, mode, (b, x, y) -> b.geluForward(x, approximation, y));
    }

    @Override
    public Tensor backward(Tensor outputGradient, boolean inputGradient) {
        return state.inputGradient(outputGradient, inputGradient,
                (b, x, y, dy, dx) -> b.geluBackward(x, dy, approximation, dx));
    }

    @Override
    public String describe() {
        return approximation == GeluApproximation.NONE ? "GELU" : "GELU(tanh)";
    }

    @Override
    public void close() {
        state.close();
    }
}
