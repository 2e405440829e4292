package dev.ingot.core;

import dev.ingot.core.spec.AdamSpec;
import dev.ingot.core.spec.BatchNormSpec;
import dev.ingot.core.spec.Conv2dSpec;
import dev.ingot.core.spec.CrossEntropySpec;
import dev.ingot.core.spec.DropoutSpec;
import dev.ingot.core.spec.GeluApproximation;
import dev.ingot.core.spec.ImageNormalization;
import dev.ingot.core.spec.Pool2dSpec;
import dev.ingot.core.spec.SgdSpec;

import java.util.List;

/**
 * One device's memory and kernels. Get one by name from {@link Backends}; close it when done.
 *
 * <pre>{@code
 * try (Backend b = Backends.get("cpu");            // or "cuda", or "auto"
 *      TensorScope scope = TensorScope.open()) {    // frees every tensor made below
 *     Tensor a = b.fromHost(Shape.of(2, 3), new float[] {1, 2, 3, 4, 5, 6});
 *     Tensor bt = b.fromHost(Shape.of(3, 2), new float[] {1, 0, 0, 1, 1, 1});
 *     Tensor c = b.zeros(Shape.of(2, 2));
 *     b.gemm(false, false, 1f, a, bt, 0f, c);        // c = a @ bt
 * }
 * }</pre>
 *
 * <h2>Contract every implementation keeps</h2>
 * <ul>
 *   <li>Kernels write into <em>explicit outputs</em> the caller allocated; they never allocate
 *       tensors the caller sees. Outputs are overwritten (not accumulated into), except where a
 *       method says otherwise ({@link #gemm}'s beta, {@link #axpy}).</li>
 *   <li>Every argument is checked before any work (or native call): null, closed, another
 *       backend's tensor, wrong dtype, rank or shape. Bad arguments throw
 *       {@link IllegalArgumentException} (or {@link IllegalStateException} for a closed tensor)
 *       whose message names the op, the argument, the shape it got and the shape it expected.
 *       {@link KernelChecks} holds these checks, so all backends reject the same inputs the same way.</li>
 *   <li>Element-wise kernels allow an output to be the same tensor as an input (in place); matrix
 *       products, convolutions and poolings require outputs that share no memory with inputs.</li>
 *   <li>Calls are issued from one thread at a time; a backend may run them asynchronously on its
 *       device, and the host waits only when it reads values ({@link Tensor#toFloatArray()},
 *       {@link #countCorrect}, {@link #synchronize()}).</li>
 * </ul>
 *
 * <p>Shapes use N (batch), C (channels in), K (channels out), H, W (input height, width),
 * R, S (kernel height, width) and P, Q (output height, width). All images are NCHW.
 */
public interface Backend extends AutoCloseable {

    /** The name it was found by: {@code "cpu"}, {@code "cuda"}. */
    String name();

    /** One line about what runs: device, vector width, threads, library versions. */
    String description();

    // ---------------------------------------------------------------- memory

    /** A new tensor of zeros. */
    Tensor zeros(Shape shape, DType dtype);

    /** A new float32 tensor of zeros. */
    default Tensor zeros(Shape shape) {
        return zeros(shape, DType.FLOAT32);
    }

    /** A new float32 tensor holding a copy of {@code data} (row-major, exactly {@code shape.size()} values). */
    default Tensor fromHost(Shape shape, float[] data) {
        KernelChecks.hostArray("fromHost", data == null ? -1 : data.length, shape);
        Tensor t = zeros(shape, DType.FLOAT32);
        copyFromHost(data, t);
        return t;
    }

    /** A new int32 tensor holding a copy of {@code data}. */
    default Tensor fromHost(Shape shape, int[] data) {
        KernelChecks.hostArray("fromHost", data == null ? -1 : data.length, shape);
        Tensor t = zeros(shape, DType.INT32);
        copyFromHost(data, t);
        return t;
    }

