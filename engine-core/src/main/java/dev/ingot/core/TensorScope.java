package dev.ingot.core;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/**
 * Frees every tensor created inside it: a training step opens one scope, makes its temporaries
 * freely, and closes the scope at the end of the step.
 *
 * <pre>{@code
 * try (TensorScope step = TensorScope.open()) {
 *     Tensor h = backend.zeros(Shape.of(64, 128));   // closed with the scope
 *     Tensor keepMe = backend.zeros(Shape.of(10)).detach(); // the caller owns this one
 * }
 * }</pre>
 *
 * <p>Scopes nest and are confined to the thread that opened them; they must be closed in reverse
 * order of opening (try-with-resources does this). Tensors created outside any scope belong to
 * their creator, who closes them.
 */
public final class TensorScope implements AutoCloseable {
    private static final ThreadLocal<TensorScope> CURRENT = new ThreadLocal<>();

    private final TensorScope parent;
    private final Thread thread;
    private final Set<Tensor> owned = Collections.newSetFromMap(new IdentityHashMap<>());
    private boolean closed;

    private TensorScope(TensorScope parent) {
        this.parent = parent;
        this.thread = Thread.currentThread();
    }

    /** Opens a scope nested in the current one; tensors created on this thread join it. */
    public static TensorScope open() {
        TensorScope s = new TensorScope(CURRENT.get());
        CURRENT.set(s);
        return s;
    }

    /** The innermost open scope of this thread, or {@code null}. */
    public static TensorScope current() {
        return CURRENT.get();
    }

    static void adopt(Tensor t) {
        TensorScope s = CURRENT.get();
        if (s != null) {
            synchronized (s.owned) {
                s.owned.add(t);
            }
            t.joinScope(s);
        }
    }

    /** Called when a tensor is closed or detached, possibly from another thread. */
    void forget(Tensor t) {
        synchronized (owned) {
            owned.remove(t);
        }
    }

    /**
     * Moves {@code t} from this scope to the enclosing scope (or, at the outermost scope, to the
     * caller), so that it outlives this one.
     *
     * @return {@code t}
     */
    public Tensor keep(Tensor t) {
        boolean removed;
        synchronized (owned) {
            removed = owned.remove(t);
        }
        if (!removed) {
            throw new IllegalArgumentException("tensor " + t + " does not belong to this scope");
        }
        if (parent != null) {
            synchronized (parent.owned) {
                parent.owned.add(t);
            }
            t.joinScope(parent);
        } else {
            t.joinScope(null);
        }
        return t;
    }

    /** Number of open tensors this scope will close. */
    public int size() {
        synchronized (owned) {
            return owned.size();
        }
    }

    /** Closes every tensor still owned by this scope, then makes the enclosing scope current. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        if (Thread.currentThread() != thread) {
            throw new IllegalStateException("a TensorScope must be closed by the thread that opened it ("
                    + thread.getName() + "), not by " + Thread.currentThread().getName());
        }
        if (CURRENT.get() != this) {
            throw new IllegalStateException("TensorScopes must be closed in reverse order of opening:"
                    + " an inner scope is still open");
        }
        closed = true;
        List<Tensor> toClose;
        synchronized (owned) {
            toClose = new ArrayList<>(owned);
            owned.clear();
        }
        RuntimeException failure = null;
        for (Tensor t : toClose) {
            t.joinScope(null);
            try {
                t.close();
            } catch (RuntimeException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (parent != null) {
            CURRENT.set(parent);
        } else {
            CURRENT.remove();
        }
        if (failure != null) {
            throw failure;
        }
    }
}
