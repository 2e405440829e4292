package dev.ingot.nn;

/**
 * What one epoch of {@link Trainer#fit} measured.
 *
 * @param epoch              1-based
 * @param trainLoss          mean loss over the epoch's training images (weighted by batch size,
 *                           with dropout active, as Keras reports it)
 * @param trainAccuracy      fraction of training images whose argmax was right, during training
 * @param validationLoss     mean loss on the validation set after the epoch; NaN without one
 * @param validationAccuracy accuracy on the validation set; NaN without one
 * @param imagesPerSecond    training images per second of training time (validation excluded)
 * @param seconds            wall time of the epoch, training and validation
 */
public record EpochMetrics(int epoch, double trainLoss, double trainAccuracy, double validationLoss,
                           double validationAccuracy, double imagesPerSecond, double seconds) {

    public boolean hasValidation() {
        return !Double.isNaN(validationLoss);
    }
}
