package dev.ingot.nn;

import dev.ingot.core.Shape;
import dev.ingot.core.Tensor;
import dev.ingot.core.spec.CrossEntropySpec;

/**
 * Sparse categorical cross-entropy from logits, Keras
 * {@code SparseCategoricalCrossentropy(from_logits=True)}: integer labels, the mean over the batch
 * of {@code -log softmax(logits)[label]}, and its gradient {@code (softmax(logits) - onehot(label)) / N},
 * computed together by one fused kernel ({@link dev.ingot.core.Backend#softmaxCrossEntropy}).
 *
 * <p>With a {@link CrossEntropySpec}, PyTorch's {@code CrossEntropyLoss(weight=w, label_smoothing=eps)}:
 * the smoothed target {@code (1 - eps) onehot + eps/C}, each row weighted by its label's class weight
 * and the sum divided by the sum of those weights. Evaluation reports the same loss.
 *
 * <p>The loss and the gradient are buffers of this object, reused from step to step: read the
 * loss (or pass the gradient on) before the next call.
 */
public final class CrossEntropyLoss implements AutoCloseable {
    private final TensorCache cache = new TensorCache();
    private final CrossEntropySpec spec;
    private Tensor loss;
    private Tensor gradient;

    /** The plain loss (no smoothing, no class weights), Keras' default. */
    public CrossEntropyLoss() {
        this(CrossEntropySpec.PLAIN);
    }

    /** With label smoothing and/or class weights. */
    public CrossEntropyLoss(CrossEntropySpec spec) {
        if (spec == null) {
            throw new IllegalArgumentException("cross-entropy spec must not be null (CrossEntropySpec.PLAIN for none)");
        }
        this.spec = spec;
    }

    public CrossEntropySpec spec() {
        return spec;
    }

    /**
     * Class weights that answer imbalance as scikit-learn's {@code class_weight='balanced'} does:
     * {@code w[c] = N / (C * count[c])} from the training labels (a class never seen gets 0).
     */
    public static float[] balancedClassWeights(int[] labels, int classes) {
        if (labels == null || labels.length == 0 || classes < 1) {
            throw new IllegalArgumentException("balanced class weights need labels and at least one class, got "
                    + (labels == null ? "null" : labels.length + " labels") + " and " + classes + " classes");
        }
        long[] count = new long[classes];
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= classes) {
                throw new IllegalArgumentException("balanced class weights: label " + labels[i] + " at index " + i
                        + " is outside [0, " + classes + ")");
            }
            count[labels[i]]++;
        }
        float[] w = new float[classes];
        for (int c = 0; c < classes; c++) {
            w[c] = count[c] == 0 ? 0f : (float) ((double) labels.length / ((double) classes * count[c]));
        }
        return w;
    }

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
        if (spec.plain()) {
            logits.backend().softmaxCrossEntropy(logits, labels, loss, gradient);
        } else {
            logits.backend().softmaxCrossEntropy(logits, labels, spec, loss, gradient);
        }
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
