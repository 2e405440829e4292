package dev.ingot.cpu.kernels;

import dev.ingot.core.spec.Conv2dGeometry;

/**
 * The scratch memory of one convolution shape (batch size aside), made once and reused by every
 * call with that shape so that a training step allocates nothing: one im2col column buffer
 * (C*R*S x P*Q) per worker, and, once the shape's filter gradient has been asked for, one partial
 * weight gradient (K x C*R*S) per worker beyond the first.
 *
 * <p>Used by one {@link Conv2dKernels} call at a time; within a call, worker {@code part} touches
 * only the buffers of index {@code part}.
 */
final class Conv2dPlan {
    /** Rows of the column matrix: C*R*S. */
    final int crs;
    /** Columns of the column matrix: P*Q output pixels. */
    final int pq;
    /** Floats per input image: C*H*W. */
    final int chw;
    /** Floats per output image: K*P*Q. */
    final int kpq;
    /**
     * A 1x1 kernel with stride 1, no padding (dilation is then irrelevant): the column matrix of an
     * image is the image itself, (C, H*W), so no im2col is needed.
     */
    final boolean pointwise;

    private final float[][] columns;
    private float[][] filterPartials;

    Conv2dPlan(Conv2dGeometry g, int parts) {
        this.crs = g.c() * g.r() * g.s();
        this.pq = g.p() * g.q();
        this.chw = g.c() * g.h() * g.w();
        this.kpq = g.k() * pq;
        this.pointwise = g.r() == 1 && g.s() == 1 && g.spec().strideH() == 1 && g.spec().strideW() == 1
                && g.spec().padH() == 0 && g.spec().padW() == 0;
        this.columns = new float[parts][];
        if (!pointwise) {
            long size = (long) crs * pq;
            if (size > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("conv2d: the im2col buffer of " + g + " would need " + size
                        + " floats, more than a Java array holds");
            }
            for (int i = 0; i < parts; i++) {
                columns[i] = new float[(int) size];
            }
        }
    }

    /** Worker {@code part}'s column buffer (C*R*S x P*Q); only for non-pointwise shapes. */
    float[] columns(int part) {
        return columns[part];
    }

    /** Number of workers this plan has buffers for. */
    int parts() {
        return columns.length;
    }

    /**
     * Worker {@code part}'s partial weight gradient (K x C*R*S), for {@code part >= 1}; worker 0
     * writes into the caller's gradient. Allocated on the first backward-filter call, from the
     * calling thread.
     */
    float[] filterPartial(int part) {
        return filterPartials[part];
    }

    /** Makes the partial weight gradients exist; called on the calling thread before work is split. */
    void ensureFilterPartials(int weights) {
        if (filterPartials == null) {
            float[][] partials = new float[columns.length][];
            for (int i = 1; i < partials.length; i++) {
                partials[i] = new float[weights];
            }
            filterPartials = partials;
        }
    }
}
