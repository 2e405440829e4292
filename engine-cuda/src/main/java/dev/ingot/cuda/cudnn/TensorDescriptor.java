package dev.ingot.cuda.cudnn;

import dev.ingot.cuda.ffm.Cudnn;

import java.lang.foreign.MemorySegment;

/** A packed NCHW float32 {@code cudnnTensorDescriptor_t} of {@code (n, c, h, w)}. */
public final class TensorDescriptor implements AutoCloseable {
    private final MemorySegment handle;
    private final String shape;
    private boolean closed;

    public TensorDescriptor(int n, int c, int h, int w) {
        this.shape = "[" + n + ", " + c + ", " + h + ", " + w + "]";
        handle = Descriptors.create(Cudnn::cudnnCreateTensorDescriptor, "cudnnCreateTensorDescriptor");
        int status = Cudnn.cudnnSetTensor4dDescriptor(handle, Cudnn.CUDNN_TENSOR_NCHW, Cudnn.CUDNN_DATA_FLOAT, n, c, h, w);
        if (status != Cudnn.CUDNN_STATUS_SUCCESS) {
            Cudnn.cudnnDestroyTensorDescriptor(handle);
            Cudnn.check(status, "cudnnSetTensor4dDescriptor", "NCHW float " + shape);
        }
    }

    public MemorySegment handle() {
        return handle;
    }

    @Override
    public String toString() {
        return shape;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        Cudnn.check(Cudnn.cudnnDestroyTensorDescriptor(handle), "cudnnDestroyTensorDescriptor");
    }
}
