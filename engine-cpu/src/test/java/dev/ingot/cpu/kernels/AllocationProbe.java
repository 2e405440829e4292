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
     * the warm-up (the interpreter allocates; under a load of 15 on 2 cores a vector kernel's
     * compilation was seen to take seconds), so rounds are measured for up to 60 seconds, with more
     * warm-up between them, and the smallest is returned; a quiet machine stops at the first round
     * below {@code enough} bytes per call.
     */
    static double bytesPerCall(Runnable kernel, int warmup, int calls, double enough) {
        for (int i = 0; i < warmup; i++) {
            kernel.run();
        }
        long id = Thread.currentThread().threadId();
        double least = Double.POSITIVE_INFINITY;
        long deadline = System.nanoTime() + 60_000_000_000L;
        int round = 0;
        for (; least >= enough && (round < 3 || System.nanoTime() < deadline); round++) {
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
        // in the test output: the one-JVM test run then shows every kernel's figure after the others ran
        String caller = StackWalker.getInstance().walk(frames -> frames.skip(1).findFirst()
                .map(f -> f.getClassName().substring(f.getClassName().lastIndexOf('.') + 1) + "." + f.getMethodName())
                .orElse("?"));
        System.out.printf("AllocationProbe %s: %.1f bytes per call (least of %d rounds of %d calls)%n",
                caller, least, round, calls);
        return least;
    }
}
