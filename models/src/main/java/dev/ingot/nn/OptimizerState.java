package dev.ingot.nn;

import dev.ingot.core.Tensor;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What an optimizer keeps between steps: the number of steps taken, and its per-parameter buffers
 * (Adam's moments, SGD's velocity), keyed by buffer name and parameter name, made once as zeros
 * and owned here.
 */
final class OptimizerState implements AutoCloseable {
    private final String optimizer;
    private final Map<String, Tensor> buffers = new LinkedHashMap<>();
    private long steps;
    private boolean closed;

    /** @param optimizer the optimizer's name, for messages: {@code "Adam"} */
    OptimizerState(String optimizer) {
        this.optimizer = optimizer;
    }

    /** Updates made so far. */
    long steps() {
        return steps;
    }

    /** Counts one finished update of every parameter. */
    void countStep() {
        steps++;
    }

    /** Sets the number of updates made so far, when resuming from a checkpoint. */
    void restoreSteps(long steps) {
        if (steps < 0) {
            throw new IllegalArgumentException(optimizer + " step count must be at least 0, got " + steps);
        }
        this.steps = steps;
    }

    /** The buffer {@code kind} (e.g. "m") of {@code p}, made as zeros of p's shape on first use. */
    Tensor get(String kind, Parameter p) {
        if (closed) {
            throw new IllegalStateException("optimizer is closed");
        }
        String key = key(kind, p);
        Tensor t = buffers.get(key);
        if (t == null) {
            t = p.value().backend().zeros(p.value().shape()).detach();
            buffers.put(key, t);
        } else if (!t.shape().equals(p.value().shape()) || t.backend() != p.value().backend()) {
            throw new IllegalArgumentException("optimizer state '" + key + "' is " + t.describe()
                    + " but parameter '" + p.name() + "' is " + p.value().describe()
                    + "; one optimizer serves one model");
        }
        return t;
    }

    /**
     * The buffers {@code kinds} of every parameter, made if missing, under the names
     * {@link Optimizer#state} promises ({@code "m.0.conv2d.weight"}): parameter by parameter, each
     * parameter's kinds in the order given.
     */
    Map<String, Tensor> buffers(List<Parameter> parameters, String... kinds) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Parameter p : parameters) {
            for (String kind : kinds) {
                out.put(key(kind, p), get(kind, p));
            }
        }
        return out;
    }

    private static String key(String kind, Parameter p) {
        return kind + "." + p.name();
    }

    @Override
    public void close() {
        closed = true;
        for (Tensor t : buffers.values()) {
            t.close();
        }
        buffers.clear();
    }
}
