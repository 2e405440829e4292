package dev.ingot.nn;

import dev.ingot.core.Tensor;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An optimizer's per-parameter buffers (Adam's moments, SGD's velocity), keyed by parameter name
 * and buffer name, made once as zeros and owned here.
 */
final class OptimizerState implements AutoCloseable {
    private final Map<String, Tensor> buffers = new LinkedHashMap<>();
    private boolean closed;

    /** The buffer {@code kind} (e.g. "m") of {@code p}, made as zeros of p's shape on first use. */
    Tensor get(String kind, Parameter p) {
        if (closed) {
            throw new IllegalStateException("optimizer is closed");
        }
        String key = kind + "." + p.name();
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

    @Override
    public void close() {
        closed = true;
        for (Tensor t : buffers.values()) {
            t.close();
        }
        buffers.clear();
    }
}
