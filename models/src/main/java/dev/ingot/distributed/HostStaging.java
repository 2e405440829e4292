package dev.ingot.distributed;

import dev.ingot.core.Tensor;

import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs a host collective over a list of tensors: copies them (through the host, whatever their
 * backend) into one flat float buffer, bucket by bucket, runs the operation on each bucket, and
 * copies the result back. The arrays are made on first use and kept, so a training step allocates
 * nothing once the tensors have been seen.
 */
final class HostStaging {
    /** Bucket size: 4 Mi floats (16 MiB), under DDP's 25 MiB default; the reference models fit in one. */
    static final int BUCKET_FLOATS = 4 << 20;

    /** An in-place operation on {@code data[offset .. offset+length)}. */
    interface FloatOp {
        void apply(float[] data, int offset, int length);
    }

    private final Map<Tensor, float[]> mirrors = new IdentityHashMap<>();
    private float[] bucket = new float[0];

    /** Copies the tensors in, applies {@code op} bucket by bucket, and (when {@code writeBack}) copies back. */
    void run(List<Tensor> tensors, FloatOp op, boolean writeBack) {
        int first = 0;
        while (first < tensors.size()) {
            int end = first;
            long floats = 0;
            while (end < tensors.size() && (end == first || floats + tensors.get(end).size() <= BUCKET_FLOATS)) {
                floats += tensors.get(end).size();
                end++;
            }
            if (bucket.length < floats) {
                bucket = new float[(int) Math.min(Integer.MAX_VALUE - 8, Math.max(floats, Math.min(BUCKET_FLOATS,
                        2L * bucket.length)))];
            }
            int at = 0;
            for (int i = first; i < end; i++) {
                Tensor t = tensors.get(i);
                float[] m = mirror(t);
                t.backend().copyToHost(t, m);
                System.arraycopy(m, 0, bucket, at, m.length);
                at += m.length;
            }
            op.apply(bucket, 0, at);
            if (writeBack) {
                at = 0;
                for (int i = first; i < end; i++) {
                    Tensor t = tensors.get(i);
                    float[] m = mirror(t);
                    System.arraycopy(bucket, at, m, 0, m.length);
                    t.backend().copyFromHost(m, t);
                    at += m.length;
                }
            }
            first = end;
        }
    }

    private float[] mirror(Tensor t) {
        float[] m = mirrors.get(t);
        if (m == null) {
            if (t.size() > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("collective: tensor " + t.describe() + " has more than 2^31 elements");
            }
            m = new float[(int) t.size()];
            mirrors.put(t, m);
        }
        return m;
    }
}