    /** Overwrites float32 {@code dst} with {@code src}, which has exactly {@code dst.size()} values. */
    void copyFromHost(float[] src, Tensor dst);

    /** Overwrites int32 {@code dst} with {@code src}. */
    void copyFromHost(int[] src, Tensor dst);

    /** Copies float32 {@code src} into {@code dst}, which has exactly {@code src.size()} elements. Waits for pending work. */
    void copyToHost(Tensor src, float[] dst);

    /** Copies int32 {@code src} into {@code dst}. Waits for pending work. */
    void copyToHost(Tensor src, int[] dst);

    /** {@code dst = src}; same dtype and number of elements (shapes may differ). */
    void copy(Tensor src, Tensor dst);

    /** Sets every element of float32 {@code dst} to {@code value}. */
    void fill(Tensor dst, float value);

    /** Bytes of tensor memory currently allocated and not yet closed (for leak tests). */
    long bytesInUse();

    /** Waits until all issued work is done (for timing); a no-op on synchronous backends. */
    default void synchronize() {
    }

    // ---------------------------------------------------------------- input images

    /**
     * A batch of 8-bit images from the host into float32 {@code y} (N, C, H, W):
     * {@code y[n,c,h,w] = (p / 255f - mean[c]) / std[c]} (see {@link ImageNormalization}; every
     * backend writes the same bits), where p is {@code pixels[offset + ((n*H + h)*W + w)*C + c] & 0xff}
     * for {@link ImageNormalization.Layout#NHWC} (interleaved, as decoded) or
     * {@code pixels[offset + ((n*C + c)*H + h)*W + w] & 0xff} for {@link ImageNormalization.Layout#NCHW}.
     * The pipeline hands batches over as bytes, so the host never holds a float copy of them, and a
     * GPU receives a quarter of the bytes. Not differentiable (an input, not a layer).
     *
     * @param pixels at least {@code offset + N*C*H*W} bytes, read as unsigned
     * @param offset index of the first byte of image 0
     * @param y      (N, C, H, W) float32, overwritten
     */
    void imagesFromHost(byte[] pixels, int offset, ImageNormalization spec, Tensor y);

    // ---------------------------------------------------------------- matrix product

    /**
     * General matrix product {@code C = alpha * op(A) * op(B) + beta * C} on row-major matrices,
     * where {@code op(X)} is X or its transpose. With {@code beta == 0}, C's old contents are ignored
     * (NaNs in it do not propagate).
     *
     * @param a (M, K), or (K, M) if {@code transA}
     * @param b (K, N), or (N, K) if {@code transB}
     * @param c (M, N), read (unless beta is 0) and written
     */
    void gemm(boolean transA, boolean transB, float alpha, Tensor a, Tensor b, float beta, Tensor c);

    // ---------------------------------------------------------------- convolution

    /**
     * {@code y[n,k,p,q] = b[k] + sum_{c,r,s} x[n, c, p*sh - ph + r*dh, q*sw - pw + s*dw] * w[k,c,r,s]}
     * (out-of-range input pixels are zero).
     *
     * @param x input (N, C, H, W)
     * @param w weights (K, C, R, S)
     * @param b bias (K), or {@code null} for none
     * @param y output (N, K, P, Q), overwritten
     */
    void conv2dForward(Tensor x, Tensor w, Tensor b, Conv2dSpec spec, Tensor y);

    /**
     * Gradient with respect to the input: {@code dx = conv2dForward}'s transpose applied to {@code dy}.
     *
     * @param dy output gradient (N, K, P, Q)
     * @param w  weights (K, C, R, S)
     * @param dx input gradient (N, C, H, W), overwritten
     */
    void conv2dBackwardData(Tensor dy, Tensor w, Conv2dSpec spec, Tensor dx);

    /**
     * Gradient with respect to the weights:
     * {@code dw[k,c,r,s] = sum_{n,p,q} dy[n,k,p,q] * x[n, c, p*sh - ph + r*dh, q*sw - pw + s*dw]}.
     *
     * @param x  input (N, C, H, W)
     * @param dy output gradient (N, K, P, Q)
     * @param dw weight gradient (K, C, R, S), overwritten
     */
    void conv2dBackwardFilter(Tensor x, Tensor dy, Conv2dSpec spec, Tensor dw);

