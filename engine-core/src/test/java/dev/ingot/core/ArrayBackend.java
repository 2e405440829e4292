package dev.ingot.core;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A test fixture, not a backend we ship: tensors as Java arrays with the memory operations that
 * {@link Tensor} and {@link TensorScope} use, and no kernels (engine-core has none; the real
 * backends and the reference live in other modules, which engine-core cannot depend on). It counts
 * live bytes and releases, so that tests can see what a close or a scope really freed.
 *
 * <p>{@link #backend()} is this fixture seen as a {@link Backend}: a {@link Proxy} that sends the
 * memory methods below to this object, runs {@code Backend}'s default methods as written, and
 * answers every kernel with {@link UnsupportedOperationException}. So a kernel added to
 * {@code Backend} needs nothing here.
 */
final class ArrayBackend {
    final AtomicLong bytesInUse = new AtomicLong();
    final AtomicLong releases = new AtomicLong();
    private final String name;
    private final Backend backend;

    ArrayBackend(String name) {
        this.name = name;
        this.backend = (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[] {Backend.class},
                new Dispatch());
    }

    ArrayBackend() {
        this("array");
    }

    /** This fixture as a Backend (the same instance every time). */
    Backend backend() {
        return backend;
    }

    /** Memory of one tensor: a float[] or an int[]. */
    final class ArrayStorage implements Storage {
        final float[] floats;
        final int[] ints;

        ArrayStorage(DType dtype, int n) {
            floats = dtype == DType.FLOAT32 ? new float[n] : null;
            ints = dtype == DType.INT32 ? new int[n] : null;
            bytesInUse.addAndGet(byteSize());
        }

        @Override
        public long byteSize() {
            return 4L * (floats != null ? floats.length : ints.length);
        }

        @Override
        public void release() {
            releases.incrementAndGet();
            bytesInUse.addAndGet(-byteSize());
        }
    }

    private static ArrayStorage s(Tensor t) {
        return (ArrayStorage) t.storage();
    }

    // ---------------------------------------------------------------- the Backend methods it has

    public String name() {
        return name;
    }

    public String description() {
        return name + ": engine-core test fixture";
    }

    public Tensor zeros(Shape shape, DType dtype) {
        int size = KernelChecks.allocation(backend, "zeros", shape, dtype, Integer.MAX_VALUE - 8, "the largest Java array");
        return Tensor.create(backend, shape, dtype, new ArrayStorage(dtype, size));
    }

    public void copyFromHost(float[] src, Tensor dst) {
        KernelChecks.copyFromHost(backend, src == null ? -1 : src.length, DType.FLOAT32, dst);
        System.arraycopy(src, 0, s(dst).floats, 0, src.length);
    }

    public void copyFromHost(int[] src, Tensor dst) {
        KernelChecks.copyFromHost(backend, src == null ? -1 : src.length, DType.INT32, dst);
        System.arraycopy(src, 0, s(dst).ints, 0, src.length);
    }

    public void copyToHost(Tensor src, float[] dst) {
        KernelChecks.copyToHost(backend, src, DType.FLOAT32, dst == null ? -1 : dst.length);
        System.arraycopy(s(src).floats, 0, dst, 0, dst.length);
    }

    public void copyToHost(Tensor src, int[] dst) {
        KernelChecks.copyToHost(backend, src, DType.INT32, dst == null ? -1 : dst.length);
        System.arraycopy(s(src).ints, 0, dst, 0, dst.length);
    }

    public void copy(Tensor src, Tensor dst) {
        KernelChecks.copy(backend, src, dst);
        if (src.dtype() == DType.FLOAT32) {
            System.arraycopy(s(src).floats, 0, s(dst).floats, 0, (int) src.size());
        } else {
            System.arraycopy(s(src).ints, 0, s(dst).ints, 0, (int) src.size());
        }
    }

    public void fill(Tensor dst, float value) {
        KernelChecks.fill(backend, dst);
        Arrays.fill(s(dst).floats, value);
    }

    public long bytesInUse() {
        return bytesInUse.get();
    }

    public void close() {
    }

    /** Backend calls: to a public method above of the same signature, else Backend's default, else no kernel. */
    private final class Dispatch implements InvocationHandler {
        @Override
        public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
            switch (method.getName()) {
                case "equals" -> {
                    return proxy == args[0];
                }
                case "hashCode" -> {
                    return System.identityHashCode(proxy);
                }
                case "toString" -> {
                    return description();
                }
                default -> {
                }
            }
            Method own;
            try {
                own = ArrayBackend.class.getMethod(method.getName(), method.getParameterTypes());
            } catch (NoSuchMethodException e) {
                if (method.isDefault()) {
                    return InvocationHandler.invokeDefault(proxy, method, args);
                }
                throw new UnsupportedOperationException("the engine-core test fixture has no kernels: " + method.getName());
            }
            try {
                return own.invoke(ArrayBackend.this, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        }
    }
}
