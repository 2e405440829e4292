package dev.ingot.nn;

import dev.ingot.core.Backend;
import dev.ingot.core.Shape;
import dev.ingot.core.Tensor;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Clips the gradients by their global norm before another optimizer's step, PyTorch's
 * {@code clip_grad_norm_(parameters, maxNorm)}: with {@code n = sqrt(sum over all parameters of |g|^2)},
 * every gradient is scaled by {@code maxNorm / (n + 1e-6)} when that is below 1.
 *
 * <p>The squared norm of each gradient is a 1×K by K×1 GEMM ({@code g g^T}) accumulated into one
 * float on the device with {@code beta = 1}, so the gradients never leave it; only the total comes to
 * the host, once per step.
 */
public final class GradientClipping implements Optimizer {
    private final Optimizer inner;
    private final float maxNorm;
    private Tensor sumOfSquares;
    private float lastNorm = Float.NaN;

    /**
     * @param inner   the optimizer that makes the step (owned from now on)
     * @param maxNorm the largest global gradient norm let through, positive
     */
    public GradientClipping(Optimizer inner, float maxNorm) {
        if (inner == null) {
            throw new IllegalArgumentException("gradient clipping needs an optimizer to wrap");
        }
        if (!(maxNorm > 0) || !Float.isFinite(maxNorm)) {
            throw new IllegalArgumentException("gradient clipping max norm must be positive and finite, got " + maxNorm);
        }
        this.inner = inner;
        this.maxNorm = maxNorm;
    }

    /** The global gradient norm (before clipping) at the last step; NaN before the first. */
    public float lastNorm() {
        return lastNorm;
    }

    public Optimizer inner() {
        return inner;
    }

    /** The global L2 norm of the parameters' gradients. */
    public float globalNorm(List<Parameter> parameters) {
        if (parameters.isEmpty()) {
            return 0f;
        }
        Backend b = parameters.getFirst().grad().backend();
        if (sumOfSquares == null) {
            sumOfSquares = b.zeros(Shape.of(1, 1)).detach();
        }
        b.fill(sumOfSquares, 0f);
        for (Parameter p : parameters) {
            Tensor row = p.grad().view(Shape.of(1, Math.toIntExact(p.grad().size())));
            b.gemm(false, true, 1f, row, row, 1f, sumOfSquares);
        }
        return (float) Math.sqrt(sumOfSquares.item());
    }

    @Override
    public void step(List<Parameter> parameters) {
        lastNorm = globalNorm(parameters);
        float factor = (float) (maxNorm / (lastNorm + 1e-6));
        if (factor < 1f) {
            for (Parameter p : parameters) {
                p.grad().backend().scale(p.grad(), factor, p.grad());
            }
        }
        inner.step(parameters);
    }

    @Override
    public long steps() {
        return inner.steps();
    }

    @Override
    public void restoreSteps(long steps) {
        inner.restoreSteps(steps);
    }

    @Override
    public Map<String, Tensor> state(List<Parameter> parameters) {
        return inner.state(parameters);
    }

    @Override
    public Map<String, String> config() {
        Map<String, String> c = new LinkedHashMap<>(inner.config());
        c.put("clip_global_norm", Float.toString(maxNorm));
        return c;
    }

    @Override
    public void close() {
        try {
            if (sumOfSquares != null) {
                sumOfSquares.close();
                sumOfSquares = null;
            }
        } finally {
            inner.close();
        }
    }

    @Override
    public String toString() {
        return inner + " clipped to global norm " + maxNorm;
    }
}
