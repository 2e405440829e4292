package dev.ingot.nn;

import dev.ingot.core.Backend;
import dev.ingot.core.DType;
import dev.ingot.core.Shape;
import dev.ingot.core.Tensor;

import java.util.HashMap;
import java.util.Map;

/**
 * The tensors a layer reuses from step to step, one per (role, shape): its output, its input
 * gradient, a dropout mask. A training run sees two or three shapes per role (the full batch, the
 * last partial batch, the validation batch), so after the first steps {@link #get} only looks up,
 * and steady-state training allocates no tensor memory.
 *
 * <p>The cache owns its tensors and frees them on {@link #close()}. They are detached from any
 * {@link dev.ingot.core.TensorScope} open when they are made: a caller's scope must not free a
 * model's buffers.
 */
public final class TensorCache implements AutoCloseable {
    private record Key(String role, Shape shape, DType dtype) {
    }

    private final Map<Key, Tensor> tensors = new HashMap<>();
    private Backend backend;

    /** Binds the cache to the backend it allocates on; called once, when the layer is built. */
    void bind(Backend backend) {
        if (this.backend != null && this.backend != backend) {
            throw new IllegalStateException("this layer is already built on backend '" + this.backend.name()
                    + "'; a layer lives on one backend");
        }
        this.backend = backend;
    }

    /** The float32 tensor for {@code role} and {@code shape}, made (zeroed) on first use. */
    public Tensor get(String role, Shape shape) {
        return get(role, shape, DType.FLOAT32);
    }

    /** The tensor for {@code role}, {@code shape} and {@code dtype}, made (zeroed) on first use. */
    public Tensor get(String role, Shape shape, DType dtype) {
        if (backend == null) {
            throw new IllegalStateException("layer is not built: call Sequential.build(backend, inputShape, seed) first");
        }
        Key key = new Key(role, shape, dtype);
        Tensor t = tensors.get(key);
        if (t == null) {
            t = backend.zeros(shape, dtype).detach();
            tensors.put(key, t);
        }
        return t;
    }

    @Override
    public void close() {
        for (Tensor t : tensors.values()) {
            t.close();
        }
        tensors.clear();
    }
}
