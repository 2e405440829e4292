package dev.ingot.core;

/**
 * A backend cannot run this operation with these arguments (a layout or parameter combination it
 * has no kernel for). Tests report it as unsupported, never as passed.
 */
public final class UnsupportedOpException extends BackendException {
    public UnsupportedOpException(String backend, String op, String reason) {
        super("backend '" + backend + "' does not support " + op + ": " + reason);
    }
}
