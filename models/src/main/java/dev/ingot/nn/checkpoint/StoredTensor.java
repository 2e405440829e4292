package dev.ingot.nn.checkpoint;

import dev.ingot.core.Shape;

/**
 * One float32 tensor as a checkpoint stores it: its shape and its values, row-major, on the host.
 *
 * @param shape  dimensions
 * @param values {@code shape.size()} values
 */
public record StoredTensor(Shape shape, float[] values) {

    public StoredTensor {
        if (shape == null || values == null) {
            throw new IllegalArgumentException("a stored tensor needs a shape and values, got " + shape + ", "
                    + (values == null ? null : values.length + " values"));
        }
        if (values.length != shape.size()) {
            throw new IllegalArgumentException("a stored tensor of shape " + shape + " needs " + shape.size()
                    + " values, got " + values.length);
        }
    }
}
