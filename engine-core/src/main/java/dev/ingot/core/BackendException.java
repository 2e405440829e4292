package dev.ingot.core;

/** A failure inside a backend (a native library call, device memory) that is not the caller's bad input. */
public class BackendException extends RuntimeException {
    public BackendException(String message) {
        super(message);
    }

    public BackendException(String message, Throwable cause) {
        super(message, cause);
    }
}
