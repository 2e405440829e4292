package dev.ingot.nn;

import dev.ingot.core.Backend;
import dev.ingot.core.Tensor;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongToDoubleFunction;

/**
 * An average of the weights kept beside another optimizer, for evaluation: every {@code every}
 * steps, after the inner step,
 * <pre>
 *   a = decay * a + (1 - decay) * p        (a starts as p before the first step)
 *   p = a                                  (lookahead only)
 * </pre>
 * Plain EMA ({@code torch.optim.swa_utils.AveragedModel} with an EMA, timm's {@code ModelEma}) leaves
 * training on the raw weights and evaluates on the average: {@link #averagedWeights} swaps it in.
 * Lookahead (airbench's {@code LookaheadState}) also pulls the weights back onto the average, so the
 * model already holds it.
 *
 * <p>The averages are optimizer state ({@code "ema.<parameter>"}): checkpoints save them, so a
 * resumed run continues the same average bit for bit. Only parameters are averaged, not BatchNorm's
 * running statistics (which are already averages).
 */
public final class ExponentialMovingAverage implements Optimizer {
    private final Optimizer inner;
    private final float decay;
    /** The decay at a step count, when it follows a schedule ({@code null}: the constant {@link #decay}). */
    private final LongToDoubleFunction decaySchedule;
    private final String scheduleName;
    /** A step that updates the average even off the {@link #every} grid (0: none). */
    private final long finalStep;
    private final int every;
    private final boolean lookahead;
    private final OptimizerState averages = new OptimizerState("EMA");

    /**
     * @param inner     the optimizer that makes the steps (owned from now on)
     * @param decay     the weight of the old average, in [0, 1)
     * @param every     update the average every this many steps (1 for every step)
     * @param lookahead copy the average back into the weights after each update
     */
    public ExponentialMovingAverage(Optimizer inner, float decay, int every, boolean lookahead) {
        if (inner == null) {
            throw new IllegalArgumentException("an EMA needs an optimizer to wrap");
        }
        if (!(decay >= 0 && decay < 1)) {
            throw new IllegalArgumentException("EMA decay must be in [0, 1), got " + decay);
        }
        if (every < 1) {
            throw new IllegalArgumentException("EMA update interval must be at least 1 step, got " + every);
        }
        this.inner = inner;
        this.decay = decay;
        this.decaySchedule = null;
        this.scheduleName = null;
        this.finalStep = 0;
        this.every = every;
        this.lookahead = lookahead;
    }

    /**
     * An average whose decay follows a schedule of the step count, and that also updates at
     * {@code finalStep} (airbench's lookahead: {@code decay = 0.95^5 (t/T)^3} every 5 steps, and a
     * last pull of the weights onto the average at step T).
     *
     * @param name      names the schedule in checkpoints, so a resumed run must use the same one
     * @param decayAt   the old average's weight after {@code t} steps, in [0, 1] (1: the weights
     *                  only take the average's value, with lookahead)
     * @param finalStep a step that updates off the {@code every} grid, or 0 for none
     */
    public ExponentialMovingAverage(Optimizer inner, String name, LongToDoubleFunction decayAt, int every,
                                    long finalStep, boolean lookahead) {
        if (inner == null || decayAt == null || name == null || name.isBlank()) {
            throw new IllegalArgumentException("a scheduled EMA needs an optimizer, a decay function and its name, got "
                    + inner + ", " + decayAt + ", " + name);
        }
        if (every < 1 || finalStep < 0) {
            throw new IllegalArgumentException("EMA update interval must be at least 1 step and the final step 0 or"
                    + " positive, got " + every + " and " + finalStep);
        }
        this.inner = inner;
        this.decay = Float.NaN;
        this.decaySchedule = decayAt;
        this.scheduleName = name;
        this.finalStep = finalStep;
        this.every = every;
        this.lookahead = lookahead;
    }

    /** The old average's weight in the update after {@code t} steps. */
    private float decayAt(long t) {
        if (decaySchedule == null) {
            return decay;
        }
        double d = decaySchedule.applyAsDouble(t);
        if (!(d >= 0 && d <= 1)) {
            throw new IllegalStateException("EMA decay schedule '" + scheduleName + "' gave " + d + " at step " + t
                    + "; it must stay within [0, 1]");
        }
        return (float) d;
    }

    public Optimizer inner() {
        return inner;
    }

    public boolean lookahead() {
        return lookahead;
    }

    @Override
    public void step(List<Parameter> parameters) {
        if (inner.steps() == 0) {
            for (Parameter p : parameters) {
                p.value().backend().copy(p.value(), averages.get("ema", p));
            }
        }
        inner.step(parameters);
        long t = inner.steps();
        if (t % every == 0 || t == finalStep) {
            float decay = decayAt(t);
            for (Parameter p : parameters) {
                Backend b = p.value().backend();
                Tensor a = averages.get("ema", p);
                b.scale(a, decay, a);
                b.axpy(1f - decay, p.value(), a);
                if (lookahead) {
                    b.copy(a, p.value());
                }
            }
        }
    }

    /**
     * Puts the averages into the parameters until the returned handle is closed, which puts the
     * trained weights back: {@code try (var swap = ema.averagedWeights(params)) { evaluate... }}.
     * Before the first step the weights are left as they are.
     */
    public AutoCloseable averagedWeights(List<Parameter> parameters) {
        if (inner.steps() == 0) {
            return () -> { };
        }
        for (Parameter p : parameters) {
            Backend b = p.value().backend();
            b.copy(p.value(), averages.get("saved", p));
            b.copy(averages.get("ema", p), p.value());
        }
        return () -> {
            for (Parameter p : parameters) {
                p.value().backend().copy(averages.get("saved", p), p.value());
            }
        };
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
        Map<String, Tensor> s = new LinkedHashMap<>(inner.state(parameters));
        s.putAll(averages.buffers(parameters, "ema"));
        return s;
    }

    @Override
    public Map<String, String> config() {
        Map<String, String> c = new LinkedHashMap<>(inner.config());
        c.put("ema_decay", decaySchedule == null ? Float.toString(decay) : scheduleName);
        c.put("ema_every", Integer.toString(every));
        if (finalStep > 0) {
            c.put("ema_final_step", Long.toString(finalStep));
        }
        if (lookahead) {
            c.put("ema_lookahead", "true");
        }
        return c;
    }

    @Override
    public void close() {
        try {
            averages.close();
        } finally {
            inner.close();
        }
    }

    @Override
    public String toString() {
        return inner + (lookahead ? " with lookahead " : " with EMA ") + (decaySchedule == null ? decay : scheduleName)
                + " every " + every;
    }
}
