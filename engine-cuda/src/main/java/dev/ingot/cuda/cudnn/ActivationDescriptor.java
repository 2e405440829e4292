package dev.ingot.cuda.cudnn;

import dev.ingot.cuda.ffm.Cudnn;

import java.lang.foreign.MemorySegment;

/** A ReLU {@code cudnnActivationDescriptor_t} (NaN propagated, as {@code max(x, 0)} in Java propagates it). */
public final class ActivationDescriptor implements AutoCloseable {
    private final MemorySegment handle;
    private boolean closed;

    public ActivationDescriptor() {
        handle = Descriptors.create(Cudnn::cudnnCreateActivationDescriptor, "cudnnCreateActivationDescriptor");
        int status = Cudnn.cudnnSetActivationDescriptor(handle, Cudnn.CUDNN_ACTIVATION_RELU, Cudnn.CUDNN_PROPAGATE_NAN, 0.0);
        if (status != Cudnn.CUDNN_STATUS_SUCCESS) {
            Cudnn.cudnnDestroyActivationDescriptor(handle);
            Cudnn.check(status, "cudnnSetActivationDescriptor", "RELU");
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
        Cudnn.check(Cudnn.cudnnDestroyActivationDescriptor(handle), "cudnnDestroyActivationDescriptor");
    }
}