    /**
     * Gradient with respect to the bias: {@code db[k] = sum_{n,p,q} dy[n,k,p,q]}.
     *
     * @param dy output gradient (N, K, P, Q)
     * @param db bias gradient (K), overwritten
     */
    void conv2dBackwardBias(Tensor dy, Tensor db);

    // ---------------------------------------------------------------- pooling

    /**
     * {@code y[n,c,p,q] = max} over the window (padding never wins); a NaN in the window makes
     * {@code y} NaN, as in PyTorch (see docs/reliability.md, "Non-finite values").
     *
     * @param x input (N, C, H, W)
     * @param y output (N, C, P, Q), overwritten
     */
    void maxPool2dForward(Tensor x, Pool2dSpec spec, Tensor y);

    /**
     * Routes each {@code dy[n,c,p,q]} to the input position that held its window's maximum; where
     * several hold it, to the first in row-major order; a NaN counts as the maximum (the first NaN
     * of the window, the value {@link #maxPool2dForward} propagated). The position is found from
     * {@code x}; {@code y} is checked for its shape only. Windows may overlap: contributions add.
     *
     * @param x  forward input (N, C, H, W)
     * @param y  forward output (N, C, P, Q)
     * @param dy output gradient (N, C, P, Q)
     * @param dx input gradient (N, C, H, W), overwritten
     */
    void maxPool2dBackward(Tensor x, Tensor y, Tensor dy, Pool2dSpec spec, Tensor dx);

    /**
     * {@code y[n,c,p,q] = mean} of the window's real (unpadded) input pixels.
     *
     * @param x input (N, C, H, W)
     * @param y output (N, C, P, Q), overwritten
     */
    void avgPool2dForward(Tensor x, Pool2dSpec spec, Tensor y);

    /**
     * Spreads each {@code dy[n,c,p,q]} evenly over its window's real input pixels.
     *
     * @param dy output gradient (N, C, P, Q)
     * @param dx input gradient (N, C, H, W), overwritten
     */
    void avgPool2dBackward(Tensor dy, Pool2dSpec spec, Tensor dx);

    /**
     * Global average pooling: {@code y[n,c] = 1/(H*W) sum_{h,w} x[n,c,h,w]} (Keras
     * {@code GlobalAveragePooling2D}; PyTorch {@code AdaptiveAvgPool2d(1)} followed by flatten).
     *
     * @param x input (N, C, H, W)
     * @param y output (N, C), overwritten
     */
    void globalAvgPool2dForward(Tensor x, Tensor y);

    /**
     * {@code dx[n,c,h,w] = dy[n,c] / (H*W)}.
     *
     * @param dy output gradient (N, C)
     * @param dx input gradient (N, C, H, W), overwritten
     */
    void globalAvgPool2dBackward(Tensor dy, Tensor dx);

    // ---------------------------------------------------------------- normalisation

    /**
     * Batch normalisation in training mode (see {@link BatchNormSpec} for the formulas): normalises
     * with the batch's own per-channel mean and biased variance, updates the running statistics in
     * place, and saves what {@link #batchNorm2dBackward} needs.
     *
     * @param x           input (N, C, H, W); N*H*W at least 2
     * @param gamma       scale (C)
     * @param beta        shift (C)
     * @param runningMean (C), updated: {@code (1 - momentum) * runningMean + momentum * mean}
     * @param runningVar  (C), updated with the unbiased batch variance
     * @param y           output (N, C, H, W), overwritten; must not share memory with x
     * @param saveMean    (C), overwritten with the batch mean
     * @param saveInvStd  (C), overwritten with {@code 1 / sqrt(var + epsilon)} of the biased batch variance
     *                    <p>No two of these tensors may share memory.
     */
    void batchNorm2dForwardTraining(Tensor x, Tensor gamma, Tensor beta, BatchNormSpec spec,
            Tensor runningMean, Tensor runningVar, Tensor y, Tensor saveMean, Tensor saveInvStd);

