package dev.ingot.nn;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How an optimizer splits a model's parameters into {@link ParameterGroup}s: the groups in order
 * (the first that selects a parameter wins), then a {@code "default"} group for the rest with scale 1
 * and the default weight decay. PyTorch's {@code optimizer = SGD([{params..., lr, weight_decay}, ...])}.
 */
public final class ParameterGroups {
    private final List<ParameterGroup> groups;

    private ParameterGroups(List<ParameterGroup> groups) {
        this.groups = List.copyOf(groups);
    }

    /** One group: every parameter at the optimizer's rate with weight decay {@code weightDecay}. */
    public static ParameterGroups single(float weightDecay) {
        return of(List.of(), weightDecay);
    }

    /**
     * Weight decay {@code weightDecay} on weights and none on biases and BatchNorm's scale and shift
     * (rank ≤ 1), the usual recipe for residual networks.
     */
    public static ParameterGroups noDecayOnBiasesAndNorms(float weightDecay) {
        return of(List.of(new ParameterGroup("no_decay", ParameterGroup.biasesAndNorms(), 1f, 0f)), weightDecay);
    }

    /** {@code groups} in order, then a default group (scale 1, {@code defaultWeightDecay}) for the rest. */
    public static ParameterGroups of(List<ParameterGroup> groups, float defaultWeightDecay) {
        if (groups == null) {
            throw new IllegalArgumentException("parameter groups must not be null");
        }
        List<ParameterGroup> all = new ArrayList<>(groups);
        for (ParameterGroup g : groups) {
            if (g == null || g.name().equals("default")) {
                throw new IllegalArgumentException("parameter groups must be non-null and not named 'default', got "
                        + groups);
            }
        }
        all.add(new ParameterGroup("default", p -> true, 1f, defaultWeightDecay));
        return new ParameterGroups(all);
    }

    /** Every group, the default last. */
    public List<ParameterGroup> groups() {
        return groups;
    }

    /** The index in {@link #groups()} of the group {@code p} belongs to. */
    public int indexOf(Parameter p) {
        for (int i = 0; i < groups.size(); i++) {
            if (groups.get(i).members().test(p)) {
                return i;
            }
        }
        throw new AssertionError("the default group selects every parameter");
    }

    /** The group {@code p} belongs to. */
    public ParameterGroup groupOf(Parameter p) {
        return groups.get(indexOf(p));
    }

    /** Whether any group decays its parameters. */
    public boolean decays() {
        for (ParameterGroup g : groups) {
            if (g.weightDecay() > 0) {
                return true;
            }
        }
        return false;
    }

    /** Each group's scale and decay, for checkpoints (its member rule is code and cannot be saved). */
    public Map<String, String> config() {
        Map<String, String> c = new LinkedHashMap<>();
        if (groups.size() == 1) {
            if (groups.getFirst().weightDecay() > 0) {
                c.put("weight_decay", Float.toString(groups.getFirst().weightDecay()));
            }
            return c;
        }
        for (ParameterGroup g : groups) {
            c.put("group." + g.name() + ".lr_scale", Float.toString(g.learningRateScale()));
            c.put("group." + g.name() + ".weight_decay", Float.toString(g.weightDecay()));
        }
        return c;
    }

    @Override
    public String toString() {
        return "ParameterGroups" + groups.stream().map(g -> g.name() + "(lr x" + g.learningRateScale() + ", wd "
                + g.weightDecay() + ")").toList();
    }
}
