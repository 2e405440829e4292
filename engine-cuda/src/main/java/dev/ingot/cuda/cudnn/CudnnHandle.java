package dev.ingot.cuda.cudnn;

import dev.ingot.cuda.ffm.Cudnn;

import java.lang.foreign.MemorySegment;

/** A {@code cudnnHandle_t} bound to the backend's stream; destroyed on close. */
public final class CudnnHandle implements AutoCloseable {
    private final MemorySegment handle;
    private boolean closed;

    public CudnnHandle(MemorySegment stream) {
        handle = Descriptors.create(Cudnn::cudnnCreate, "cudnnCreate");
        int status = Cudnn.cudnnSetStream(handle, stream);
        if (status != Cudnn.CUDNN_STATUS_SUCCESS) {
            Cudnn.cudnnDestroy(handle);
            Cudnn.check(status, "cudnnSetStream");
        }
    }

    public MemorySegment handle() {
        return handle;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        Cudnn.check(Cudnn.cudnnDestroy(handle), "cudnnDestroy");
    }
}
