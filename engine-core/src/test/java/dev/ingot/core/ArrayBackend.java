package dev.ingot.core;

import dev.ingot.core.spec.AdamSpec;
import dev.ingot.core.spec.BatchNormSpec;
import dev.ingot.core.spec.Conv2dSpec;
import dev.ingot.core.spec.DropoutSpec;
import dev.ingot.core.spec.GeluApproximation;
import dev.ingot.core.spec.Pool2dSpec;
import dev.ingot.core.spec.SgdSpec;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A test fixture, not a backend we ship: tensors as Java arrays with the memory operations that
 * {@link Tensor} and {@link TensorScope} use, and no kernels (engine-core has none; the real
 * backends and the reference live in other modules, which engine-core cannot depend on). It counts
 * live bytes and releases, so that tests can see what a close or a scope really freed.
 */
final class ArrayBackend implements Backend {
    final AtomicLong bytesInUse = new AtomicLong();
    final AtomicLong releases = new AtomicLong();
    private final String name;

    ArrayBackend(String name) {
        this.name = name;
    }

    ArrayBackend() {
        this("array");
    }

    /** Memory of one tensor: a float[] or an int[]. */
    final class ArrayStorage implements Storage {
        final float[] floats;
        final int[] ints;

        ArrayStorage(DType dtype, int n) {
            floats = dtype == DType.FLOAT32 ? new float[n] : null;
            ints = dtype == DType.INT32 ? new int[n] : null;
            bytesInUse.addAndGet(byteSize());
        }

        @Override
        public long byteSize() {
            return 4L * (floats != null ? floats.length : ints.length);
        }

        @Override
        public void release() {
            releases.incrementAndGet();
            bytesInUse.addAndGet(-byteSize());
        }
    }

