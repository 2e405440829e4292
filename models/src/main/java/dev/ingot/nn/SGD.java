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
 *       update (on every parameter, BatchNorm's and biases included, as PyTorch's single parameter
 *       group does), or decoupled per {@link ParameterGroups}, fused into the step's own pass
 *       (the weight-decay form of {@link dev.ingot.core.Backend#sgdStep});</li>
 *   <li>a {@link LearningRateSchedule} evaluated before each step at the number of steps taken.</li>
 * </ul>
 * With a schedule the update keeps the Keras form {@code v = m v - lr_t g; p += v} (PyTorch's
 * {@code v = m v + g; p -= lr_t v} differs only while the rate changes, by the rate's change
 * over the ~1/(1-m) steps the velocity remembers; see docs/decisions.md).
 */
public final class SGD implements Optimizer {
    private final SgdSpec spec;
    private final LearningRateSchedule schedule;
    private final ParameterGroups groups;
    private final WeightDecay decayForm;
    private final OptimizerState state = new OptimizerState("SGD");
    /** The spec each group used last, remade only when its rate changes (no allocation at a constant rate). */
    private final SgdSpec[] current;

    public SGD(SgdSpec spec) {
        this(spec, 0f, null);
    }

    /**
     * @param spec        momentum and Nesterov flag, and the learning rate when there is no schedule
     * @param weightDecay coupled L2 weight decay (PyTorch's {@code weight_decay}) on every parameter, 0 for none
     * @param schedule    the learning rate per step, or {@code null} for {@code spec}'s constant rate
     */
    public SGD(SgdSpec spec, float weightDecay, LearningRateSchedule schedule) {
        this(spec, schedule, ParameterGroups.single(checkDecay(weightDecay)), WeightDecay.COUPLED);
    }

    /**
     * @param spec      momentum and Nesterov flag, and the learning rate when there is no schedule
     * @param schedule  the learning rate per step, or {@code null} for {@code spec}'s constant rate
     * @param groups    per-group learning-rate scale and weight decay
     * @param decayForm whether the groups' weight decay is coupled (L2) or decoupled
     */
    public SGD(SgdSpec spec, LearningRateSchedule schedule, ParameterGroups groups, WeightDecay decayForm) {
        if (spec == null || groups == null || decayForm == null) {
            throw new IllegalArgumentException("SGD needs a spec, parameter groups and a weight-decay form, got " + spec
                    + ", " + groups + ", " + decayForm);
        }
        this.spec = spec;
        this.schedule = schedule;
        this.groups = groups;
        this.decayForm = decayForm;
        this.current = new SgdSpec[groups.groups().size()];
    }

    private static float checkDecay(float weightDecay) {
        if (!(weightDecay >= 0) || !Float.isFinite(weightDecay)) {
            throw new IllegalArgumentException("SGD weight decay must be 0 or positive and finite, got " + weightDecay);
        }
        return weightDecay;
    }

    /** The learning rate the next step will use (before each group's scale). */
    public float learningRate() {
        return schedule == null ? spec.learningRate() : schedule.learningRate(state.steps());
    }

    public SgdSpec spec() {
        return spec;
    }

    public ParameterGroups groups() {
        return groups;
    }

    @Override
    public void step(List<Parameter> parameters) {
        float lr = learningRate();
        for (Parameter p : parameters) {
            int gi = groups.indexOf(p);
            ParameterGroup group = groups.groups().get(gi);
            if (group.learningRateScale() == 0) {
                continue;
            }
            // A schedule may end at 0, which SgdSpec refuses; the smallest normal float leaves the
            // velocity's own decay (p += m v) running, as a rate of exactly 0 would.
            float groupLr = Math.max(lr * group.learningRateScale(), Float.MIN_NORMAL);
            SgdSpec s = current[gi];
            if (s == null || s.learningRate() != groupLr) {
                s = groupLr == spec.learningRate() ? spec : new SgdSpec(groupLr, spec.momentum(), spec.nesterov());
                current[gi] = s;
            }
            Tensor velocity = spec.momentum() == 0 ? null : state.get("velocity", p);
            float wd = group.weightDecay();
            if (wd > 0) {   // one fused pass: the decay and the step read each weight once
                p.value().backend().sgdStep(p.value(), p.grad(), velocity, s, wd, decayForm == WeightDecay.DECOUPLED);
            } else {
                p.value().backend().sgdStep(p.value(), p.grad(), velocity, s);
            }
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
        c.putAll(groups.config());
        if (groups.decays() && decayForm == WeightDecay.DECOUPLED) {
            c.put("weight_decay_form", "decoupled");
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
        return "SGD(" + spec + ", " + groups + (groups.decays() ? ", " + decayForm + " decay" : "")
                + (schedule != null ? ", " + schedule : "") + ")";
    }
}
