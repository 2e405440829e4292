package dev.ingot.cuda;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The caching allocator's bookkeeping, against an in-memory stand-in for the driver's
 * {@code cuMemAlloc}/{@code cuMemFree} with a fixed capacity (the GPU test does the same against
 * the real driver).
 */
class CachingAllocatorTest {

    /** Hands out fake addresses up to a capacity, and records every call. */
    static final class FakeDevice implements CachingAllocator.DeviceMemory {
        final long capacity;
        long used;
        long nextAddress = 0x7000_0000_0000L;
        int allocations;
        int frees;
        int quiesces;
        final Set<Long> live = new HashSet<>();
        final java.util.Map<Long, Long> sizes = new java.util.HashMap<>();

        FakeDevice(long capacity) {
            this.capacity = capacity;
        }

        @Override
        public long allocate(long bytes) {
            if (used + bytes > capacity) {
                return 0;
            }
            allocations++;
            used += bytes;
            long a = nextAddress;
            nextAddress += bytes + 4096;
            live.add(a);
            sizes.put(a, bytes);
            return a;
        }

        @Override
        public void free(long address) {
            assertTrue(live.remove(address), "freed an address the device never gave out: " + address);
            frees++;
            used -= sizes.remove(address);
        }

        @Override
        public long[] info() {
            return new long[] {capacity - used, capacity};
        }

        @Override
        public void quiesce() {
            quiesces++;
        }
    }

    @Test
    void aSteadyLoopIsServedFromTheCache() {
        FakeDevice device = new FakeDevice(1L << 30);
        CachingAllocator allocator = new CachingAllocator(device);
        long[] sizes = {4 * 64 * 10, 4 * 64 * 128, 4 * 128 * 784, 4 * 32 * 26 * 26 * 64, 4 * 10};
        for (int step = 0; step < 1000; step++) {
            List<CachingAllocator.Block> blocks = new ArrayList<>();
            for (long s : sizes) {
                blocks.add(allocator.allocate(s));
            }
            for (CachingAllocator.Block b : blocks) {
                allocator.release(b);
            }
        }
        assertEquals(sizes.length, device.allocations, "only the first step reaches the driver");
        MemoryStats stats = allocator.stats();
        assertEquals(0, stats.bytesInUse());
        assertEquals(0, stats.liveBlocks());
        assertEquals(sizes.length, stats.driverAllocations());
        assertEquals(stats.bytesReserved(), stats.bytesCached());
    }

    @Test
    void bytesInUseCountsRequestsWhileReservedCountsClasses() {
        CachingAllocator allocator = new CachingAllocator(new FakeDevice(1L << 30));
        CachingAllocator.Block b = allocator.allocate(1000);
        assertEquals(1000, allocator.bytesInUse());
        assertEquals(1024, allocator.stats().bytesReserved());
        assertEquals(1024, b.capacity());
        allocator.release(b);
        assertEquals(0, allocator.bytesInUse());
        assertEquals(1024, allocator.stats().bytesCached());
        CachingAllocator.Block again = allocator.allocate(900); // same class: the cached block comes back
        assertEquals(b.address(), again.address());
        assertEquals(1000, allocator.stats().peakBytesInUse());
    }

    @Test
    void outOfMemoryFlushesTheCacheRetriesOnceThenThrowsWithFigures() {
        FakeDevice device = new FakeDevice(10_000);
        CachingAllocator allocator = new CachingAllocator(device);
        CachingAllocator.Block small = allocator.allocate(4000);
        allocator.release(small); // 4096 bytes now cached
        CachingAllocator.Block big = allocator.allocate(7000); // needs the cache back: flush and retry
        assertEquals(1, device.frees);
        assertTrue(device.quiesces >= 1, "the device is waited for before memory goes back to the driver");
        assertEquals(0, allocator.stats().bytesCached());
        CudaOutOfMemoryException e = assertThrows(CudaOutOfMemoryException.class, () -> allocator.allocate(5000));
        assertEquals(5120, e.requestedBytes());
        assertEquals(10_000 - 7168, e.freeBytes());
        assertEquals(10_000, e.totalBytes());
        assertTrue(e.getMessage().contains("asked for 5120 bytes"), e.getMessage());
        assertTrue(e.getMessage().contains("CUDA_ERROR_OUT_OF_MEMORY"), e.getMessage());
        // the allocator is still usable: free and retry
        allocator.release(big);
        CachingAllocator.Block retry = allocator.allocate(5000);
        assertEquals(5000, allocator.bytesInUse());
        allocator.release(retry);
    }

    @Test
    void releasingTwiceIsAnErrorNotACorruption() {
        CachingAllocator allocator = new CachingAllocator(new FakeDevice(1 << 20));
        CachingAllocator.Block b = allocator.allocate(100);
        allocator.release(b);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> allocator.release(b));
        assertTrue(e.getMessage().contains("released twice"), e.getMessage());
        CachingAllocator.Block c = allocator.allocate(100);
        CachingAllocator.Block d = allocator.allocate(100);
        assertNotEquals(c.address(), d.address(), "a block is never handed out twice");
    }

    @Test
    void closeReturnsEverythingIncludingLiveBlocksAndLaterReleasesAreHarmless() {
        FakeDevice device = new FakeDevice(1 << 20);
        CachingAllocator allocator = new CachingAllocator(device);
        CachingAllocator.Block live = allocator.allocate(3000);
        allocator.release(allocator.allocate(5000));
        allocator.close();
        assertTrue(device.live.isEmpty(), "every driver block is freed on close");
        allocator.release(live); // a tensor closed after its backend: nothing happens
        allocator.close(); // idempotent
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> allocator.allocate(1));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
    }
}
