package dev.ingot.core;

/**
 * Makes one kind of {@link Backend}; found with {@link java.util.ServiceLoader} (list the class in
 * {@code META-INF/services/dev.ingot.core.BackendProvider}). A provider is cheap to construct and
 * to {@link #probe()}: neither may create a device context or allocate device memory.
 */
public interface BackendProvider {

    /** The name users pick it by: {@code "cpu"}, {@code "cuda"}. */
    String name();

    /** Higher wins in {@link Backends#best()}: the GPU outranks the CPU. */
    int priority();

    /** Whether the backend can run on this machine, and why not; cheap, and never throws. */
    Availability probe();

    /**
     * A new backend, owned by the caller, who closes it.
     *
     * @throws BackendUnavailableException if the backend cannot run here
     */
    Backend create();
}
