package dev.ingot.core;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A contiguous, row-major block of {@link DType#FLOAT32} (or {@link DType#INT32}) values that lives on
 * one {@link Backend}. Images are {@code (N, C, H, W)}.
 *
 * <p>A tensor owns its memory and frees it on {@link #close()}; after that, any use of it, or of a
 * {@link #view view} of it, throws {@link IllegalStateException}. Tensors made inside a
 * {@link TensorScope} are closed by the scope unless {@link #detach() detached}:
 *
 * <pre>{@code
 * try (Backend cpu = Backends.get("cpu");
 *      Tensor x = cpu.fromHost(Shape.of(2, 3), new float[] {1, -2, 3, -4, 5, -6});
 *      Tensor y = cpu.zeros(Shape.of(2, 3))) {
 *     cpu.reluForward(x, y);
 *     float[] out = y.toFloatArray();   // {1, 0, 3, 0, 5, 0}
 * }
 * }</pre>
 */
public final class Tensor implements AutoCloseable {
    private final Backend backend;
    private final Shape shape;
    private final DType dtype;
    private final Storage storage;
    /** The tensor that owns {@link #storage}; {@code this} unless this tensor is a view. */
    private final Tensor owner;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile TensorScope scope;

    private Tensor(Backend backend, Shape shape, DType dtype, Storage storage, Tensor owner) {
        this.backend = backend;
        this.shape = shape;
        this.dtype = dtype;
        this.storage = storage;
        this.owner = owner == null ? this : owner;
    }

    /**
     * Wraps freshly allocated backend memory in a tensor that owns it. For backends only: users get
     * tensors from {@link Backend#zeros} and {@link Backend#fromHost}. The new tensor joins the
     * current {@link TensorScope}, if any.
     */
    public static Tensor create(Backend backend, Shape shape, DType dtype, Storage storage) {
        Objects.requireNonNull(backend, "backend");
        Objects.requireNonNull(shape, "shape");
        Objects.requireNonNull(dtype, "dtype");
        Objects.requireNonNull(storage, "storage");
        Tensor t = new Tensor(backend, shape, dtype, storage, null);
        TensorScope.adopt(t);
        return t;
    }

    public Shape shape() {
        return shape;
    }

    public DType dtype() {
        return dtype;
    }

    public Backend backend() {
        return backend;
    }

    /** Number of elements. */
    public long size() {
        return shape.size();
    }

    /** Whether this tensor, or the tensor it is a view of, has been closed. */
    public boolean isClosed() {
        return closed.get() || (owner != this && owner.closed.get());
    }

    /** Whether this is a view that shares another tensor's memory. */
    public boolean isView() {
        return owner != this;
    }

    /** Whether this tensor and {@code other} use the same memory (one is a view of the other, or both of a third). */
    public boolean sharesMemoryWith(Tensor other) {
        return other != null && owner == other.owner;
    }

    /**
     * The backend memory behind this tensor, for the owning backend's kernels.
     *
     * @throws IllegalStateException if the tensor is closed
     */
    public Storage storage() {
        requireOpen("tensor");
        return storage;
    }

    /**
     * Throws {@link IllegalStateException} naming {@code argument} if this tensor is closed.
     *
     * @return this tensor
     */
    public Tensor requireOpen(String argument) {
        if (isClosed()) {
            throw new IllegalStateException("'" + argument + "' " + describe() + " is closed"
                    + (closed.get() ? "" : " (it is a view of a tensor that was closed)")
                    + "; a closed tensor cannot be used");
        }
        return this;
    }

    /**
     * A tensor with another shape of the same size over the same memory (a reshape, no copy).
     * The view does not own the memory: closing it frees nothing, and it becomes unusable when its
     * owner is closed.
     */
    public Tensor view(Shape newShape) {
        requireOpen("view: tensor");
        if (newShape == null) {
            throw new IllegalArgumentException("view: newShape must not be null (tensor " + describe() + ")");
        }
        if (newShape.size() != shape.size()) {
            throw new IllegalArgumentException("cannot view tensor of shape " + shape + " (" + shape.size()
                    + " elements) as shape " + newShape + " (" + newShape.size() + " elements)");
        }
        return new Tensor(backend, newShape, dtype, storage, owner);
    }

    /** Copies the values to a new host array. */
    public float[] toFloatArray() {
        requireOpen("toFloatArray: tensor");
        float[] host = new float[hostLength("toFloatArray")];
        backend.copyToHost(this, host);
        return host;
    }

    /** Copies the values of an {@link DType#INT32} tensor to a new host array. */
    public int[] toIntArray() {
        requireOpen("toIntArray: tensor");
        int[] host = new int[hostLength("toIntArray")];
        backend.copyToHost(this, host);
        return host;
    }

    private int hostLength(String op) {
        if (size() > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(op + ": tensor " + describe() + " has " + size()
                    + " elements, more than one Java array can hold");
        }
        return (int) size();
    }

    /** The value of a one-element float tensor (a loss, for example). */
    public float item() {
        if (size() != 1) {
            throw new IllegalArgumentException("item() needs a one-element tensor, got shape " + shape);
        }
        return toFloatArray()[0];
    }

    /** Overwrites the values from a host array of exactly {@link #size()} elements. */
    public Tensor copyFrom(float[] host) {
        backend.copyFromHost(host, this);
        return this;
    }

    /** Overwrites the values of an {@link DType#INT32} tensor from a host array. */
    public Tensor copyFrom(int[] host) {
        backend.copyFromHost(host, this);
        return this;
    }

    /** A copy of this tensor on {@code target} (through host memory when the backends differ). */
    public Tensor to(Backend target) {
        requireOpen("to: tensor");
        if (target == null) {
            throw new IllegalArgumentException("to: target backend must not be null (tensor " + describe() + ")");
        }
        return switch (dtype) {
            case FLOAT32 -> target.fromHost(shape, toFloatArray());
            case INT32 -> target.fromHost(shape, toIntArray());
        };
    }

    /**
     * Removes this tensor from the {@link TensorScope} that would close it: the caller now owns it.
     *
     * @return this tensor
     */
    public Tensor detach() {
        TensorScope s = scope;
        if (s != null) {
            s.forget(this);
            scope = null;
        }
        return this;
    }

    void joinScope(TensorScope s) {
        scope = s;
    }

    /** Frees the memory (for an owning tensor); idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        if (owner == this) {
            TensorScope s = scope;
            if (s != null) {
                s.forget(this);
                scope = null;
            }
            storage.release();
        }
    }

    /** For messages: {@code [64, 10] float32 on cpu}. */
    public String describe() {
        return shape + " " + dtype + " on " + backend.name();
    }

    @Override
    public String toString() {
        return "Tensor" + describe() + (isClosed() ? " (closed)" : "");
    }
}
