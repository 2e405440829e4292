package dev.ingot.cuda;

import dev.ingot.core.Storage;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A CUDA tensor's memory: one block of the backend's {@link CachingAllocator}, returned to its cache
 * when the owning tensor is closed.
 *
 * <p>For int32 tensors it also keeps what the host knows about the values, so that labels can be
 * range-checked without reading them back from the device (which would make the host wait for
 * the GPU on every training step): either an exact copy of the values last uploaded with
 * {@code copyFromHost}, or a bound ({@code zeros} makes values in [0, 1); {@code argmax} over C
 * classes makes values in [0, C)). Every operation that writes an int32 tensor updates this; when
 * nothing is known, the backend checks on the device (and waits) instead.
 */
final class CudaStorage implements Storage {
    private final CachingAllocator allocator;
    private final CachingAllocator.Block block;
    private final AtomicLong tensorBytes;
    private int[] knownValues;
    private int knownBound = -1;

    CudaStorage(CachingAllocator allocator, CachingAllocator.Block block, AtomicLong tensorBytes) {
        this.allocator = allocator;
        this.block = block;
        this.tensorBytes = tensorBytes;
        tensorBytes.addAndGet(block.bytes());
    }

    /** The device address. */
    long address() {
        return block.address();
    }

    @Override
    public long byteSize() {
        return block.bytes();
    }

    @Override
    public void release() {
        tensorBytes.addAndGet(-block.bytes());
        allocator.release(block);
    }

    // ---------------------------------------------------------------- what the host knows of int32 values

    /** The exact values, if known (not a copy: do not modify), else {@code null}. */
    int[] knownValues() {
        return knownValues;
    }

    /** B such that every value is in [0, B), or -1 when unknown (or when exact values are known instead). */
    int knownBound() {
        return knownBound;
    }

    /** After an upload: the values are exactly {@code values} (the caller passes a private copy). */
    void knowValues(int[] values) {
        knownValues = values;
        knownBound = -1;
    }

    /** After a device write whose results lie in [0, bound). */
    void knowBound(int bound) {
        knownValues = null;
        knownBound = bound;
    }

    /** After a copy from {@code source}: the same values. */
    void knowSameAs(CudaStorage source) {
        knownValues = source.knownValues == null ? null : source.knownValues.clone();
        knownBound = source.knownBound;
    }
}
