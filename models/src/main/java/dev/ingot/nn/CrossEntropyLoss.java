package dev.ingot.nn;

import dev.ingot.core.Shape;
import dev.ingot.core.Tensor;

/**
 * Sparse categorical cross-entropy from logits, Keras
 * {@code SparseCategoricalCrossentropy(from_logits=True)}: integer labels, the mean over the batch
 * of {@code -log softmax(logits)[label]}, and its gradient {@code (softmax(logits) - onehot(label)) / N},
 * computed together by one fused kernel ({@link dev.ingot.core.Backend#softmaxCrossEntropy}).
 *
 * <p>The loss and the gradient are buffers of this object, reused from step to step: read the
 * loss (or pass the gradient on) before the next call.
 */
public final class CrossEntropyLoss implements AutoCloseable {
    private final TensorCache cache = new TensorCache();
    private Tensor loss;
    private Tensor gradient;

    /**
     * Computes the mean loss of {@code logits (N, C)} against {@code labels (N)} int32, and its
     * gradient when {@code withGradient}.
     *
     * @return a one-element tensor holding the mean loss (valid until the next call)
     */
    public Tensor forward(Tensor logits, Tensor labels, boolean withGradient) {
        if (logits == null || labels == null) {
            throw new IllegalArgumentException("cross-entropy: logits and labels must not be null, got "
                    + logits + ", " + labels);
        }
        logits.requireOpen("cross-entropy logits");
        if (loss == null) {
            cache.bind(logits.backend());
            loss = cache.get("loss", Shape.of(1));
        }
        gradient = withGradient ? cache.get("gradient", logits.shape()) : null;
        logits.backend().softmaxCrossEntropy(logits, labels, loss, gradient);
        return loss;
    }

    /**
     * The gradient of the last loss with respect to the logits, {@code (N, C)}.
     *
     * @throws IllegalStateException if the last {@link #forward} was without gradient
     */
    public Tensor gradient() {
        if (gradient == null) {
            throw new IllegalStateException("cross-entropy: no gradient; call forward(logits, labels, true) first");
        }
        return gradient;
    }

    @Override
    public void close() {
        loss = null;
        gradient = null;
        cache.close();
    }
}
