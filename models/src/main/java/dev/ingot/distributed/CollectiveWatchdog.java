package dev.ingot.distributed;

import java.io.PrintStream;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Puts a time limit on blocking collective calls. A call is bracketed by {@link #enter} and
 * {@link #exit}; a daemon thread checks every 50 ms whether the call in progress has passed its
 * deadline and, if so, prints which operation on which rank waited how long, then runs the
 * expiry action (for MPI: {@code MPI_Abort}, which ends every process of the job) and, should that
 * action return, halts this JVM. So a rank that died or hangs stops the run within the timeout plus
 * a fraction of a second, never a silent hang.
 *
 * <p>{@code enter} and {@code exit} write two volatile fields and allocate nothing (they run twice a
 * training step).
 */
final class CollectiveWatchdog implements AutoCloseable {
    /** Exit status of a process the watchdog ends (as {@code timeout(1)} does). */
    static final int TIMEOUT_EXIT = 124;

    private final long timeoutNanos;
    private final String who;
    private final Runnable onExpiry;
    private final PrintStream err;
    private final Thread thread;
    private volatile long deadline;     // System.nanoTime() limit of the call in progress; 0 when idle
    private volatile String operation;  // a constant string: no allocation per call
    private volatile long elements;
    private volatile boolean closed;

    /**
     * @param timeoutSeconds how long one collective call may block
     * @param who            names this rank in the message, e.g. "rank 1 of 2"
     * @param onExpiry       what stops the group (e.g. MPI_Abort); the JVM halts afterwards anyway
     */
    CollectiveWatchdog(double timeoutSeconds, String who, Runnable onExpiry, PrintStream err) {
        if (!(timeoutSeconds > 0)) {
            throw new IllegalArgumentException("collective timeout must be > 0 seconds, got " + timeoutSeconds);
        }
        this.timeoutNanos = (long) (timeoutSeconds * 1e9);
        this.who = who;
        this.onExpiry = onExpiry;
        this.err = err;
        this.thread = Thread.ofPlatform().daemon().name("ingot-collective-watchdog").unstarted(this::watch);
        thread.start();
    }

    double timeoutSeconds() {
        return timeoutNanos / 1e9;
    }

    /** A blocking call begins: {@code operation} must be a constant (it is kept, not copied). */
    void enter(String operation, long elements) {
        this.operation = operation;
        this.elements = elements;
        this.deadline = Math.max(1, System.nanoTime() + timeoutNanos);
    }

    void exit() {
        deadline = 0;
    }

    private void watch() {
        while (!closed) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
            long d = deadline;
            if (d != 0 && System.nanoTime() - d > 0 && !closed) {
                expire();
                return;
            }
        }
    }

    private void expire() {
        // One write of the whole line: mpirun forwards each write separately, between its own messages.
        err.print(String.format(Locale.ROOT, "ingot: %s: %s of %,d elements did not complete within %.0f s: another"
                + " rank has died, hangs or stopped calling collectives; stopping every rank%n", who, operation, elements,
                timeoutSeconds()));
        err.flush();
        try {
            onExpiry.run();
        } catch (Throwable t) {
            err.println("ingot: " + who + ": stopping the group failed: " + t);
        }
        // The expiry action should not return (MPI_Abort ends the process); if it does, do not hang.
        Runtime.getRuntime().halt(TIMEOUT_EXIT);
    }

    @Override
    public void close() {
        closed = true;
        LockSupport.unpark(thread);
    }
}
