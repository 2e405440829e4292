package dev.ingot.cpu;

import dev.ingot.core.Backend;
import dev.ingot.core.DType;
import dev.ingot.core.KernelChecks;
import dev.ingot.core.Shape;
import dev.ingot.core.Tensor;
import dev.ingot.core.spec.AdamSpec;
import dev.ingot.core.spec.BatchNormSpec;
import dev.ingot.core.spec.Conv2dGeometry;
import dev.ingot.core.spec.Conv2dSpec;
import dev.ingot.core.spec.CrossEntropySpec;
import dev.ingot.core.spec.DropoutSpec;
import dev.ingot.core.spec.GeluApproximation;
import dev.ingot.core.spec.GemmGeometry;
import dev.ingot.core.spec.ImageNormalization;
import dev.ingot.core.spec.Pool2dGeometry;
import dev.ingot.core.spec.Pool2dSpec;
import dev.ingot.core.spec.SgdSpec;
import dev.ingot.cpu.kernels.ActivationKernels;
import dev.ingot.cpu.kernels.BatchNormKernels;
import dev.ingot.cpu.kernels.ConcatKernels;
import dev.ingot.cpu.kernels.Conv2dKernels;
import dev.ingot.cpu.kernels.DropoutKernels;
import dev.ingot.cpu.kernels.ElementwiseKernels;
import dev.ingot.cpu.kernels.GeluKernels;
import dev.ingot.cpu.kernels.GemmKernels;
import dev.ingot.cpu.kernels.GlobalPoolKernels;
import dev.ingot.cpu.kernels.ImageKernels;
import dev.ingot.cpu.kernels.LossKernels;
import dev.ingot.cpu.kernels.OptimizerKernels;
import dev.ingot.cpu.kernels.PoolKernels;
import dev.ingot.cpu.kernels.SoftmaxKernels;
import dev.ingot.cpu.parallel.Parallel;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The CPU backend: tensors are Java arrays, kernels are Vector-API loops in
 * {@link dev.ingot.cpu.kernels}, split over the {@link Parallel#shared() shared} thread pool.
 *
 * <p>This class only checks arguments (through {@link KernelChecks}), unwraps arrays and calls the
 * kernel; the math lives in the kernel classes, one family per class.
 */
public final class CpuBackend implements Backend {
    /** Set by {@link #close}; every later call is rejected (see {@link KernelChecks#open}). */
    private volatile boolean closed;
    /** Largest array the JVM reliably allocates. */
    private static final int MAX_ELEMENTS = Integer.MAX_VALUE - 8;

    private final Parallel parallel = Parallel.shared();
    private final AtomicLong bytesInUse = new AtomicLong();
    private final Conv2dKernels conv = new Conv2dKernels(parallel);
    private final ImageKernels images = new ImageKernels(parallel);

    static String vectorDescription() {
        return dev.ingot.cpu.kernels.VectorShape.PREFERRED.describe();
    }

    @Override
    public String name() {
        return "cpu";
    }

    @Override
    public String description() {
        return "cpu: " + vectorDescription() + ", " + parallel.threads() + " threads";
    }

    // ---------------------------------------------------------------- memory

    private static float[] f(Tensor t) {
        return ((CpuStorage) t.storage()).floats();
    }

    private static int[] i(Tensor t) {
        return ((CpuStorage) t.storage()).ints();
    }

    private static int n(Tensor t) {
        return (int) t.size();
    }

    @Override
    public Tensor zeros(Shape shape, DType dtype) {
        int size = KernelChecks.allocation(this, "zeros", shape, dtype, MAX_ELEMENTS, "the largest Java array");
        CpuStorage storage = dtype == DType.FLOAT32
                ? CpuStorage.ofFloats(size, bytesInUse)
                : CpuStorage.ofInts(size, bytesInUse);
        return Tensor.create(this, shape, dtype, storage);
    }

    @Override
    public void copyFromHost(float[] src, Tensor dst) {
        KernelChecks.copyFromHost(this, src == null ? -1 : src.length, DType.FLOAT32, dst);
        System.arraycopy(src, 0, f(dst), 0, src.length);
    }

    @Override
    public void copyFromHost(int[] src, Tensor dst) {
        KernelChecks.copyFromHost(this, src == null ? -1 : src.length, DType.INT32, dst);
        System.arraycopy(src, 0, i(dst), 0, src.length);
    }

    @Override
    public void copyToHost(Tensor src, float[] dst) {
        KernelChecks.copyToHost(this, src, DType.FLOAT32, dst == null ? -1 : dst.length);
        System.arraycopy(f(src), 0, dst, 0, dst.length);
    }

    @Override
    public void copyToHost(Tensor src, int[] dst) {
        KernelChecks.copyToHost(this, src, DType.INT32, dst == null ? -1 : dst.length);
        System.arraycopy(i(src), 0, dst, 0, dst.length);
    }

    @Override
    public void copy(Tensor src, Tensor dst) {
        KernelChecks.copy(this, src, dst);
        if (src.dtype() == DType.FLOAT32) {
            System.arraycopy(f(src), 0, f(dst), 0, n(src));
        } else {
            System.arraycopy(i(src), 0, i(dst), 0, n(src));
        }
    }

    @Override
    public void fill(Tensor dst, float value) {
        KernelChecks.fill(this, dst);
        Arrays.fill(f(dst), value);
    }

    @Override
    public long bytesInUse() {
        return bytesInUse.get();
    }

    // ---------------------------------------------------------------- gemm

    @Override
    public void gemm(boolean transA, boolean transB, float alpha, Tensor a, Tensor b, float beta, Tensor c) {
        GemmGeometry g = KernelChecks.gemm(this, transA, transB, a, b, c);
        GemmKernels.sgemm(parallel, transA, transB, g.m(), g.n(), g.k(), alpha,
                f(a), 0, a.shape().dim(1), f(b), 0, b.shape().dim(1), beta, f(c), 0, g.n());
    }

    // ---------------------------------------------------------------- convolution

    @Override
    public void conv2dForward(Tensor x, Tensor w, Tensor b, Conv2dSpec spec, Tensor y) {
        Conv2dGeometry g = KernelChecks.conv2dForward(this, x, w, b, spec, y);
        conv.forward(g, f(x), f(w), b == null ? null : f(b), f(y));
    }

    @Override
    public void conv2dBackwardData(Tensor dy, Tensor w, Conv2dSpec spec, Tensor dx) {
        Conv2dGeometry g = KernelChecks.conv2dBackwardData(this, dy, w, spec, dx);
        conv.backwardData(g, f(dy), f(w), f(dx));
    }

    @Override
    public void conv2dBackwardFilter(Tensor x, Tensor dy, Conv2dSpec spec, Tensor dw) {
        Conv2dGeometry g = KernelChecks.conv2dBackwardFilter(this, x, dy, spec, dw);
        conv.backwardFilter(g, f(x), f(dy), f(dw));
    }

    @Override
    public void conv2dBackwardBias(Tensor dy, Tensor db) {
        KernelChecks.conv2dBackwardBias(this, dy, db);
        Shape s = dy.shape();
        conv.backwardBias(s.dim(0), s.dim(1), s.dim(2) * s.dim(3), f(dy), f(db));
    }

    // ---------------------------------------------------------------- pooling

    @Override
    public void maxPool2dForward(Tensor x, Pool2dSpec spec, Tensor y) {
        Pool2dGeometry g = KernelChecks.pool2dForward(this, "maxPool2dForward", x, spec, y);
        PoolKernels.maxForward(parallel, g, f(x), f(y));
    }

    @Override
    public void maxPool2dBackward(Tensor x, Tensor y, Tensor dy, Pool2dSpec spec, Tensor dx) {
        Pool2dGeometry g = KernelChecks.maxPool2dBackward(this, x, y, dy, spec, dx);
        PoolKernels.maxBackward(parallel, g, f(x), f(y), f(dy), f(dx));
    }

    @Override
    public void avgPool2dForward(Tensor x, Pool2dSpec spec, Tensor y) {
        Pool2dGeometry g = KernelChecks.pool2dForward(this, "avgPool2dForward", x, spec, y);
        PoolKernels.avgForward(parallel, g, f(x), f(y));
    }

    @Override
    public void avgPool2dBackward(Tensor dy, Pool2dSpec spec, Tensor dx) {
        Pool2dGeometry g = KernelChecks.avgPool2dBackward(this, dy, spec, dx);
        PoolKernels.avgBackward(parallel, g, f(dy), f(dx));
    }

    @Override
    public void globalAvgPool2dForward(Tensor x, Tensor y) {
        KernelChecks.globalAvgPool2dForward(this, x, y);
        Shape s = x.shape();
        GlobalPoolKernels.forward(parallel, f(x), f(y), s.dim(0) * s.dim(1), s.dim(2) * s.dim(3));
    }

    @Override
    public void globalAvgPool2dBackward(Tensor dy, Tensor dx) {
        KernelChecks.globalAvgPool2dBackward(this, dy, dx);
        Shape s = dx.shape();
        GlobalPoolKernels.backward(parallel, f(dy), f(dx), s.dim(0) * s.dim(1), s.dim(2) * s.dim(3));
    }

    // ---------------------------------------------------------------- normalisation

    @Override
    public void batchNorm2dForwardTraining(Tensor x, Tensor gamma, Tensor beta, BatchNormSpec spec,
            Tensor runningMean, Tensor runningVar, Tensor y, Tensor saveMean, Tensor saveInvStd) {
        KernelChecks.batchNorm2dForwardTraining(this, x, gamma, beta, spec, runningMean, runningVar, y, saveMean,
                saveInvStd);
        Shape s = x.shape();
        BatchNormKernels.forwardTraining(parallel, f(x), f(gamma), f(beta), spec.epsilon(), spec.momentum(),
                f(runningMean), f(runningVar), f(y), f(saveMean), f(saveInvStd), s.dim(0), s.dim(1),
                s.dim(2) * s.dim(3));
    }

    @Override
    public void batchNorm2dForwardInference(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean,
            Tensor runningVar, BatchNormSpec spec, Tensor y) {
        KernelChecks.batchNorm2dForwardInference(this, x, gamma, beta, runningMean, runningVar, spec, y);
        Shape s = x.shape();
        BatchNormKernels.forwardInference(parallel, f(x), f(gamma), f(beta), f(runningMean), f(runningVar),
                spec.epsilon(), f(y), s.dim(0), s.dim(1), s.dim(2) * s.dim(3));
    }

    @Override
    public void batchNorm2dBackward(Tensor x, Tensor dy, Tensor gamma, Tensor saveMean, Tensor saveInvStd,
            Tensor dx, Tensor dgamma, Tensor dbeta) {
        KernelChecks.batchNorm2dBackward(this, x, dy, gamma, saveMean, saveInvStd, dx, dgamma, dbeta);
        Shape s = x.shape();
        BatchNormKernels.backward(parallel, f(x), f(dy), f(gamma), f(saveMean), f(saveInvStd),
                dx == null ? null : f(dx), f(dgamma), f(dbeta), s.dim(0), s.dim(1), s.dim(2) * s.dim(3));
    }

    // ---------------------------------------------------------------- activations

    @Override
    public void reluForward(Tensor x, Tensor y) {
        KernelChecks.elementwise(this, "reluForward", new String[] {"x", "y"}, x, y);
        ActivationKernels.reluForward(parallel, f(x), f(y), n(x));
    }

    @Override
    public void reluBackward(Tensor y, Tensor dy, Tensor dx) {
        KernelChecks.elementwise(this, "reluBackward", new String[] {"y", "dy", "dx"}, y, dy, dx);
        ActivationKernels.reluBackward(parallel, f(y), f(dy), f(dx), n(y));
    }

    @Override
    public void geluForward(Tensor x, GeluApproximation approximation, Tensor y) {
        KernelChecks.geluForward(this, x, approximation, y);
        GeluKernels.forward(parallel, f(x), f(y), n(x), approximation == GeluApproximation.NONE);
    }

    @Override
    public void geluBackward(Tensor x, Tensor dy, GeluApproximation approximation, Tensor dx) {
        KernelChecks.geluBackward(this, x, dy, approximation, dx);
        GeluKernels.backward(parallel, f(x), f(dy), f(dx), n(x), approximation == GeluApproximation.NONE);
    }

    @Override
    public void softmaxForward(Tensor x, Tensor y) {
        KernelChecks.rowwise(this, "softmaxForward", new String[] {"x", "y"}, x, y);
        SoftmaxKernels.softmaxForward(parallel, f(x), f(y), x.shape().dim(0), x.shape().dim(1));
    }

    @Override
    public void softmaxBackward(Tensor y, Tensor dy, Tensor dx) {
        KernelChecks.rowwise(this, "softmaxBackward", new String[] {"y", "dy", "dx"}, y, dy, dx);
        SoftmaxKernels.softmaxBackward(parallel, f(y), f(dy), f(dx), y.shape().dim(0), y.shape().dim(1));
    }

    @Override
    public void logSoftmaxForward(Tensor x, Tensor y) {
        KernelChecks.rowwise(this, "logSoftmaxForward", new String[] {"x", "y"}, x, y);
        SoftmaxKernels.logSoftmaxForward(parallel, f(x), f(y), x.shape().dim(0), x.shape().dim(1));
    }

    @Override
    public void logSoftmaxBackward(Tensor y, Tensor dy, Tensor dx) {
        KernelChecks.rowwise(this, "logSoftmaxBackward", new String[] {"y", "dy", "dx"}, y, dy, dx);
        SoftmaxKernels.logSoftmaxBackward(parallel, f(y), f(dy), f(dx), y.shape().dim(0), y.shape().dim(1));
    }

    // ---------------------------------------------------------------- loss

    @Override
    public void softmaxCrossEntropy(Tensor logits, Tensor labels, Tensor loss, Tensor gradLogits) {
        KernelChecks.softmaxCrossEntropy(this, logits, labels, loss, gradLogits);
        f(loss)[0] = LossKernels.softmaxCrossEntropy(parallel, f(logits), i(labels),
                logits.shape().dim(0), logits.shape().dim(1), gradLogits == null ? null : f(gradLogits));
    }

    @Override
    public void softmaxCrossEntropy(Tensor logits, Tensor labels, CrossEntropySpec spec, Tensor loss,
                                    Tensor gradLogits) {
        KernelChecks.softmaxCrossEntropy(this, logits, labels, spec, loss, gradLogits);
        if (spec.plain()) {
            softmaxCrossEntropy(logits, labels, loss, gradLogits);
            return;
        }
        f(loss)[0] = LossKernels.softmaxCrossEntropy(parallel, f(logits), i(labels), logits.shape().dim(0),
                logits.shape().dim(1), spec, gradLogits == null ? null : f(gradLogits));
    }

    // ---------------------------------------------------------------- optimizers

    @Override
    public void adamStep(Tensor param, Tensor grad, Tensor m, Tensor v, AdamSpec spec, long step) {
        KernelChecks.adamStep(this, param, grad, m, v, spec, step);
        OptimizerKernels.adam(parallel, f(param), f(grad), f(m), f(v), n(param), spec, step);
    }

    @Override
    public void sgdStep(Tensor param, Tensor grad, Tensor velocity, SgdSpec spec) {
        KernelChecks.sgdStep(this, param, grad, velocity, spec);
        OptimizerKernels.sgd(parallel, f(param), f(grad), velocity == null ? null : f(velocity), n(param), spec);
    }

    @Override
    public void sgdStep(Tensor param, Tensor grad, Tensor velocity, SgdSpec spec, float weightDecay, boolean decoupled) {
        KernelChecks.sgdStep(this, param, grad, velocity, spec, weightDecay);
        OptimizerKernels.sgdWithDecay(parallel, f(param), f(grad), velocity == null ? null : f(velocity), n(param), spec,
                weightDecay, decoupled);
    }

    @Override
    public void adamStep(Tensor param, Tensor grad, Tensor m, Tensor v, AdamSpec spec, long step, float weightDecay,
                         boolean decoupled) {
        KernelChecks.adamStep(this, param, grad, m, v, spec, step, weightDecay);
        OptimizerKernels.adamWithDecay(parallel, f(param), f(grad), f(m), f(v), n(param), spec, step, weightDecay,
                decoupled);
    }

    // ---------------------------------------------------------------- dropout

    @Override
    public void dropoutForward(Tensor x, DropoutSpec spec, Tensor y, Tensor mask) {
        KernelChecks.dropoutForward(this, x, spec, y, mask);
        DropoutKernels.forward(parallel, f(x), f(y), f(mask), n(x), spec);
    }

    // ---------------------------------------------------------------- element-wise and reductions

    @Override
    public void add(Tensor a, Tensor b, Tensor out) {
        KernelChecks.elementwise(this, "add", new String[] {"a", "b", "out"}, a, b, out);
        ElementwiseKernels.add(parallel, f(a), f(b), f(out), n(a));
    }

    @Override
    public void multiply(Tensor a, Tensor b, Tensor out) {
        KernelChecks.elementwise(this, "multiply", new String[] {"a", "b", "out"}, a, b, out);
        ElementwiseKernels.multiply(parallel, f(a), f(b), f(out), n(a));
    }

    @Override
    public void scale(Tensor x, float alpha, Tensor out) {
        KernelChecks.elementwise(this, "scale", new String[] {"x", "out"}, x, out);
        ElementwiseKernels.scale(parallel, f(x), alpha, f(out), n(x));
    }

    @Override
    public void axpy(float alpha, Tensor x, Tensor y) {
        KernelChecks.elementwise(this, "axpy", new String[] {"x", "y"}, x, y);
        ElementwiseKernels.axpy(parallel, alpha, f(x), f(y), n(x));
    }

    @Override
    public void concatChannels(List<Tensor> inputs, Tensor y) {
        int[] channels = KernelChecks.concatChannels(this, inputs, y);
        float[][] arrays = new float[channels.length][];
        for (int k = 0; k < arrays.length; k++) {
            arrays[k] = f(inputs.get(k));
        }
        ConcatKernels.forward(parallel, arrays, channels, f(y), y.shape().dim(0), (int) y.shape().sizeFrom(2));
    }

    @Override
    public void concatChannelsBackward(Tensor dy, List<Tensor> dInputs) {
        int[] channels = KernelChecks.concatChannelsBackward(this, dy, dInputs);
        float[][] arrays = new float[channels.length][];
        for (int k = 0; k < arrays.length; k++) {
            arrays[k] = dInputs.get(k) == null ? null : f(dInputs.get(k));
        }
        ConcatKernels.backward(parallel, f(dy), arrays, channels, dy.shape().dim(0), (int) dy.shape().sizeFrom(2));
    }

    @Override
    public void biasAdd(Tensor x, Tensor bias, Tensor out) {
        KernelChecks.biasAdd(this, x, bias, out);
        Shape s = x.shape();
        ElementwiseKernels.biasAdd(parallel, f(x), f(bias), f(out), s.dim(0), s.dim(1), (int) s.sizeFrom(2));
    }

    @Override
    public void imagesFromHost(byte[] pixels, int offset, ImageNormalization spec, Tensor y) {
        KernelChecks.imagesFromHost(this, pixels == null ? -1 : pixels.length, offset, spec, y);
        Shape s = y.shape();
        images.fromHost(pixels, offset, spec, f(y), s.dim(0), s.dim(1), s.dim(2) * s.dim(3));
    }

    @Override
    public void sumOverBatch(Tensor x, Tensor out) {
        KernelChecks.sumOverBatch(this, x, out);
        ElementwiseKernels.sumOverBatch(parallel, f(x), f(out), x.shape().dim(0), (int) x.shape().sizeFrom(1));
    }

    @Override
    public void argmax(Tensor x, Tensor indices) {
        KernelChecks.argmax(this, x, indices);
        ElementwiseKernels.argmax(parallel, f(x), i(indices), x.shape().dim(0), x.shape().dim(1));
    }

    @Override
    public long countCorrect(Tensor logits, Tensor labels) {
        KernelChecks.countCorrect(this, logits, labels);
        return ElementwiseKernels.countCorrect(parallel, f(logits), i(labels), logits.shape().dim(0),
                logits.shape().dim(1));
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    @Override
    public void close() {
        closed = true;
        conv.close();
    }

    @Override
    public String toString() {
        return description();
    }
}
