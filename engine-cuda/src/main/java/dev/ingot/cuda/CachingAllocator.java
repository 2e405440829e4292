package dev.ingot.cuda;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Device memory for one backend: blocks rounded to {@link SizeClasses}, and a free list per class,
 * so that once a training loop has run one step, every later step is served from the cache and
 * never calls the driver. (The same idea as PyTorch's and tinygrad's caching allocators, without
 * block splitting.)
 *
 * <p>Reusing a freed block at once is safe because all work runs on the backend's one stream: any
 * later kernel that writes the block is queued behind every kernel that read it. Returning blocks
 * to the driver is not stream-ordered, so {@link #emptyCache()} first waits for the device.
 *
 * <p>When the driver is out of memory, the cache is returned to the driver and the allocation
 * retried once; if that fails too, a {@link CudaOutOfMemoryException} says how much was asked for and
 * how much is free, and the allocator stays usable.
 *
 * <p>Thread-safe: tensors may be closed (and their blocks released) from any thread.
 */
final class CachingAllocator implements AutoCloseable {

    /** Where the allocator gets memory: the CUDA driver in production. */
    interface DeviceMemory {
        /** A new block of exactly {@code bytes}, or 0 when the device is out of memory; other failures throw. */
        long allocate(long bytes);

        /** Returns a block to the driver. */
        void free(long address);

        /** {@code {free, total}} bytes of the device. */
        long[] info();

        /** Waits until the device has finished all queued work (before blocks go back to the driver). */
        void quiesce();
    }

    /** A block handed out: its address, the bytes asked for and its class capacity. */
    record Block(long address, long bytes, long capacity) {
    }

    private final DeviceMemory memory;
    private final Map<Long, ArrayDeque<Long>> freeByClass = new TreeMap<>();
    private final Map<Long, Block> live = new HashMap<>();
    private long bytesInUse;
    private long bytesCached;
    private long bytesReserved;
    private long peakBytesInUse;
    private long driverAllocations;
    private long driverFrees;
    private boolean closed;

    CachingAllocator(DeviceMemory memory) {
        this.memory = memory;
    }

    /** A block of at least {@code bytes}, from the cache when one of its class is free. */
    synchronized Block allocate(long bytes) {
        if (closed) {
            throw new IllegalStateException("the CUDA backend is closed; its memory cannot be allocated");
        }
        long capacity = SizeClasses.classOf(bytes);
        ArrayDeque<Long> list = freeByClass.get(capacity);
        long address;
        if (list != null && !list.isEmpty()) {
            address = list.pop();
            bytesCached -= capacity;
        } else {
            address = memory.allocate(capacity);
            if (address == 0 && bytesCached > 0) {
                emptyCache();
                address = memory.allocate(capacity);
            }
            if (address == 0) {
                long[] info = memory.info();
                throw new CudaOutOfMemoryException("cuMemAlloc_v2", 2, "CUDA_ERROR_OUT_OF_MEMORY", capacity, info[0],
                        info[1], bytesInUse);
            }
            driverAllocations++;
            bytesReserved += capacity;
        }
        Block block = new Block(address, bytes, capacity);
        live.put(address, block);
        bytesInUse += bytes;
        peakBytesInUse = Math.max(peakBytesInUse, bytesInUse);
        return block;
    }

    /** Returns a block to its class's free list. After {@link #close()}, does nothing (the memory is gone). */
    synchronized void release(Block block) {
        if (closed) {
            return;
        }
        Block known = live.remove(block.address());
        if (known == null || known != block) {
            if (known != null) {
                live.put(known.address(), known);
            }
            throw new IllegalStateException("device block at 0x" + Long.toHexString(block.address())
                    + " was released twice or does not belong to this allocator");
        }
        bytesInUse -= block.bytes();
        freeByClass.computeIfAbsent(block.capacity(), c -> new ArrayDeque<>()).push(block.address());
        bytesCached += block.capacity();
    }

    /** Gives every cached block back to the driver (after the device has finished its queued work). */
    synchronized void emptyCache() {
        if (bytesCached == 0) {
            return;
        }
        memory.quiesce();
        for (Map.Entry<Long, ArrayDeque<Long>> e : freeByClass.entrySet()) {
            for (long address : e.getValue()) {
                memory.free(address);
                driverFrees++;
                bytesReserved -= e.getKey();
            }
        }
        freeByClass.clear();
        bytesCached = 0;
    }

    synchronized long bytesInUse() {
        return bytesInUse;
    }

    synchronized MemoryStats stats() {
        return new MemoryStats(bytesInUse, bytesCached, bytesReserved, peakBytesInUse, driverAllocations, driverFrees,
                live.size());
    }

    /**
     * Returns all memory to the driver: the cache and blocks still held by open tensors (whose later
     * {@code close()} then does nothing). Idempotent.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        emptyCache();
        List<Block> stillLive = new ArrayList<>(live.values());
        if (!stillLive.isEmpty()) {
            memory.quiesce();
        }
        for (Block b : stillLive) {
            memory.free(b.address());
            driverFrees++;
            bytesReserved -= b.capacity();
        }
        live.clear();
        bytesInUse = 0;
        closed = true;
    }
}
