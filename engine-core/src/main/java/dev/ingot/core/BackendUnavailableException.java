package dev.ingot.core;

import java.util.List;

/** A backend was asked for by name but cannot run on this machine; the message says why. */
public final class BackendUnavailableException extends BackendException {
    private final String backend;
    private final List<String> reasons;

    public BackendUnavailableException(String backend, List<String> reasons) {
        super("backend '" + backend + "' is not available: " + String.join("; ", reasons));
        this.backend = backend;
        this.reasons = List.copyOf(reasons);
    }

    public String backend() {
        return backend;
    }

    public List<String> reasons() {
        return reasons;
    }
}
