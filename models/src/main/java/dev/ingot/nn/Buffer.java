package dev.ingot.nn;

import dev.ingot.core.Tensor;

import java.util.Objects;

/**
 * Non-trainable state a layer keeps between steps and a checkpoint must keep with the weights:
 * BatchNorm's running mean and variance. No gradient, no optimizer; the layer updates it itself.
 *
 * @param name  where it sits in the model, e.g. {@code "stem.bn.running_mean"}; checkpoints use it as key
 * @param value the tensor, owned by the layer
 */
public record Buffer(String name, Tensor value) {

    public Buffer {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(value, "value");
    }

    /** The same tensor under another name (a model prefixes its layers' names). */
    public Buffer named(String newName) {
        return new Buffer(newName, value);
    }
}
