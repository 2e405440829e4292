package dev.ingot.nn;

import dev.ingot.core.Backend;
import dev.ingot.core.DType;
import dev.ingot.core.Shape;
import dev.ingot.core.Tensor;

import java.util.HashMap;
import java.util.Map;

/**
 * The tensors a layer reuses from step to step, one per role: its output, its input gradient, a
 * dropout mask. Each role keeps only the tensor of the shape it was last asked for (an LRU of
 * one): asked for another shape (the epoch's last, partial batch; a validation batch), it frees the
 * old tensor and makes the new one. So a cache holds one set of buffers, the size of the batch in
 * use, however many batch sizes a run goes through, and steady-state training (one batch size)
 * allocates nothing; a change of batch size costs one allocation per role.
 *
 * <p>A tensor returned for a role stays valid until the same role is asked for another shape:
 * then it is closed, and using it is an {@link IllegalStateException}, never stale values.
 *
 * <p>The cache owns its tensors and frees them on {@link #close()}. They are detached from any
 * {@link dev.ingot.core.TensorScope} open when they are made: a caller's scope must not free a
 * model's buffers.
 */
public final class TensorCache implements AutoCloseable {
    private final Map<String, Tensor> tensors = new HashMap<>();
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

    /**
     * The tensor for {@code role}, {@code shape} and {@code dtype}: the one made before if it has
     * that shape and dtype, else a new, zeroed one that replaces (and closes) the role's old one.
     */
    public Tensor get(String role, Shape shape, DType dtype) {
        if (backend == null) {
            throw new IllegalStateException("layer is not built: call Sequential.build(backend, inputShape, seed) first");
        }
        Tensor t = tensors.get(role);
        if (t != null && t.shape().equals(shape) && t.dtype() == dtype && !t.isClosed()) {
            return t;
        }
        Tensor made = backend.zeros(shape, dtype).detach();
        if (t != null) {
            t.close();
        }
        tensors.put(role, made);
        return made;
    }

    /** Bytes of the tensors held now (for tests of boundedness). */
    long bytes() {
        long sum = 0;
        for (Tensor t : tensors.values()) {
            sum += t.size() * 4;
        }
        return sum;
    }

    @Override
    public void close() {
        for (Tensor t : tensors.values()) {
            t.close();
        }
        tensors.clear();
    }
}
