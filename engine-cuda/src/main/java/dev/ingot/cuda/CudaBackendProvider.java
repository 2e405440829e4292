package dev.ingot.cuda;

import dev.ingot.core.Availability;
import dev.ingot.core.Backend;
import dev.ingot.core.BackendProvider;
import dev.ingot.core.BackendUnavailableException;

/**
 * Finds the CUDA backend: available when the NVIDIA driver, cuDNN 9, cuBLAS 12/13 and NVRTC 12/13
 * load, fit the driver, and a GPU is visible. Its priority (100) is above the CPU's (10), so
 * {@code Backends.best()} picks the GPU when there is one. The probe loads the libraries and asks
 * the driver about the device, but creates no context and allocates no device memory.
 */
public final class CudaBackendProvider implements BackendProvider {

    @Override
    public String name() {
        return "cuda";
    }

    @Override
    public int priority() {
        return 100;
    }

    @Override
    public Availability probe() {
        try {
            return CudaProbe.availability();
        } catch (Throwable t) {
            return Availability.unavailable(java.util.List.of("probing CUDA failed: " + t), java.util.Map.of());
        }
    }

    /**
     * A new CUDA backend with the settings of {@link CudaOptions#fromSystem()}.
     *
     * @throws BackendUnavailableException with the probe's reasons when CUDA cannot run here
     */
    @Override
    public Backend create() {
        Availability a = probe();
        if (!a.available()) {
            throw new BackendUnavailableException(name(), a.reasons());
        }
        return new CudaBackend(CudaOptions.fromSystem(), CudaProbe.versions(a));
    }
}
