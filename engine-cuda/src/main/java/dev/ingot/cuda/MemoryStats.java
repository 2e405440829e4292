package dev.ingot.cuda;

/**
 * A snapshot of a {@link CudaBackend}'s device memory, for leak tests and diagnostics.
 *
 * @param bytesInUse        bytes of live tensors and temporaries (what {@code bytesInUse()} reports)
 * @param bytesCached       bytes of freed blocks kept for reuse
 * @param bytesReserved     bytes obtained from the driver and not yet returned (in use + cached, by class size)
 * @param peakBytesInUse    the largest {@code bytesInUse} seen
 * @param driverAllocations {@code cuMemAlloc} calls so far: flat in a steady-state training loop
 * @param driverFrees       {@code cuMemFree} calls so far
 * @param liveBlocks        blocks handed out and not released
 */
public record MemoryStats(long bytesInUse, long bytesCached, long bytesReserved, long peakBytesInUse,
                          long driverAllocations, long driverFrees, long liveBlocks) {
}
