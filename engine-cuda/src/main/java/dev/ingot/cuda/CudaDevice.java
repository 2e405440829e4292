package dev.ingot.cuda;

import dev.ingot.cuda.ffm.CudaDriver;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static dev.ingot.cuda.ffm.CudaDriver.check;

/**
 * One GPU and its primary context (the context the CUDA runtime inside cuDNN and cuBLAS uses too,
 * so our handles, streams and memory are theirs). The context is retained once per process and kept
 * (see {@link #primaryContext}); {@link #makeCurrent()} binds it to the calling thread, which every backend entry does,
 * because Java threads move between carrier and pool threads.
 */
final class CudaDevice implements AutoCloseable {

    /** What the driver says about a device, read without creating a context. */
    record Info(int ordinal, String name, int computeMajor, int computeMinor, int multiprocessors, long totalMemory) {
        /** {@code sm_90}. */
        String arch() {
            return "sm_" + computeMajor + computeMinor;
        }

        String describe() {
            return name + " (" + arch() + ", " + multiprocessors + " SMs, "
                    + String.format(java.util.Locale.ROOT, "%.1f GiB", totalMemory / (1024.0 * 1024 * 1024)) + ")";
        }
    }

    private final Info info;
    private final MemorySegment context;

    private CudaDevice(Info info, MemorySegment context) {
        this.info = info;
        this.context = context;
    }

    /** Initialises the driver and counts devices (no context is created). */
    static int deviceCount() {
        check(CudaDriver.cuInit(0), "cuInit");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment count = arena.allocate(ValueLayout.JAVA_INT);
            check(CudaDriver.cuDeviceGetCount(count), "cuDeviceGetCount");
            return count.get(ValueLayout.JAVA_INT, 0);
        }
    }

    /** Reads a device's name, compute capability and memory (no context is created). */
    static Info query(int ordinal) {
        int count = deviceCount();
        if (ordinal < 0 || ordinal >= count) {
            throw new IllegalArgumentException("CUDA device " + ordinal + " does not exist: the driver sees " + count
                    + " device(s) (check CUDA_VISIBLE_DEVICES and -Dingot.cuda.device)");
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment dev = arena.allocate(ValueLayout.JAVA_INT);
            check(CudaDriver.cuDeviceGet(dev, ordinal), "cuDeviceGet", "device " + ordinal);
            int device = dev.get(ValueLayout.JAVA_INT, 0);
            MemorySegment name = arena.allocate(256);
            check(CudaDriver.cuDeviceGetName(name, 256, device), "cuDeviceGetName");
            MemorySegment value = arena.allocate(ValueLayout.JAVA_INT);
            check(CudaDriver.cuDeviceGetAttribute(value, CudaDriver.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, device),
                    "cuDeviceGetAttribute", "COMPUTE_CAPABILITY_MAJOR");
            int major = value.get(ValueLayout.JAVA_INT, 0);
            check(CudaDriver.cuDeviceGetAttribute(value, CudaDriver.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, device),
                    "cuDeviceGetAttribute", "COMPUTE_CAPABILITY_MINOR");
            int minor = value.get(ValueLayout.JAVA_INT, 0);
            check(CudaDriver.cuDeviceGetAttribute(value, CudaDriver.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, device),
                    "cuDeviceGetAttribute", "MULTIPROCESSOR_COUNT");
            int sms = value.get(ValueLayout.JAVA_INT, 0);
            MemorySegment total = arena.allocate(ValueLayout.JAVA_LONG);
            check(CudaDriver.cuDeviceTotalMem(total, device), "cuDeviceTotalMem_v2");
            return new Info(device, name.getString(0), major, minor, sms, total.get(ValueLayout.JAVA_LONG, 0));
        }
    }

    /** The primary context of each device this process has opened, retained once and kept. */
    private static final java.util.Map<Integer, MemorySegment> PRIMARY_CONTEXTS = new java.util.concurrent.ConcurrentHashMap<>();

    /** The device's primary context (retained on first use) made current on this thread. */
    static CudaDevice open(int ordinal) {
        Info info = query(ordinal);
        CudaDevice device = new CudaDevice(info, primaryContext(info.ordinal()));
        device.makeCurrent();
        return device;
    }

    /**
     * Retains the primary context once per process and never releases it. Releasing it when a
     * backend closes would let the driver destroy it whenever no other backend holds it, while the
     * CUDA runtime inside cuDNN and cuBLAS keeps state bound to it (handles, loaded modules): the next
     * backend would then get a fresh context under that stale state, and each test class would pay
     * the context's creation again. The driver tears it down at process exit.
     */
    private static MemorySegment primaryContext(int device) {
        return PRIMARY_CONTEXTS.computeIfAbsent(device, d -> {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment ctx = arena.allocate(ValueLayout.ADDRESS);
                check(CudaDriver.cuDevicePrimaryCtxRetain(ctx, d), "cuDevicePrimaryCtxRetain", "device " + d);
                return ctx.get(ValueLayout.ADDRESS, 0);
            }
        });
    }

    Info info() {
        return info;
    }

    /** Binds the primary context to the calling thread (cheap; done on every backend entry). */
    void makeCurrent() {
        check(CudaDriver.cuCtxSetCurrent(context), "cuCtxSetCurrent");
    }

    /** {@code {free, total}} bytes, from {@code cuMemGetInfo}. */
    long[] memoryInfo() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment free = arena.allocate(ValueLayout.JAVA_LONG);
            MemorySegment total = arena.allocate(ValueLayout.JAVA_LONG);
            check(CudaDriver.cuMemGetInfo(free, total), "cuMemGetInfo_v2");
            return new long[] {free.get(ValueLayout.JAVA_LONG, 0), total.get(ValueLayout.JAVA_LONG, 0)};
        }
    }

    /**
     * Marks this handle closed. The primary context stays retained for the process ({@link #primaryContext}):
     * the backend's own resources (memory, handles, modules) are what {@code CudaBackend.close()} frees.
     */
    @Override
    public void close() {
        // nothing of the device's own to free: see primaryContext
    }
}