    /**
     * Batch normalisation in inference mode: {@code y = gamma * (x - runningMean) / sqrt(runningVar + epsilon) + beta}
     * per channel; nothing is updated.
     *
     * @param x input (N, C, H, W)
     * @param y output (N, C, H, W), overwritten; may be x
     */
    void batchNorm2dForwardInference(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean,
            Tensor runningVar, BatchNormSpec spec, Tensor y);

    /**
     * Backward pass of training-mode batch normalisation, fused (as cuDNN and oneDNN do), with
     * {@code xhat = (x - saveMean) * saveInvStd} and M = N*H*W:
     * <pre>
     *   dbeta[c]  = sum_{n,h,w} dy
     *   dgamma[c] = sum_{n,h,w} dy * xhat
     *   dx        = gamma[c] * saveInvStd[c] / M * (M * dy - dbeta[c] - xhat * dgamma[c])
     * </pre>
     *
     * @param x          the forward input (N, C, H, W)
     * @param dy         output gradient (N, C, H, W)
     * @param gamma      scale (C)
     * @param saveMean   (C) as the forward pass saved it
     * @param saveInvStd (C) as the forward pass saved it
     * @param dx         input gradient (N, C, H, W), overwritten; or {@code null} when not needed
     * @param dgamma     (C), overwritten
     * @param dbeta      (C), overwritten
     *                   <p>The outputs share no memory with the inputs or with each other (cuDNN
     *                   documents no in-place form).
     */
    void batchNorm2dBackward(Tensor x, Tensor dy, Tensor gamma, Tensor saveMean, Tensor saveInvStd,
            Tensor dx, Tensor dgamma, Tensor dbeta);

    // ---------------------------------------------------------------- activations

    /** {@code y = max(x, 0)}; any shape; {@code y} may be {@code x}. */
    void reluForward(Tensor x, Tensor y);

    /**
     * {@code dx = dy} where {@code y > 0}, else 0; any shape; {@code dx} may be {@code dy}.
     *
     * @param y the forward output
     */
    void reluBackward(Tensor y, Tensor dy, Tensor dx);

    /**
     * GELU, {@code y = x * Phi(x)}, exact or with the tanh approximation (see {@link GeluApproximation});
     * any shape; {@code y} may be {@code x}.
     */
    void geluForward(Tensor x, GeluApproximation approximation, Tensor y);

    /**
     * {@code dx = dy * gelu'(x)} for the same form as the forward pass; any shape; {@code dx} may be {@code dy}.
     *
     * @param x the forward input
     */
    void geluBackward(Tensor x, Tensor dy, GeluApproximation approximation, Tensor dx);

    /**
     * Row-wise softmax {@code y[n,i] = exp(x[n,i] - max_n) / sum_j exp(x[n,j] - max_n)}.
     *
     * @param x logits (N, C)
     * @param y probabilities (N, C), overwritten
     */
    void softmaxForward(Tensor x, Tensor y);

    /**
     * {@code dx[n,i] = y[n,i] * (dy[n,i] - sum_j dy[n,j] * y[n,j])}.
     *
     * @param y  the forward output (N, C)
     * @param dy (N, C)
     * @param dx (N, C), overwritten
     */
    void softmaxBackward(Tensor y, Tensor dy, Tensor dx);

    /**
     * Row-wise log-softmax {@code y[n,i] = x[n,i] - max_n - log(sum_j exp(x[n,j] - max_n))}.
     *
     * @param x (N, C)
     * @param y (N, C), overwritten
     */
    void logSoftmaxForward(Tensor x, Tensor y);

