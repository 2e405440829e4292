package dev.ingot.cuda.cudnn;

import dev.ingot.core.spec.Pool2dGeometry;
import dev.ingot.core.spec.Pool2dSpec;
import dev.ingot.cuda.ffm.Cudnn;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static dev.ingot.cuda.ffm.Cudnn.check;

/**
 * The plan of one pooling shape and mode: descriptors for x {@code (N, C, H, W)}, y {@code (N, C, P, Q)}
 * and the window. Max pooling is {@code CUDNN_POOLING_MAX} (padding never wins; NaN propagates);
 * average pooling is {@code CUDNN_POOLING_AVERAGE_COUNT_EXCLUDE_PADDING}, the mean over the window's
 * real pixels, as {@link Pool2dSpec} defines it. Only the forward passes run in cuDNN; see
 * {@code pooling.cu} for why the backward passes are our own kernels.
 */
public final class CudnnPooling implements AutoCloseable {
    private final Pool2dGeometry g;
    private final int mode;
    private final TensorDescriptor xDesc;
    private final TensorDescriptor yDesc;
    private final MemorySegment poolDesc;
    private boolean closed;

    /**
     * @param mode {@link Cudnn#CUDNN_POOLING_MAX}, {@link Cudnn#CUDNN_POOLING_AVERAGE_COUNT_EXCLUDE_PADDING} or
     *             {@link Cudnn#CUDNN_POOLING_AVERAGE_COUNT_INCLUDE_PADDING}
     */
    public CudnnPooling(Pool2dGeometry g, int mode) {
        this.g = g;
        this.mode = mode;
        Pool2dSpec s = g.spec();
        TensorDescriptor x = new TensorDescriptor(g.n(), g.c(), g.h(), g.w());
        TensorDescriptor y = null;
        MemorySegment pool = null;
        try {
            y = new TensorDescriptor(g.n(), g.c(), g.p(), g.q());
            pool = Descriptors.create(Cudnn::cudnnCreatePoolingDescriptor, "cudnnCreatePoolingDescriptor");
            check(Cudnn.cudnnSetPooling2dDescriptor(pool, mode, Cudnn.CUDNN_PROPAGATE_NAN, s.kernelH(), s.kernelW(),
                    s.padH(), s.padW(), s.strideH(), s.strideW()), "cudnnSetPooling2dDescriptor", s.toString());
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment dims = arena.allocate(ValueLayout.JAVA_INT, 4);
                check(Cudnn.cudnnGetPooling2dForwardOutputDim(pool, x.handle(), dims, dims.asSlice(4), dims.asSlice(8),
                        dims.asSlice(12)), "cudnnGetPooling2dForwardOutputDim", describe());
                int[] got = dims.toArray(ValueLayout.JAVA_INT);
                if (got[0] != g.n() || got[1] != g.c() || got[2] != g.p() || got[3] != g.q()) {
                    throw new IllegalStateException("cuDNN computes pooling output " + java.util.Arrays.toString(got)
                            + " for " + describe() + " but Ingot's Pool2dGeometry says " + g.outputShape());
                }
            }
        } catch (RuntimeException e) {
            if (pool != null) {
                Cudnn.cudnnDestroyPoolingDescriptor(pool);
            }
            if (y != null) {
                y.close();
            }
            x.close();
            throw e;
        }
        this.xDesc = x;
        this.yDesc = y;
        this.poolDesc = pool;
    }

    /** {@code y = pool(x)}, overwritten. */
    public void forward(MemorySegment handle, MemorySegment one, MemorySegment zero, long x, long y) {
        check(Cudnn.cudnnPoolingForward(handle, poolDesc, one, xDesc.handle(), MemorySegment.ofAddress(x), zero,
                yDesc.handle(), MemorySegment.ofAddress(y)), "cudnnPoolingForward", describe());
    }

    private String describe() {
        return (mode == Cudnn.CUDNN_POOLING_MAX ? "max" : "average") + " pooling x " + g.inputShape() + ", "
                + g.spec();
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        check(Cudnn.cudnnDestroyPoolingDescriptor(poolDesc), "cudnnDestroyPoolingDescriptor");
        yDesc.close();
        xDesc.close();
    }
}
