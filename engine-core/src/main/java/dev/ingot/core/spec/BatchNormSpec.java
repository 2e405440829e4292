package dev.ingot.core.spec;

/**
 * Batch normalisation over the channels of NCHW activations, in PyTorch's convention
 * ({@code torch.nn.BatchNorm2d(eps=1e-5, momentum=0.1)} is {@link #DEFAULT}):
 * <pre>
 *   training:   mean[c] = 1/M sum_{n,h,w} x          var[c] = 1/M sum_{n,h,w} (x - mean[c])^2   (M = N*H*W)
 *               y = gamma[c] * (x - mean[c]) / sqrt(var[c] + epsilon) + beta[c]
 *               runningMean = (1 - momentum) * runningMean + momentum * mean
 *               runningVar  = (1 - momentum) * runningVar  + momentum * var * M / (M - 1)   (unbiased)
 *   inference:  y = gamma[c] * (x - runningMean[c]) / sqrt(runningVar[c] + epsilon) + beta[c]
 * </pre>
 * Keras' {@code BatchNormalization(momentum=0.99, epsilon=1e-3)} is {@code new BatchNormSpec(1e-3f, 0.01f)}:
 * Keras' momentum is the weight of the old running value, ours (PyTorch's) that of the new batch.
 *
 * @param epsilon  added to the variance before the square root, positive and finite
 * @param momentum weight of the batch statistic in the running averages, in [0, 1]
 */
public record BatchNormSpec(float epsilon, float momentum) {

    /** PyTorch's defaults: epsilon 1e-5, momentum 0.1. */
    public static final BatchNormSpec DEFAULT = new BatchNormSpec(1e-5f, 0.1f);

    public BatchNormSpec {
        if (!(epsilon > 0) || !Float.isFinite(epsilon)) {
            throw new IllegalArgumentException("batch-norm epsilon must be positive and finite, got " + epsilon);
        }
        if (!(momentum >= 0 && momentum <= 1)) {
            throw new IllegalArgumentException("batch-norm momentum must be in [0, 1], got " + momentum);
        }
    }
}
