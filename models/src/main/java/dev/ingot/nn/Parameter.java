package dev.ingot.nn;

import dev.ingot.core.Tensor;

import java.util.Objects;

/**
 * A trainable tensor and its gradient, of the same shape, owned by the layer that made them.
 * The layer's backward pass overwrites {@link #grad()}; an optimizer reads it and updates
 * {@link #value()} in place.
 *
 * <p>A parameter can be {@linkplain #frozen() frozen} ({@link Model#freeze}): optimizers skip it and
 * its layer need not compute its gradient. The flag is shared by every {@link #named} copy, so the
 * layer (which holds the short name) and the model (which holds the full one) see the same state.
 */
public final class Parameter {
    /** The frozen flag, one per parameter, shared with its renamed copies. */
    private static final class Freeze {
        volatile boolean frozen;
    }

    private final String name;
    private final Tensor value;
    private final Tensor grad;
    private final Freeze freeze;

    /**
     * @param name  where it sits in the model, e.g. {@code "0.conv2d.weight"}; checkpoints use it as key
     * @param value the weights
     * @param grad  the gradient of the loss with respect to the weights, after a backward pass
     */
    public Parameter(String name, Tensor value, Tensor grad) {
        this(name, value, grad, new Freeze());
    }

    private Parameter(String name, Tensor value, Tensor grad, Freeze freeze) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(value, "value");
        Objects.requireNonNull(grad, "grad");
        if (!value.shape().equals(grad.shape())) {
            throw new IllegalArgumentException("parameter '" + name + "': gradient shape " + grad.shape()
                    + " differs from value shape " + value.shape());
        }
        this.name = name;
        this.value = value;
        this.grad = grad;
        this.freeze = freeze;
    }

    /**
     * A new parameter holding {@code value} and a zero gradient of its shape on the same backend,
     * both detached from any open {@link dev.ingot.core.TensorScope}: the layer that makes them owns them.
     */
    static Parameter withZeroGradient(String name, Tensor value) {
        return new Parameter(name, value.detach(), value.backend().zeros(value.shape()).detach());
    }

    /** The same tensors and frozen flag under another name (a model prefixes its layers' names). */
    public Parameter named(String newName) {
        return new Parameter(newName, value, grad, freeze);
    }

    public String name() {
        return name;
    }

    public Tensor value() {
        return value;
    }

    public Tensor grad() {
        return grad;
    }

    /** Number of weights. */
    public long size() {
        return value.size();
    }

    /** Whether optimizers leave this parameter alone (its gradient may then be stale). */
    public boolean frozen() {
        return freeze.frozen;
    }

    void setFrozen(boolean frozen) {
        freeze.frozen = frozen;
    }

    void close() {
        value.close();
        grad.close();
    }

    @Override
    public String toString() {
        return "Parameter[" + name + ", " + value.shape() + (frozen() ? ", frozen" : "") + "]";
    }
}
