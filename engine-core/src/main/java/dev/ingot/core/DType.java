package dev.ingot.core;

/**
 * Element type of a {@link Tensor}. Everything the engine computes is {@link #FLOAT32}; {@link #INT32}
 * exists for class labels and argmax indices, which kernels read or write but never differentiate.
 */
public enum DType {
    FLOAT32(4, "float32"),
    INT32(4, "int32");

    private final int byteSize;
    private final String label;

    DType(int byteSize, String label) {
        this.byteSize = byteSize;
        this.label = label;
    }

    /** Bytes per element. */
    public int byteSize() {
        return byteSize;
    }

    @Override
    public String toString() {
        return label;
    }
}
