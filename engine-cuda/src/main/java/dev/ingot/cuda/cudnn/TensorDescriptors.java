package dev.ingot.cuda.cudnn;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Tensor descriptors by shape, made once and reused (a training loop sees the same few shapes every
 * step). Owns them; closes them all on {@link #close()}.
 */
public final class TensorDescriptors implements AutoCloseable {
    private record Dims(int n, int c, int h, int w) {
    }

    private final Map<Dims, TensorDescriptor> cache = new LinkedHashMap<>();

    /** The descriptor of a packed NCHW float32 tensor {@code (n, c, h, w)}. */
    public TensorDescriptor get(int n, int c, int h, int w) {
        return cache.computeIfAbsent(new Dims(n, c, h, w), d -> new TensorDescriptor(d.n(), d.c(), d.h(), d.w()));
    }

    public int size() {
        return cache.size();
    }

    @Override
    public void close() {
        List<RuntimeException> failures = new ArrayList<>();
        List<TensorDescriptor> all = new ArrayList<>(cache.values());
        cache.clear();
        for (int i = all.size() - 1; i >= 0; i--) {
            try {
                all.get(i).close();
            } catch (RuntimeException e) {
                failures.add(e);
            }
        }
        if (!failures.isEmpty()) {
            throw failures.getFirst();
        }
    }
}
