package dev.ingot.nn;

import dev.ingot.core.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Another optimizer that stops updating some parameters after a number of steps, as if they had
 * been frozen then: airbench trains its whitening layer's bias for the first 3 epochs only
 * ({@code requires_grad = epoch < 3}; PyTorch's SGD then skips the parameter entirely, velocity and
 * weight decay included, and so does this). A pure function of the step count, so a resumed run
 * freezes at the same step as an uninterrupted one.
 */
public final class FreezeAfterSteps implements Optimizer {
    private final Optimizer inner;
    private final String prefix;
    private final long afterSteps;
    /** The parameters still trained, refilled each step without allocating once it has grown. */
    private final List<Parameter> kept = new ArrayList<>();

    /**
     * @param inner      the optimizer that makes the steps (owned from now on)
     * @param prefix     the parameters whose names start with this stop being updated
     * @param afterSteps steps after which they stop (at least 1)
     */
    public FreezeAfterSteps(Optimizer inner, String prefix, long afterSteps) {
        if (inner == null || prefix == null || prefix.isEmpty()) {
            throw new IllegalArgumentException("FreezeAfterSteps needs an optimizer and a non-empty name prefix, got "
                    + inner + " and '" + prefix + "'");
        }
        if (afterSteps < 1) {
            throw new IllegalArgumentException("FreezeAfterSteps: afterSteps must be at least 1, got " + afterSteps);
        }
        this.inner = inner;
        this.prefix = prefix;
        this.afterSteps = afterSteps;
    }

    public Optimizer inner() {
        return inner;
    }

    @Override
    public void step(List<Parameter> parameters) {
        if (inner.steps() < afterSteps) {
            inner.step(parameters);
            return;
        }
        kept.clear();
        for (Parameter p : parameters) {
            if (!p.name().startsWith(prefix)) {
                kept.add(p);
            }
        }
        inner.step(kept);
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
        Map<String, String> c = new java.util.LinkedHashMap<>(inner.config());
        c.put("freeze_" + prefix, "after " + afterSteps + " steps");
        return c;
    }

    @Override
    public void close() {
        inner.close();
    }

    @Override
    public String toString() {
        return inner + ", " + prefix + "* frozen after " + afterSteps + " steps";
    }
}
