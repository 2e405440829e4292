package dev.ingot.cpu;

import dev.ingot.core.Storage;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A CPU tensor's memory: a plain Java array (float[] or int[]), which the Vector API loads from
 * and stores to without bounds-check overhead in the hot loops. Kernels reach the array through
 * {@link #floats()} / {@link #ints()} after the tensor's checks have passed.
 */
public final class CpuStorage implements Storage {
    private final float[] floats;
    private final int[] ints;
    private final AtomicLong bytesInUse;

    private CpuStorage(float[] floats, int[] ints, AtomicLong bytesInUse) {
        this.floats = floats;
        this.ints = ints;
        this.bytesInUse = bytesInUse;
        bytesInUse.addAndGet(byteSize());
    }

    static CpuStorage ofFloats(int n, AtomicLong bytesInUse) {
        return new CpuStorage(new float[n], null, bytesInUse);
    }

    static CpuStorage ofInts(int n, AtomicLong bytesInUse) {
        return new CpuStorage(null, new int[n], bytesInUse);
    }

    /** The values of a float32 tensor. */
    public float[] floats() {
        return floats;
    }

    /** The values of an int32 tensor. */
    public int[] ints() {
        return ints;
    }

    @Override
    public long byteSize() {
        return 4L * (floats != null ? floats.length : ints.length);
    }

    @Override
    public void release() {
        bytesInUse.addAndGet(-byteSize());
    }
}
