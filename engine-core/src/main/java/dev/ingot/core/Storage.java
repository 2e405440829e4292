package dev.ingot.core;

/**
 * The memory behind a {@link Tensor}, as the owning backend represents it: a Java array for the
 * CPU, a device pointer for CUDA. Only the backend that made it looks inside; everyone else sees a
 * {@link Tensor}.
 *
 * <p>A storage has exactly one owner, the tensor it was created for. {@link #release()} is called
 * once, by that tensor's {@link Tensor#close()}, and must return the memory (to the backend's pool
 * or to the system) deterministically.
 */
public interface Storage {

    /** Size of the memory in bytes. */
    long byteSize();

    /** Returns the memory. Called exactly once, by the owning tensor. */
    void release();
}
