package dev.ingot.nn;

import dev.ingot.core.Tensor;

import java.util.Objects;

/**
 * A trainable tensor and its gradient, of the same shape, owned by the layer that made them.
 * The layer's backward pass overwrites {@link #grad()}; an optimizer reads it and updates
 * {@link #value()} in place.
 *
 * @param name  where it sits in the model, e.g. {@code "0.conv2d.weight"}; checkpoints use it as key
 * @param value the weights
 * @param grad  the gradient of the loss with respect to the weights, after a backward pass
 */
public record Parameter(String name, Tensor value, Tensor grad) {

    public Parameter {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(value, "value");
        Objects.requireNonNull(grad, "grad");
        if (!value.shape().equals(grad.shape())) {
            throw new IllegalArgumentException("parameter '" + name + "': gradient shape " + grad.shape()
                    + " differs from value shape " + value.shape());
        }
    }

    /**
     * A new parameter holding {@code value} and a zero gradient of its shape on the same backend,
     * both detached from any open {@link dev.ingot.core.TensorScope}: the layer that makes them owns them.
     */
    static Parameter withZeroGradient(String name, Tensor value) {
        return new Parameter(name, value.detach(), value.backend().zeros(value.shape()).detach());
    }

    /** The same tensors under another name (a model prefixes its layers' names with their index). */
    public Parameter named(String newName) {
        return new Parameter(newName, value, grad);
    }

    /** Number of weights. */
    public long size() {
        return value.size();
    }

    void close() {
        value.close();
        grad.close();
    }
}
