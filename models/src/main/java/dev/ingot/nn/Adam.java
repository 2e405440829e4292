package dev.ingot.nn;

import dev.ingot.core.Tensor;
import dev.ingot.core.spec.AdamSpec;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Adam and AdamW: first and second moments per parameter and the bias-corrected update of
 * {@link AdamSpec}, one {@link dev.ingot.core.Backend#adamStep} per parameter. By default Keras'
 * {@code optimizers.Adam()} (learning rate 1e-3, betas 0.9 and 0.999, epsilon 1e-7).
 *
 * <p>Options, as PyTorch users expect them:
 * <ul>
 *   <li>{@link Form#PYTORCH}: epsilon added to the bias-corrected {@code sqrt(v_hat)}, as
 *       {@code torch.optim.Adam} does, rather than to {@code sqrt(v)} as Keras does;</li>
 *   <li>weight decay per {@link ParameterGroups}, {@link WeightDecay#COUPLED} ({@code torch.optim.Adam(weight_decay)})
 *       or {@link WeightDecay#DECOUPLED} ({@code torch.optim.AdamW}; see {@link #adamW});</li>
 *   <li>a {@link LearningRateSchedule}.</li>
 * </ul>
 * The PyTorch form needs no kernel of its own: since
 * {@code lr/(1-b1^t) * m / (sqrt(v)/sqrt(1-b2^t) + eps) = a_t * m / (sqrt(v) + eps * sqrt(1-b2^t))},
 * it is Keras' kernel with epsilon scaled by {@code sqrt(1 - beta2^t)} on the host each step.
 */
public final class Adam implements Optimizer {

    /** Where epsilon goes: see {@link AdamSpec}. */
    public enum Form {
        /** {@code p -= a_t * m / (sqrt(v) + eps)} (Keras 3, TensorFlow). */
        KERAS,
        /** {@code p -= lr/(1-b1^t) * m / (sqrt(v/(1-b2^t)) + eps)} (PyTorch). */
        PYTORCH
    }

    private final AdamSpec spec;
    private final Form form;
    private final LearningRateSchedule schedule;
    private final ParameterGroups groups;
    private final WeightDecay decayForm;
    private final OptimizerState state = new OptimizerState("Adam");
    /** The spec each group used last, remade only when its rate or epsilon changes. */
    private final AdamSpec[] current;

    public Adam(AdamSpec spec) {
        this(spec, Form.KERAS, null, ParameterGroups.single(0f), WeightDecay.COUPLED);
    }

    /** Keras' defaults. */
    public Adam() {
        this(AdamSpec.keras());
    }

    /**
     * @param spec      betas, epsilon, and the learning rate when there is no schedule
     * @param form      where epsilon goes
     * @param schedule  the learning rate per step, or {@code null} for {@code spec}'s constant rate
     * @param groups    per-group learning-rate scale and weight decay
     * @param decayForm whether the groups' weight decay is coupled (L2, Adam) or decoupled (AdamW)
     */
    public Adam(AdamSpec spec, Form form, LearningRateSchedule schedule, ParameterGroups groups, WeightDecay decayForm) {
        if (spec == null || form == null || groups == null || decayForm == null) {
            throw new IllegalArgumentException("Adam needs a spec (AdamSpec.keras() for the defaults), a form, parameter"
                    + " groups and a weight-decay form, got " + spec + ", " + form + ", " + groups + ", " + decayForm);
        }
        this.spec = spec;
        this.form = form;
        this.schedule = schedule;
        this.groups = groups;
        this.decayForm = decayForm;
        this.current = new AdamSpec[groups.groups().size()];
    }

    /**
     * {@code torch.optim.AdamW(lr, weight_decay=wd)}: PyTorch's form, betas 0.9 and 0.999, epsilon
     * 1e-8, decoupled decay on every parameter.
     */
    public static Adam adamW(float learningRate, float weightDecay) {
        return new Adam(new AdamSpec(learningRate, 0.9f, 0.999f, 1e-8f), Form.PYTORCH, null,
                ParameterGroups.single(weightDecay), WeightDecay.DECOUPLED);
    }

    public AdamSpec spec() {
        return spec;
    }

    public Form form() {
        return form;
    }

    /** The learning rate the next step will use (before each group's scale). */
    public float learningRate() {
        return schedule == null ? spec.learningRate() : schedule.learningRate(state.steps());
    }

    @Override
    public void step(List<Parameter> parameters) {
        long t = state.steps() + 1;
        float lr = learningRate();
        // PyTorch's form is Keras' kernel with epsilon * sqrt(1 - beta2^t) (see the class comment).
        float epsilon = form == Form.KERAS ? spec.epsilon()
                : (float) (spec.epsilon() * Math.sqrt(1 - Math.pow(spec.beta2(), t)));
        for (Parameter p : parameters) {
            int gi = groups.indexOf(p);
            ParameterGroup group = groups.groups().get(gi);
            if (group.learningRateScale() == 0) {
                continue;
            }
            // A schedule may reach 0, which AdamSpec refuses; the smallest normal float is a no-op step.
            float groupLr = Math.max(lr * group.learningRateScale(), Float.MIN_NORMAL);
            AdamSpec s = current[gi];
            if (s == null || s.learningRate() != groupLr || s.epsilon() != epsilon) {
                s = groupLr == spec.learningRate() && epsilon == spec.epsilon() ? spec
                        : new AdamSpec(groupLr, spec.beta1(), spec.beta2(), epsilon);
                current[gi] = s;
            }
            float wd = group.weightDecay();
            if (wd > 0) {   // one fused pass: the decay and the step read each weight once
                p.value().backend().adamStep(p.value(), p.grad(), state.get("m", p), state.get("v", p), s, t, wd,
                        decayForm == WeightDecay.DECOUPLED);
            } else {
                p.value().backend().adamStep(p.value(), p.grad(), state.get("m", p), state.get("v", p), s, t);
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

    @Override
    public Map<String, Tensor> state(List<Parameter> parameters) {
        return state.buffers(parameters, "m", "v");
    }

    @Override
    public Map<String, String> config() {
        Map<String, String> c = new LinkedHashMap<>();
        c.put("type", groups.decays() && decayForm == WeightDecay.DECOUPLED ? "adamw" : "adam");
        c.put("learning_rate", Float.toString(spec.learningRate()));
        c.put("beta_1", Float.toString(spec.beta1()));
        c.put("beta_2", Float.toString(spec.beta2()));
        c.put("epsilon", Float.toString(spec.epsilon()));
        if (form == Form.PYTORCH) {
            c.put("epsilon_form", "pytorch");
        }
        c.putAll(groups.config());
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
        return (groups.decays() && decayForm == WeightDecay.DECOUPLED ? "AdamW(" : "Adam(") + spec + ", " + form
                + (groups.decays() ? ", " + groups : "") + (schedule != null ? ", " + schedule : "") + ")";
    }
}
