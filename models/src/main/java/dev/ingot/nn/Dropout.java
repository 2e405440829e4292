package dev.ingot.nn;

import dev.ingot.core.Backend;
import dev.ingot.core.Shape;
import dev.ingot.core.Tensor;
import dev.ingot.core.spec.DropoutSpec;

import java.util.SplittableRandom;

/**
 * Inverted dropout, Keras {@code Dropout(rate)}: in training, each element is zeroed with
 * probability {@code rate} and the survivors are scaled by {@code 1 / (1 - rate)}; in inference it
 * lets everything through unchanged. The mask is a pure function of the step's seed
 * ({@link Mode#seed()}, which {@link Sequential} derives from the run's seed, the step number and
 * the layer's index), so runs repeat exactly and every backend draws the same mask.
 *
 * <pre>
 *   forward:  mask = dropoutForward(x, seed), y = x * mask
 *   backward: dx = dy * mask
 * </pre>
 */
public final class Dropout implements Layer {
    private final float rate;
    private final LayerState state = new LayerState("dropout");
    private Tensor mask;

    /** Drops a fraction {@code rate} in [0, 1) of the elements. */
    public Dropout(float rate) {
        if (!(rate >= 0 && rate < 1)) {
            throw new IllegalArgumentException("Dropout rate must be in [0, 1), got " + rate);
        }
        this.rate = rate;
    }

    @Override
    public String kind() {
        return "dropout";
    }

    @Override
    public Shape build(Backend backend, Shape inputShape, SplittableRandom random) {
        state.build(backend, inputShape, inputShape);
        return inputShape;
    }

    @Override
    public Tensor forward(Tensor x, Mode mode) {
        state.checkInput(x);
        if (!mode.training() || rate == 0) {
            mask = null;
            state.record(mode, x, x);
            return x;
        }
        Tensor y = state.cache.get("y", x.shape());
        mask = state.cache.get("mask", x.shape());
        state.backend().dropoutForward(x, new DropoutSpec(rate, mode.seed()), y, mask);
        state.record(mode, x, y);
        return y;
    }

    @Override
    public Tensor backward(Tensor dy, boolean inputGradient) {
        state.checkBackward(dy);
        if (!inputGradient) {
            return null;
        }
        if (mask == null) {
            return dy;
        }
        Tensor dx = state.cache.get("dx", dy.shape());
        state.backend().multiply(dy, mask, dx);
        return dx;
    }

    @Override
    public String describe() {
        return "Dropout(" + rate + ")";
    }

    @Override
    public void close() {
        mask = null;
        state.close();
    }
}
