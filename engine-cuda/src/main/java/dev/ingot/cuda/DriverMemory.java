package dev.ingot.cuda;

import dev.ingot.cuda.ffm.CudaDriver;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** The {@link CachingAllocator}'s source of memory: {@code cuMemAlloc_v2} / {@code cuMemFree_v2} on one device. */
final class DriverMemory implements CachingAllocator.DeviceMemory {
    private final CudaDevice device;
    private final CudaStream stream;

    DriverMemory(CudaDevice device, CudaStream stream) {
        this.device = device;
        this.stream = stream;
    }

    @Override
    public long allocate(long bytes) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ValueLayout.JAVA_LONG);
            int status = CudaDriver.cuMemAlloc(out, bytes);
            if (status == CudaDriver.CUDA_ERROR_OUT_OF_MEMORY) {
                return 0;
            }
            CudaDriver.check(status, "cuMemAlloc_v2", bytes + " bytes");
            return out.get(ValueLayout.JAVA_LONG, 0);
        }
    }

    @Override
    public void free(long address) {
        CudaDriver.check(CudaDriver.cuMemFree(address), "cuMemFree_v2", "0x" + Long.toHexString(address));
    }

    @Override
    public long[] info() {
        return device.memoryInfo();
    }

    @Override
    public void quiesce() {
        stream.synchronize();
    }
}
