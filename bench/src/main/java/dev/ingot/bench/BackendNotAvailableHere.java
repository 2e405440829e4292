package dev.ingot.bench;

import dev.ingot.core.Backend;
import dev.ingot.core.BackendUnavailableException;
import dev.ingot.core.Backends;

/**
 * Thrown from a benchmark's {@code @Setup} when its {@code backend} parameter names a backend that
 * cannot run on this machine (no GPU, no driver, or its module not on the class path).
 *
 * <p>JMH has no "skip" outcome. An exception from {@code @Setup} is what it supports instead: that
 * trial is reported as {@code <failure>} with this message, it gets no score (so no misleading number
 * lands in the results table), and the run carries on with the next parameter set and exits 0 unless
 * {@code -foe true} was asked for. Returning early from the benchmark method instead would time an
 * empty call and print a fake score. This exception carries no stack trace: the message is the
 * whole story ("benchmark skipped: backend 'cuda' is not available: ...").
 */
final class BackendNotAvailableHere extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private BackendNotAvailableHere(String message) {
        super(message, null, false, false);
    }

    /** The backend called {@code name}, or this exception saying why it cannot run here. */
    static Backend open(String name) {
        try {
            return Backends.get(name);
        } catch (BackendUnavailableException | IllegalArgumentException e) {
            String why = "benchmark skipped: " + e.getMessage();
            System.out.println(why);
            throw new BackendNotAvailableHere(why);
        }
    }
}
