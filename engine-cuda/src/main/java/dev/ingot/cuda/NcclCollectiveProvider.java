package dev.ingot.cuda;

import dev.ingot.core.Backend;
import dev.ingot.core.collective.Collective;
import dev.ingot.core.collective.DeviceCollectiveProvider;
import dev.ingot.cuda.ffm.Nccl;

/** {@code --distributed nccl}: NCCL over the CUDA backend's device memory (found through ServiceLoader). */
public final class NcclCollectiveProvider implements DeviceCollectiveProvider {
    @Override
    public String name() {
        return "nccl";
    }

    @Override
    public String unavailableReason() {
        return Nccl.unavailableReason();
    }

    @Override
    public Collective create(Backend backend, Collective bootstrap, double timeoutSeconds) {
        if (!(backend instanceof CudaBackend cuda)) {
            throw new IllegalArgumentException("--distributed nccl needs --backend cuda, got the " + backend.name()
                    + " backend (use --distributed mpi on the CPU)");
        }
        return new NcclCollective(cuda, bootstrap, timeoutSeconds);
    }
}
