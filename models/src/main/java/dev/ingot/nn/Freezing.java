package dev.ingot.nn;

import java.util.List;

/** Sets the frozen flag of the parameters whose names start with given prefixes ({@link Model#freeze}). */
final class Freezing {
    private Freezing() {
    }

    static int set(List<Parameter> parameters, boolean frozen, String... namePrefixes) {
        if (namePrefixes == null || namePrefixes.length == 0) {
            throw new IllegalArgumentException((frozen ? "freeze" : "unfreeze")
                    + " needs at least one parameter-name prefix, e.g. \"0.\" or \"stem.\"");
        }
        if (parameters.isEmpty()) {
            throw new IllegalStateException((frozen ? "freeze" : "unfreeze") + ": the model has no parameters"
                    + " (is it built? parameters exist once build(backend, inputShape, seed) has run)");
        }
        int count = 0;
        for (String prefix : namePrefixes) {
            if (prefix == null) {
                throw new IllegalArgumentException("a parameter-name prefix must not be null");
            }
            int matched = 0;
            for (Parameter p : parameters) {
                if (p.name().startsWith(prefix)) {
                    p.setFrozen(frozen);
                    matched++;
                }
            }
            if (matched == 0) {
                throw new IllegalArgumentException("no parameter name starts with '" + prefix + "'; the model has "
                        + parameters.stream().map(Parameter::name).toList());
            }
            count += matched;
        }
        return count;
    }

    /** {@code all} itself when nothing is frozen (no allocation per step), else the unfrozen ones. */
    static List<Parameter> trainable(List<Parameter> all) {
        for (Parameter p : all) {
            if (p.frozen()) {
                return all.stream().filter(q -> !q.frozen()).toList();
            }
        }
        return all;
    }

    /** {@code "trainable parameters: 270,000"}, with the frozen count when there is one (Keras' summary footer). */
    static String countLine(List<Parameter> all) {
        long trainable = 0, frozen = 0;
        for (Parameter p : all) {
            if (p.frozen()) {
                frozen += p.size();
            } else {
                trainable += p.size();
            }
        }
        return "trainable parameters: " + trainable + (frozen > 0 ? ", frozen parameters: " + frozen : "");
    }
}
