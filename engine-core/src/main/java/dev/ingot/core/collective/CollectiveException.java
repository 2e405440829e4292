package dev.ingot.core.collective;

/**
 * A collective operation that could not complete: a library error, another rank that aborted, or
 * (with {@link #timedOut()}) a rank that did not arrive in time because it died or hangs.
 */
public final class CollectiveException extends RuntimeException {
    private final boolean timedOut;

    public CollectiveException(String message, boolean timedOut, Throwable cause) {
        super(message, cause);
        this.timedOut = timedOut;
    }

    public CollectiveException(String message) {
        this(message, false, null);
    }

    /** Whether the operation was given up because its time limit passed. */
    public boolean timedOut() {
        return timedOut;
    }
}
