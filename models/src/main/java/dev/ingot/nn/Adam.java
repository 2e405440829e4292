package dev.ingot.nn;

import dev.ingot.core.Tensor;
import dev.ingot.core.spec.AdamSpec;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Adam, Keras {@code optimizers.Adam()}: first and second moments per parameter and the
 * bias-corrected update of {@link AdamSpec} (Keras defaults: learning rate 1e-3, betas 0.9 and
 * 0.999, epsilon 1e-7), one {@link dev.ingot.core.Backend#adamStep} per parameter.
 */
public final class Adam implements Optimizer {
    private final AdamSpec spec;
    private final OptimizerState state = new OptimizerState("Adam");

    public Adam(AdamSpec spec) {
        if (spec == null) {
            throw new IllegalArgumentException("Adam spec must not be null (AdamSpec.keras() for the defaults)");
        }
        this.spec = spec;
    }

    /** Keras' defaults. */
    public Adam() {
        this(AdamSpec.keras());
    }

    public AdamSpec spec() {
        return spec;
    }

    @Override
    public void step(List<Parameter> parameters) {
        long t = state.steps() + 1;
        for (Parameter p : parameters) {
            p.value().backend().adamStep(p.value(), p.grad(), state.get("m", p), state.get("v", p), spec, t);
        }
        state.countStep();
    }

    @Override
    public long steps() {
        return state.steps();
    }

    @Override
    public void restoreSteps(long steps) {
        state.restoreSteps(steps);
    }

    @Override
    public Map<String, Tensor> state(List<Parameter> parameters) {
        return state.buffers(parameters, "m", "v");
    }

    @Override
    public Map<String, String> config() {
        Map<String, String> c = new LinkedHashMap<>();
        c.put("type", "adam");
        c.put("learning_rate", Float.toString(spec.learningRate()));
        c.put("beta_1", Float.toString(spec.beta1()));
        c.put("beta_2", Float.toString(spec.beta2()));
        c.put("epsilon", Float.toString(spec.epsilon()));
        return c;
    }

    @Override
    public void close() {
        state.close();
    }

    @Override
    public String toString() {
        return "Adam(" + spec + ")";
    }
}
