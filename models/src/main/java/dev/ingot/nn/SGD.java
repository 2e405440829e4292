package dev.ingot.nn;

import dev.ingot.core.Tensor;
import dev.ingot.core.spec.SgdSpec;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Stochastic gradient descent with optional (Nesterov) momentum, Keras {@code optimizers.SGD}: the
 * update of {@link SgdSpec}, one {@link dev.ingot.core.Backend#sgdStep} per parameter, with a
 * velocity buffer per parameter when momentum is above 0.
 */
public final class SGD implements Optimizer {
    private final SgdSpec spec;
    private final OptimizerState state = new OptimizerState("SGD");

    public SGD(SgdSpec spec) {
        if (spec == null) {
            throw new IllegalArgumentException("SGD spec must not be null");
        }
        this.spec = spec;
    }

    public SgdSpec spec() {
        return spec;
    }

    @Override
    public void step(List<Parameter> parameters) {
        for (Parameter p : parameters) {
            Tensor velocity = spec.momentum() == 0 ? null : state.get("velocity", p);
            p.value().backend().sgdStep(p.value(), p.grad(), velocity, spec);
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

    /** The velocity buffers; none without momentum. */
    @Override
    public Map<String, Tensor> state(List<Parameter> parameters) {
        return spec.momentum() == 0 ? new LinkedHashMap<>() : state.buffers(parameters, "velocity");
    }

    @Override
    public Map<String, String> config() {
        Map<String, String> c = new LinkedHashMap<>();
        c.put("type", "sgd");
        c.put("learning_rate", Float.toString(spec.learningRate()));
        c.put("momentum", Float.toString(spec.momentum()));
        c.put("nesterov", Boolean.toString(spec.nesterov()));
        return c;
    }

    @Override
    public void close() {
        state.close();
    }

    @Override
    public String toString() {
        return "SGD(" + spec + ")";
    }
}
