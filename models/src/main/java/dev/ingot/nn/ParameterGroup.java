package dev.ingot.nn;

import java.util.function.Predicate;

/**
 * One of PyTorch's {@code param_groups}: the parameters that {@code members} selects get the
 * optimizer's (scheduled) learning rate times {@code learningRateScale} and their own weight decay.
 * A scale rather than an absolute rate so that one schedule drives every group (a fine-tuned
 * backbone at 0.1 of the head's rate stays at 0.1 of it through warm-up and decay).
 *
 * @param name              for checkpoints and messages, e.g. {@code "no_decay"}
 * @param members           which parameters belong here (the first group that selects a parameter wins)
 * @param learningRateScale multiplies the optimizer's rate; 0 leaves the group untouched, like a frozen one
 * @param weightDecay       this group's decay (0 for none), in the optimizer's form (coupled or decoupled)
 */
public record ParameterGroup(String name, Predicate<Parameter> members, float learningRateScale, float weightDecay) {

    public ParameterGroup {
        if (name == null || name.isBlank() || members == null) {
            throw new IllegalArgumentException("a parameter group needs a name and a member predicate, got " + name
                    + " and " + members);
        }
        if (!(learningRateScale >= 0) || !Float.isFinite(learningRateScale)) {
            throw new IllegalArgumentException("parameter group '" + name
                    + "': learning-rate scale must be 0 or positive and finite, got " + learningRateScale);
        }
        if (!(weightDecay >= 0) || !Float.isFinite(weightDecay)) {
            throw new IllegalArgumentException("parameter group '" + name
                    + "': weight decay must be 0 or positive and finite, got " + weightDecay);
        }
    }

    /** Biases and BatchNorm's scale and shift: every parameter of rank 0 or 1 (timm's and airbench's rule). */
    public static Predicate<Parameter> biasesAndNorms() {
        return p -> p.value().shape().rank() <= 1;
    }

    /** The parameters whose name starts with {@code prefix} (e.g. a backbone's {@code "0."}). */
    public static Predicate<Parameter> namedFrom(String prefix) {
        if (prefix == null) {
            throw new IllegalArgumentException("prefix must not be null");
        }
        return p -> p.name().startsWith(prefix);
    }
}