    private ArrayStorage s(Tensor t) {
        return (ArrayStorage) t.storage();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String description() {
        return name + ": engine-core test fixture";
    }

    @Override
    public Tensor zeros(Shape shape, DType dtype) {
        if (shape == null || dtype == null) {
            throw new IllegalArgumentException("zeros: shape and dtype must not be null");
        }
        return Tensor.create(this, shape, dtype, new ArrayStorage(dtype, Math.toIntExact(shape.size())));
    }

    @Override
    public void copyFromHost(float[] src, Tensor dst) {
        KernelChecks.copyFromHost(this, src == null ? -1 : src.length, DType.FLOAT32, dst);
        System.arraycopy(src, 0, s(dst).floats, 0, src.length);
    }

    @Override
    public void copyFromHost(int[] src, Tensor dst) {
        KernelChecks.copyFromHost(this, src == null ? -1 : src.length, DType.INT32, dst);
        System.arraycopy(src, 0, s(dst).ints, 0, src.length);
    }

    @Override
    public void copyToHost(Tensor src, float[] dst) {
        KernelChecks.copyToHost(this, src, DType.FLOAT32, dst == null ? -1 : dst.length);
        System.arraycopy(s(src).floats, 0, dst, 0, dst.length);
    }

    @Override
    public void copyToHost(Tensor src, int[] dst) {
        KernelChecks.copyToHost(this, src, DType.INT32, dst == null ? -1 : dst.length);
        System.arraycopy(s(src).ints, 0, dst, 0, dst.length);
    }

    @Override
    public void copy(Tensor src, Tensor dst) {
        KernelChecks.copy(this, src, dst);
        if (src.dtype() == DType.FLOAT32) {
            System.arraycopy(s(src).floats, 0, s(dst).floats, 0, (int) src.size());
        } else {
            System.arraycopy(s(src).ints, 0, s(dst).ints, 0, (int) src.size());
        }
    }

    @Override
    public void fill(Tensor dst, float value) {
        KernelChecks.fill(this, dst);
        Arrays.fill(s(dst).floats, value);
    }

    @Override
    public long bytesInUse() {
        return bytesInUse.get();
    }

    private static UnsupportedOperationException noKernels() {
        return new UnsupportedOperationException("the engine-core test fixture has no kernels");
    }

    @Override
    public void gemm(boolean transA, boolean transB, float alpha, Tensor a, Tensor b, float beta, Tensor c) {
        throw noKernels();
    }

    @Override
    public void conv2dForward(Tensor x, Tensor w, Tensor b, Conv2dSpec spec, Tensor y) {
        throw noKernels();
    }

    @Override
    public void conv2dBackwardData(Tensor dy, Tensor w, Conv2dSpec spec, Tensor dx) {
        throw noKernels();
    }

    @Override
    public void conv2dBackwardFilter(Tensor x, Tensor dy, Conv2dSpec spec, Tensor dw) {
        throw noKernels();
    }

    @Override
    public void conv2dBackwardBias(Tensor dy, Tensor db) {
        throw noKernels();
    }

    @Override
    public void maxPool2dForward(Tensor x, Pool2dSpec spec, Tensor y) {
        throw noKernels();
    }

    @Override
    public void maxPool2dBackward(Tensor x, Tensor y, Tensor dy, Pool2dSpec spec, Tensor dx) {
        throw noKernels();
    }

    @Override
    public void avgPool2dForward(Tensor x, Pool2dSpec spec, Tensor y) {
        throw noKernels();
    }

    @Override
    public void avgPool2dBackward(Tensor dy, Pool2dSpec spec, Tensor dx) {
        throw noKernels();
    }

    @Override
    public void globalAvgPool2dForward(Tensor x, Tensor y) {
        throw noKernels();
    }

    @Override
    public void globalAvgPool2dBackward(Tensor dy, Tensor dx) {
        throw noKernels();
    }

    @Override
    public void batchNorm2dForwardTraining(Tensor x, Tensor gamma, Tensor beta, BatchNormSpec spec,
            Tensor runningMean, Tensor runningVar, Tensor y, Tensor saveMean, Tensor saveInvStd) {
        throw noKernels();
    }

    @Override
    public void batchNorm2dForwardInference(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean,
            Tensor runningVar, BatchNormSpec spec, Tensor y) {
        throw noKernels();
    }

    @Override
    public void batchNorm2dBackward(Tensor x, Tensor dy, Tensor gamma, Tensor saveMean, Tensor saveInvStd,
            Tensor dx, Tensor dgamma, Tensor dbeta) {
        throw noKernels();
    }

    @Override
    public void geluForward(Tensor x, GeluApproximation approximation, Tensor y) {
        throw noKernels();
    }

    @Override
    public void geluBackward(Tensor x, Tensor dy, GeluApproximation approximation, Tensor dx) {
        throw noKernels();
    }

    @Override
    public void concatChannels(List<Tensor> inputs, Tensor y) {
        throw noKernels();
    }

    @Override
    public void concatChannelsBackward(Tensor dy, List<Tensor> dInputs) {
        throw noKernels();
    }

    @Override
    public void reluForward(Tensor x, Tensor y) {
        throw noKernels();
    }

    @Override
    public void reluBackward(Tensor y, Tensor dy, Tensor dx) {
        throw noKernels();
    }

    @Override
    public void softmaxForward(Tensor x, Tensor y) {
        throw noKernels();
    }

    @Override
    public void softmaxBackward(Tensor y, Tensor dy, Tensor dx) {
        throw noKernels();
    }

    @Override
    public void logSoftmaxForward(Tensor x, Tensor y) {
        throw noKernels();
    }

    @Override
    public void logSoftmaxBackward(Tensor y, Tensor dy, Tensor dx) {
        throw noKernels();
    }

    @Override
    public void softmaxCrossEntropy(Tensor logits, Tensor labels, Tensor loss, Tensor gradLogits) {
        throw noKernels();
    }

    @Override
    public void adamStep(Tensor param, Tensor grad, Tensor m, Tensor v, AdamSpec spec, long step) {
        throw noKernels();
    }

    @Override
    public void sgdStep(Tensor param, Tensor grad, Tensor velocity, SgdSpec spec) {
        throw noKernels();
    }

    @Override
    public void dropoutForward(Tensor x, DropoutSpec spec, Tensor y, Tensor mask) {
        throw noKernels();
    }

    @Override
    public void add(Tensor a, Tensor b, Tensor out) {
        throw noKernels();
    }

    @Override
    public void multiply(Tensor a, Tensor b, Tensor out) {
        throw noKernels();
    }

    @Override
    public void scale(Tensor x, float alpha, Tensor out) {
        throw noKernels();
    }

    @Override
    public void axpy(float alpha, Tensor x, Tensor y) {
        throw noKernels();
    }

    @Override
    public void biasAdd(Tensor x, Tensor bias, Tensor out) {
        throw noKernels();
    }

    @Override
    public void sumOverBatch(Tensor x, Tensor out) {
        throw noKernels();
    }

    @Override
    public void argmax(Tensor x, Tensor indices) {
        throw noKernels();
    }

    @Override
    public long countCorrect(Tensor logits, Tensor labels) {
        throw noKernels();
    }

    @Override
    public void close() {
    }
}
