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
 *
 * <p>Two options for the recipes of residual networks:
 * <ul>
 *   <li>coupled weight decay, PyTorch's {@code SGD(weight_decay=wd)}: {@code g += wd * p} before the
 *       update, one {@link dev.ingot.core.Backend#axpy} per parameter (on every parameter, BatchNorm's and
 *       biases included, as PyTorch's single parameter group does);</li>
 *   <li>a {@link LearningRateSchedule} evaluated before each step at the number of steps taken.</li>
 * </ul>
 * With a schedule the update keeps the Keras form {@code v = m v - lr_t g; p += v} (PyTorch's
 * {@code v = m v + g; p -= lr_t v} differs only while the rate changes, by the rate's change
 * over the ~1/(1-m) steps the velocity remembers; see docs/decisions.md).
 */
public final class SGD implements Optimizer {
    private final SgdSpec spec;
    private final float weightDecay;
    private final LearningRateSchedule schedule;
    private final OptimizerState state = new OptimizerState("SGD");
    private SgdSpec current;

    public SGD(SgdSpec spec) {
        this(spec, 0f, null);
    }

    /**
     * @param spec        momentum and Nesterov flag, and the learning rate when there is no schedule
     * @param weightDecay coupled L2 weight decay (PyTorch's {@code weight_decay}), 0 for none
     * @param schedule    the learning rate per step, or {@code null} for {@code spec}'s constant rate
     */
    public SGD(SgdSpec spec, float weightDecay, LearningRateSchedule schedule) {
        if (spec == null) {
            throw new IllegalArgumentException("SGD spec must not be null");
        }
        if (!(weightDecay >= 0) || !Float.isFinite(weightDecay)) {
            throw new IllegalArgumentException("SGD weight decay must be 0 or positive and finite, got " + weightDecay);
        }
        this.spec = spec;
        this.weightDecay = weightDecay;
        this.schedule = schedule;
        this.current = spec;
    }

    /** The learning rate the next step will use. */
    public float learningRate() {
        return schedule == null ? spec.learningRate() : schedule.learningRate(state.steps());
    }

    public SgdSpec spec() {
        return spec;
    }

    @Override
    public void step(List<Parameter> parameters) {
        float lr = learningRate();
        if (lr != current.learningRate()) {
            current = new SgdSpec(lr, spec.momentum(), spec.nesterov());
        }
        for (Parameter p : parameters) {
            Tensor velocity = spec.momentum() == 0 ? null : state.get("velocity", p);
            if (weightDecay > 0) {
                p.value().backend().axpy(weightDecay, p.value(), p.grad());
            }
            p.value().backend().sgdStep(p.value(), p.grad(), velocity, current);
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
        if (weightDecay > 0) {
            c.put("weight_decay", Float.toString(weightDecay));
        }
        if (schedule != null) {
            c.putAll(schedule.config());
        }
        return c;
    }

    @Override
    public void close() {
        state.close();
    }

    @Override
    public String toString() {
        return "SGD(" + spec + (weightDecay > 0 ? ", weight decay " + weightDecay : "")
                + (schedule != null ? ", " + schedule : "") + ")";
    }
}
