package dev.ingot.cuda;

/**
 * The device could not provide memory, even after Ingot returned its own cache of free blocks to
 * the driver and tried again. Nothing was allocated; the backend stays usable, so a caller can
 * close tensors (or use a smaller batch) and retry.
 */
public final class CudaOutOfMemoryException extends CudaException {
    private final long requestedBytes;
    private final long freeBytes;
    private final long totalBytes;

    public CudaOutOfMemoryException(String call, int status, String statusName, long requestedBytes, long freeBytes,
                                    long totalBytes, long inUseBytes) {
        super("CUDA driver", call, status, statusName,
                "out of device memory: asked for " + requestedBytes + " bytes (" + mib(requestedBytes) + "), "
                        + freeBytes + " bytes (" + mib(freeBytes) + ") free of " + totalBytes + " (" + mib(totalBytes)
                        + "); this backend's live tensors hold " + inUseBytes + " bytes (" + mib(inUseBytes)
                        + ") and its cache was already returned to the driver",
                null);
        this.requestedBytes = requestedBytes;
        this.freeBytes = freeBytes;
        this.totalBytes = totalBytes;
    }

    /** Bytes the failed allocation asked for (rounded up to its size class). */
    public long requestedBytes() {
        return requestedBytes;
    }

    /** Bytes the driver reported free on the device when the allocation failed. */
    public long freeBytes() {
        return freeBytes;
    }

    /** The device's total memory. */
    public long totalBytes() {
        return totalBytes;
    }

    private static String mib(long bytes) {
        return String.format(java.util.Locale.ROOT, "%.1f MiB", bytes / (1024.0 * 1024.0));
    }
}
