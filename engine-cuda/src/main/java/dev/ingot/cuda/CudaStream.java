package dev.ingot.cuda;

import dev.ingot.cuda.ffm.CudaDriver;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static dev.ingot.cuda.ffm.CudaDriver.check;

/**
 * The backend's one stream: every copy, kernel, cuDNN and cuBLAS call is queued on it, so they run
 * in issue order without any host waits; the host waits ({@link #synchronize()}) only to read a
 * value. Created with default flags (it also orders against the legacy NULL stream), so work a
 * library might put on the NULL stream cannot overtake ours.
 */
final class CudaStream implements AutoCloseable {
    private final MemorySegment handle;
    private boolean closed;

    CudaStream() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ValueLayout.ADDRESS);
            check(CudaDriver.cuStreamCreate(out, 0), "cuStreamCreate");
            handle = out.get(ValueLayout.ADDRESS, 0);
        }
    }

    MemorySegment handle() {
        return handle;
    }

    /** Waits for everything queued so far; a failure of an earlier asynchronous kernel surfaces here. */
    void synchronize() {
        check(CudaDriver.cuStreamSynchronize(handle), "cuStreamSynchronize",
                "an error here may come from any earlier asynchronous call");
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        check(CudaDriver.cuStreamDestroy(handle), "cuStreamDestroy_v2");
    }
}
