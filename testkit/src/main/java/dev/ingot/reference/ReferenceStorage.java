package dev.ingot.reference;

import dev.ingot.core.Storage;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A reference tensor's memory: a plain Java array, float[] or int[]. It counts its bytes into the
 * backend's total while alive, so that leak tests can see a tensor that was never closed.
 */
final class ReferenceStorage implements Storage {
    private final float[] floats;
    private final int[] ints;
    private final AtomicLong bytesInUse;

    private ReferenceStorage(float[] floats, int[] ints, AtomicLong bytesInUse) {
        this.floats = floats;
        this.ints = ints;
        this.bytesInUse = bytesInUse;
        bytesInUse.addAndGet(byteSize());
    }

    static ReferenceStorage ofFloats(int n, AtomicLong bytesInUse) {
        return new ReferenceStorage(new float[n], null, bytesInUse);
    }

    static ReferenceStorage ofInts(int n, AtomicLong bytesInUse) {
        return new ReferenceStorage(null, new int[n], bytesInUse);
    }

    float[] floats() {
        return floats;
    }

    int[] ints() {
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
