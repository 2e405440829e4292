package dev.ingot.cpu.kernels;

import java.lang.management.ManagementFactory;

/** Bytes this thread allocates while running a kernel, for the "steady state allocates nothing" checks. */
final class AllocationProbe {
    private AllocationProbe() {
    }

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    /**
     * Average bytes allocated per call over {@code calls} calls, after {@code warmup} calls to let C2
     * compile. Steady state is what is measured: on a loaded machine C2 may still be compiling after
     * the warm-up (the interpreter allocates), so up to 20 rounds are measured, with more warm-up
     * between them, and the smallest is returned; a quiet machine stops at the first round that
     * allocates nothing.
     */
    static double bytesPerCall(Runnable kernel, int warmup, int calls) {
        for (int i = 0; i < warmup; i++) {
            kernel.run();
        }
        long id = Thread.currentThread().threadId();
        double least = Double.POSITIVE_INFINITY;
        for (int round = 0; round < 20 && least > 0; round++) {
            if (round > 0) {
                for (int i = 0; i < warmup / 4; i++) {
                    kernel.run();
                }
            }
            long before = THREADS.getThreadAllocatedBytes(id);
            for (int i = 0; i < calls; i++) {
                kernel.run();
            }
            least = Math.min(least, (double) (THREADS.getThreadAllocatedBytes(id) - before) / calls);
        }
        return least;
    }
}
