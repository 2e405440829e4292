package dev.ingot.core.collective;

import dev.ingot.core.Backend;

/**
 * Makes a collective that reduces a backend's device memory directly (NCCL for CUDA), found through
 * {@link java.util.ServiceLoader} as backends are, so that {@code models} never imports a backend.
 */
public interface DeviceCollectiveProvider {
    /** The name users pick it by, e.g. "nccl". */
    String name();

    /** Whether it can run here, and if not why (library not found, ...), without creating anything. */
    String unavailableReason();

    /**
     * A collective over the same ranks as {@code bootstrap} (an MPI job), reducing tensors of
     * {@code backend} in place on the device; {@code bootstrap} carries the setup (e.g. NCCL's unique
     * id, broadcast from rank 0) and the small host-side reductions. A device operation that has not
     * finished after {@code timeoutSeconds} aborts the communicator and the job.
     */
    Collective create(Backend backend, Collective bootstrap, double timeoutSeconds);
}
