package dev.ingot.cuda;

import dev.ingot.cuda.ffm.CudaDriver;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

import static dev.ingot.cuda.ffm.CudaDriver.check;

/**
 * Page-locked host buffers for host-device copies. Java arrays live on the moving heap, so a copy
 * goes array -> pinned buffer -> device ({@code cuMemcpyHtoDAsync} from pinned memory is a true DMA
 * that does not make the host wait), and back the same way.
 *
 * <p>A buffer used for an upload stays busy until an event recorded after its copy has fired; the
 * host only waits when every buffer is busy and the pool is at its limit. Copies larger than
 * {@link #CHUNK_BYTES} are split into chunks, so the pool never holds more than
 * {@link #POOL_LIMIT_BYTES} plus one chunk.
 */
@SuppressWarnings("restricted") // native access is this class's job; the JVM runs with --enable-native-access
final class PinnedStaging implements AutoCloseable {
    /** The largest piece of one copy. */
    static final long CHUNK_BYTES = 16L << 20;
    /** Pinned bytes kept; beyond this the host waits for a busy buffer instead of pinning more. */
    static final long POOL_LIMIT_BYTES = 64L << 20;

    /** One pinned buffer and the event that marks the end of the last copy that used it. */
    static final class Buffer {
        final MemorySegment host;
        final long capacity;
        final MemorySegment event;
        boolean busy;
        boolean pending;

        Buffer(MemorySegment host, long capacity, MemorySegment event) {
            this.host = host;
            this.capacity = capacity;
            this.event = event;
        }
    }

    private final CudaStream stream;
    private final List<Buffer> buffers = new ArrayList<>();
    private long pinnedBytes;
    private boolean closed;

    PinnedStaging(CudaStream stream) {
        this.stream = stream;
    }

    /** A buffer of at least {@code bytes} (at most {@link #CHUNK_BYTES}) that no queued copy still uses. */
    Buffer acquire(long bytes) {
        if (closed) {
            throw new IllegalStateException("the CUDA backend is closed");
        }
        if (bytes <= 0 || bytes > CHUNK_BYTES) {
            throw new IllegalArgumentException("staging request of " + bytes + " bytes; expected 1.." + CHUNK_BYTES);
        }
        for (Buffer b : buffers) {
            if (!b.busy && b.capacity >= bytes && finished(b)) {
                b.busy = true;
                return b;
            }
        }
        long capacity = SizeClasses.classOf(bytes);
        if (pinnedBytes + capacity > POOL_LIMIT_BYTES) {
            for (Buffer b : buffers) { // wait for the oldest busy-on-device buffer big enough
                if (!b.busy && b.capacity >= bytes) {
                    check(CudaDriver.cuEventSynchronize(b.event), "cuEventSynchronize", "pinned staging buffer");
                    b.pending = false;
                    b.busy = true;
                    return b;
                }
            }
            stream.synchronize();
            for (Buffer b : List.copyOf(buffers)) { // none big enough: drop idle small ones to stay near the limit
                if (!b.busy && pinnedBytes + capacity > POOL_LIMIT_BYTES) {
                    free(b);
                    buffers.remove(b);
                }
            }
        }
        Buffer b = allocate(capacity);
        b.busy = true;
        buffers.add(b);
        return b;
    }

    /** The copy that uses {@code b} has been queued: {@code b} is free once the stream gets past this point. */
    void releaseAfterQueuedWork(Buffer b) {
        check(CudaDriver.cuEventRecord(b.event, stream.handle()), "cuEventRecord", "pinned staging buffer");
        b.pending = true;
        b.busy = false;
    }

    /** The host has already waited for the copy that used {@code b}. */
    void releaseNow(Buffer b) {
        b.pending = false;
        b.busy = false;
    }

    private static boolean finished(Buffer b) {
        if (!b.pending) {
            return true;
        }
        int status = CudaDriver.cuEventQuery(b.event);
        if (status == CudaDriver.CUDA_ERROR_NOT_READY) {
            return false;
        }
        check(status, "cuEventQuery", "pinned staging buffer");
        b.pending = false;
        return true;
    }

    private Buffer allocate(long capacity) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ValueLayout.ADDRESS);
            check(CudaDriver.cuMemHostAlloc(out, capacity, 0), "cuMemHostAlloc", capacity + " bytes");
            MemorySegment host = out.get(ValueLayout.ADDRESS, 0).reinterpret(capacity);
            MemorySegment ev = arena.allocate(ValueLayout.ADDRESS);
            int status = CudaDriver.cuEventCreate(ev, CudaDriver.CU_EVENT_DISABLE_TIMING);
            if (status != CudaDriver.CUDA_SUCCESS) {
                CudaDriver.cuMemFreeHost(host);
                check(status, "cuEventCreate");
            }
            pinnedBytes += capacity;
            return new Buffer(host, capacity, ev.get(ValueLayout.ADDRESS, 0));
        }
    }

    private void free(Buffer b) {
        check(CudaDriver.cuEventDestroy(b.event), "cuEventDestroy_v2");
        check(CudaDriver.cuMemFreeHost(b.host), "cuMemFreeHost");
        pinnedBytes -= b.capacity;
    }

    /** Frees every buffer; the caller has synchronized the stream. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Buffer b : buffers) {
            free(b);
        }
        buffers.clear();
    }
}
