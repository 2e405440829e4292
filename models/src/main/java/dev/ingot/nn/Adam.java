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
    private final OptimizerState state = new OptimizerState();
    private long steps;

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
        long t = steps + 1;
        for (Parameter p : parameters) {
            p.value().backend().adamStep(p.value(), p.grad(), state.get("m", p), state.get("v", p), spec, t);
        }
        steps = t;
    }

    @Override
    public long steps() {
        return steps;
    }

    @Override
    public void restoreSteps(long steps) {
        if (steps < 0) {
            throw new IllegalArgumentException("Adam step count must be at least 0, got " + steps);
        }
        this.steps = steps;
    }

    @Override
    public Map<String, Tensor> state(List<Parameter> parameters) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Parameter p : parameters) {
            out.put("m." + p.name(), state.get("m", p));
            out.put("v." + p.name(), state.get("v", p));
        }
        return out;
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