    /**
     * {@code dx[n,i] = dy[n,i] - exp(y[n,i]) * sum_j dy[n,j]}.
     *
     * @param y  the forward output (N, C)
     * @param dy (N, C)
     * @param dx (N, C), overwritten
     */
    void logSoftmaxBackward(Tensor y, Tensor dy, Tensor dx);

    // ---------------------------------------------------------------- loss

    /**
     * Softmax cross-entropy with integer labels, in one pass: the mean loss
     * {@code -1/N * sum_n log softmax(logits)[n, labels[n]]} and, optionally, its gradient
     * {@code gradLogits[n,i] = (softmax(logits)[n,i] - [i == labels[n]]) / N}.
     *
     * @param logits     (N, C) float32
     * @param labels     (N) int32, each in [0, C); a label out of range is an
     *                   {@link IllegalArgumentException} naming the row and the label
     * @param loss       one element (shape [] or [1]), overwritten with the mean loss
     * @param gradLogits (N, C), overwritten; or {@code null} when only the loss is needed
     */
    void softmaxCrossEntropy(Tensor logits, Tensor labels, Tensor loss, Tensor gradLogits);

    /**
     * Softmax cross-entropy with label smoothing and per-class weights (see {@link CrossEntropySpec}
     * for the loss and its gradient), loss and gradient in one call. With {@link CrossEntropySpec#PLAIN}
     * it is {@link #softmaxCrossEntropy(Tensor, Tensor, Tensor, Tensor)}.
     *
     * @param spec smoothing and weights; its weights, when given, must number C
     * @throws IllegalArgumentException when the weights of the labelled rows sum to 0
     */
    default void softmaxCrossEntropy(Tensor logits, Tensor labels, CrossEntropySpec spec, Tensor loss,
                                     Tensor gradLogits) {
        if (spec != null && spec.plain()) {
            softmaxCrossEntropy(logits, labels, loss, gradLogits);
            return;
        }
        throw new UnsupportedOpException(name(), "softmaxCrossEntropy",
                "label smoothing and class weights are not implemented on this backend");
    }

    // ---------------------------------------------------------------- optimizers

    /**
     * One Adam step on one parameter tensor (see {@link AdamSpec} for the update), in place.
     *
     * @param param    parameters, updated
     * @param grad     gradient, same shape
     * @param m        first moment, same shape, updated
     * @param v        second moment, same shape, updated
     * @param step     1 for the first step
     */
    void adamStep(Tensor param, Tensor grad, Tensor m, Tensor v, AdamSpec spec, long step);

    /**
     * One SGD step (see {@link SgdSpec}), in place.
     *
     * @param velocity momentum buffer, same shape, updated; {@code null} only if momentum is 0
     */
    void sgdStep(Tensor param, Tensor grad, Tensor velocity, SgdSpec spec);

    /**
     * {@link #sgdStep} with weight decay in the same pass over the parameter (one read of every
     * weight instead of two: the recipes' decayed SGD), in place; {@code grad} is not written:
     * <pre>
     *   coupled   (L2, PyTorch SGD(weight_decay=wd)):  g' = g + wd * p, then sgdStep's update with g'
     *   decoupled (Loshchilov and Hutter):             p' = p * (1 - lr * wd), then sgdStep's update of p'
     * </pre>
     * with {@code lr = spec.learningRate()}. {@code weightDecay} 0 is {@link #sgdStep} exactly.
     */
    void sgdStep(Tensor param, Tensor grad, Tensor velocity, SgdSpec spec, float weightDecay, boolean decoupled);

    /**
     * {@link #adamStep} with weight decay in the same pass, in place; {@code grad} is not written:
     * coupled {@code g' = g + wd * p} (PyTorch's Adam(weight_decay)), decoupled
     * {@code p' = p * (1 - lr * wd)} with {@code lr = spec.learningRate()} (AdamW), then Adam's update.
     */
    void adamStep(Tensor param, Tensor grad, Tensor m, Tensor v, AdamSpec spec, long step, float weightDecay,
                  boolean decoupled);

    // ---------------------------------------------------------------- dropout

