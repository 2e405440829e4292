package dev.ingot.nn;

import dev.ingot.core.Backend;
import dev.ingot.core.Shape;
import dev.ingot.core.Tensor;

import java.util.List;
import java.util.SplittableRandom;

/**
 * A fully connected layer, Keras {@code Dense(units)}: {@code y = x · W + b} with the kernel stored
 * {@code (in, out)} as Keras stores it, Glorot-uniform with {@code fan_in = in, fan_out = out}, and
 * a zero bias {@code (out)}. The input feature count is taken from the input shape at build time.
 *
 * <pre>
 *   forward:  y  = x · W (gemm),  y += b (biasAdd)
 *   backward: dW = xᵀ · dy,  db = sum over the batch of dy,  dx = dy · Wᵀ
 * </pre>
 */
public final class Linear implements Layer {
    private final int units;
    private final boolean hasBias;
    private final LayerState state = new LayerState("linear");
    private Parameter weight;
    private Parameter bias;

    /** {@code units} output features. */
    public Linear(int units) {
        this(units, true);
    }

    private Linear(int units, boolean hasBias) {
        if (units < 1) {
            throw new IllegalArgumentException("Linear needs at least 1 unit, got " + units);
        }
        this.units = units;
        this.hasBias = hasBias;
    }

    /** The same layer without a bias: {@code y = x · W} (PyTorch {@code bias=False}, Keras {@code use_bias=False}). */
    public Linear withoutBias() {
        return new Linear(units, false);
    }

    @Override
    public String kind() {
        return "linear";
    }

    @Override
    public Shape build(Backend backend, Shape inputShape, SplittableRandom random) {
        if (inputShape.rank() != 1) {
            throw new IllegalArgumentException("linear: input must be a feature vector (F) per sample, got shape "
                    + inputShape + "; put a Flatten layer before it");
        }
        int in = inputShape.dim(0);
        Shape out = Shape.of(units);
        state.build(backend, inputShape, out);
        Shape w = Shape.of(in, units);
        weight = Parameter.withZeroGradient("weight",
                backend.fromHost(w, Initializers.glorotUniform(random, Initializers.hostCount("linear", w), in, units)));
        bias = hasBias ? Parameter.withZeroGradient("bias", backend.zeros(out)) : null;
        return out;
    }

    @Override
    public Tensor forward(Tensor input, Mode mode) {
        return state.forward(input, mode, (b, x, y) -> {
            b.gemm(false, false, 1f, x, weight.value(), 0f, y);
            if (bias != null) {
                b.biasAdd(y, bias.value(), y);
            }
        });
    }

    @Override
    public Tensor backward(Tensor dy, boolean inputGradient) {
        Tensor x = state.checkBackward(dy);
        Backend b = state.backend();
        if (!weight.frozen()) {
            b.gemm(true, false, 1f, x, dy, 0f, weight.grad());
        }
        if (bias != null && !bias.frozen()) {
            b.sumOverBatch(dy, bias.grad());
        }
        if (!inputGradient) {
            return null;
        }
        Tensor dx = state.cache.get("dx", x.shape());
        b.gemm(false, true, 1f, dy, weight.value(), 0f, dx);
        return dx;
    }

    @Override
    public List<Parameter> parameters() {
        if (weight == null) {
            return List.of();
        }
        return bias == null ? List.of(weight) : List.of(weight, bias);
    }

    @Override
    public String describe() {
        return "Linear(" + units + (hasBias ? "" : ", no bias") + ")";
    }

    @Override
    public void close() {
        state.close();
        if (weight != null) {
            weight.close();
        }
        if (bias != null) {
            bias.close();
        }
    }
}
