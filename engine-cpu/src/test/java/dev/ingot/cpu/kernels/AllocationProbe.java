package dev.ingot.cpu.kernels;

import java.lang.management.ManagementFactory;

/** Bytes this thread allocates while running a kernel, for the "steady state allocates nothing" checks. */
final class AllocationProbe {
    private AllocationProbe() {
    }

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    /** Average bytes allocated per call over {@code calls} calls, after {@code warmup} calls to let C2 compile. */
    static double bytesPerCall(Runnable kernel, int warmup, int calls) {
        for (int i = 0; i < warmup; i++) {
            kernel.run();
        }
        long id = Thread.currentThread().threadId();
        long before = THREADS.getThreadAllocatedBytes(id);
        for (int i = 0; i < calls; i++) {
            kernel.run();
        }
        return (double) (THREADS.getThreadAllocatedBytes(id) - before) / calls;
    }
}