    /**
     * Inverted dropout with a counter-based mask (see {@link DropoutSpec}): {@code mask[i]} is
     * {@code spec.scale()} if element i is kept, else 0, and {@code y = x * mask}. Every backend makes
     * the same mask for the same seed.
     *
     * @param x    any shape
     * @param y    same shape, overwritten; may be {@code x}
     * @param mask same shape, overwritten (kept for the backward pass)
     */
    void dropoutForward(Tensor x, DropoutSpec spec, Tensor y, Tensor mask);

    // ---------------------------------------------------------------- element-wise and reductions

    /** {@code out = a + b}; same shapes; out may be a or b. */
    void add(Tensor a, Tensor b, Tensor out);

    /** {@code out = a * b} element-wise (dropout backward: {@code dx = dy * mask}); same shapes. */
    void multiply(Tensor a, Tensor b, Tensor out);

    /** {@code out = alpha * x}; same shapes; out may be x. */
    void scale(Tensor x, float alpha, Tensor out);

    /** {@code y = y + alpha * x}; same shapes (gradient accumulation). */
    void axpy(float alpha, Tensor x, Tensor y);

    /**
     * Channel concatenation: {@code y = cat(inputs, dim=1)}; input i fills y's channels
     * {@code [C_0 + ... + C_{i-1}, C_0 + ... + C_i)}. Inputs have rank 2 or more with equal
     * dimensions apart from dimension 1; y's dimension 1 is their sum. y must not share memory with an input.
     *
     * @param inputs at least one tensor (N, C_i, ...)
     * @param y      (N, sum C_i, ...), overwritten
     */
    void concatChannels(List<Tensor> inputs, Tensor y);

    /**
     * Backward pass of {@link #concatChannels}: splits {@code dy} back into the inputs' gradients,
     * {@code dInputs.get(i)} receiving channels {@code [C_0 + ... + C_{i-1}, C_0 + ... + C_i)}.
     * At most one element of {@code dInputs} may be {@code null} (that input needs no gradient): its
     * channel count is what the others leave of dy's. The outputs share no memory with dy or each other.
     *
     * @param dy      (N, sum C_i, ...)
     * @param dInputs one tensor (N, C_i, ...) or null per input, overwritten
     */
    void concatChannelsBackward(Tensor dy, List<Tensor> dInputs);

    /**
     * Adds a per-channel bias: {@code out[n,c,...] = x[n,c,...] + bias[c]}, for {@code (N, C)}
     * activations of a dense layer and {@code (N, C, H, W)} of a convolution alike.
     *
     * @param x    rank 2 or more, channels in dimension 1
     * @param bias (C)
     * @param out  same shape as x; may be x
     */
    void biasAdd(Tensor x, Tensor bias, Tensor out);

    /**
     * Sums over the batch dimension: {@code out[...] = sum_n x[n, ...]} (a dense layer's bias
     * gradient).
     *
     * @param x   (N, F...) with rank 2 or more
     * @param out (F...): x's shape without the first dimension
     */
    void sumOverBatch(Tensor x, Tensor out);

    /**
     * Index of the largest value in each row (the first, on ties).
     *
     * @param x       (N, C) float32
     * @param indices (N) int32, overwritten
     */
    void argmax(Tensor x, Tensor indices);

    /**
     * Number of rows whose argmax equals the label (a batch's correct predictions). Waits for the
     * result.
     *
     * @param logits (N, C) float32
     * @param labels (N) int32, each in [0, C); a label out of range is an
     *               {@link IllegalArgumentException}, as in {@link #softmaxCrossEntropy}
     */
    long countCorrect(Tensor logits, Tensor labels);

    /**
     * Whether {@link #close} has been called. {@link KernelChecks} rejects every kernel of a closed
     * backend with an {@link IllegalStateException}; a backend that tracks it overrides this.
     */
    default boolean isClosed() {
        return false;
    }

    /** Frees the backend's own resources (thread pools, handles, caches). Tensors should be closed first. */
    @Override
    void close();
}
