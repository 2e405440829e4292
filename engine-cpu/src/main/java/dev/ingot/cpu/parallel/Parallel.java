package dev.ingot.cpu.parallel;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.ForkJoinWorkerThread;

/**
 * The CPU backend's one thread pool, sized to the machine's cores, and the way kernels split work
 * over it: a loop {@code [0, n)} is cut into at most one chunk per thread, and not cut at all when
 * it is smaller than the kernel's grain (small tensors must not pay for threads: a fork/join costs
 * microseconds, an element-wise op on 10 000 floats costs less).
 *
 * <p>The pool size is {@code -Dingot.cpu.threads=N}, else the environment variable
 * {@code INGOT_CPU_THREADS}, else {@link Runtime#availableProcessors()}.
 */
public final class Parallel {

    /** A loop body over a half-open range of indices. */
    @FunctionalInterface
    public interface RangeBody {
        void run(int start, int end);
    }

    private static final Parallel SHARED = new Parallel(configuredThreads());

    private final int threads;
    private final ForkJoinPool pool;

    private Parallel(int threads) {
        this.threads = threads;
        this.pool = threads == 1 ? null : new ForkJoinPool(threads, p -> {
            ForkJoinWorkerThread t = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(p);
            t.setName("ingot-cpu-" + t.getPoolIndex());
            t.setDaemon(true);
            return t;
        }, null, false);
    }

    /**
     * A separate pool of {@code threads} workers, for tests and benchmarks that compare thread
     * counts. The daemon workers die with the JVM; production code uses {@link #shared()}.
     */
    public static Parallel withThreads(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("thread count must be at least 1, got " + threads);
        }
        return new Parallel(threads);
    }

    /** The process-wide pool every {@code CpuBackend} shares. */
    public static Parallel shared() {
        return SHARED;
    }

    static int configuredThreads() {
        String s = System.getProperty("ingot.cpu.threads");
        if (s == null || s.isBlank()) {
            s = System.getenv("INGOT_CPU_THREADS");
        }
        if (s != null && !s.isBlank()) {
            try {
                int n = Integer.parseInt(s.trim());
                if (n >= 1) {
                    return n;
                }
            } catch (NumberFormatException ignored) {
                // fall through to the default, but say so
            }
            System.err.println("ingot: ignoring invalid thread count '" + s + "' (ingot.cpu.threads / INGOT_CPU_THREADS)");
        }
        return Math.max(1, Runtime.getRuntime().availableProcessors());
    }

    /** Number of threads work is split over. */
    public int threads() {
        return threads;
    }

    /**
     * Runs {@code body} over {@code [0, n)} in up to {@link #threads()} contiguous chunks of at least
     * {@code grain} indices each; runs it inline when {@code n <= grain} or on one thread. The caller
     * runs the first chunk itself. Returns when every chunk is done; an exception in any chunk is
     * rethrown.
     */
    public void forRange(int n, int grain, RangeBody body) {
        if (n <= 0) {
            return;
        }
        int chunks = Math.min(threads, Math.max(1, n / Math.max(1, grain)));
        if (chunks <= 1 || pool == null || ForkJoinTask.inForkJoinPool()) {
            body.run(0, n);
            return;
        }
        ForkJoinTask<?>[] tasks = new ForkJoinTask<?>[chunks - 1];
        for (int i = 1; i < chunks; i++) {
            int start = (int) ((long) n * i / chunks);
            int end = (int) ((long) n * (i + 1) / chunks);
            tasks[i - 1] = pool.submit(() -> body.run(start, end));
        }
        Throwable failure = null;
        try {
            body.run(0, (int) ((long) n / chunks));
        } catch (Throwable t) {
            failure = t;
        }
        for (ForkJoinTask<?> t : tasks) {
            try {
                t.join();
            } catch (Throwable e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure instanceof RuntimeException re) {
            throw re;
        }
        if (failure instanceof Error err) {
            throw err;
        }
    }

    /**
     * Runs {@code body(t, threads)} once on each of {@code parts} workers ({@code parts <=}
     * {@link #threads()}), for kernels that partition work themselves (a GEMM splitting its
     * output tiles, for example).
     */
    public void forEachPart(int parts, RangeBody body) {
        int p = Math.max(1, Math.min(parts, threads));
        forRange(p, 1, (start, end) -> {
            for (int i = start; i < end; i++) {
                body.run(i, p);
            }
        });
    }
}
