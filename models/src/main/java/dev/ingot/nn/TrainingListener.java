package dev.ingot.nn;

/**
 * Hooks {@link Trainer#fit} calls as it goes, for progress bars, logs and checkpoints. Every method
 * has an empty default; they run on the training thread, between steps.
 */
public interface TrainingListener {

    /**
     * An epoch begins.
     *
     * @param epoch     1-based
     * @param epochs    the total the run aims for
     * @param steps     batches in this epoch
     * @param firstStep batches already done (above 0 when resuming mid-epoch)
     */
    default void epochStarted(int epoch, int epochs, int steps, int firstStep) {
    }

    /**
     * A training step finished.
     *
     * @param step     1-based within the epoch
     * @param images   training images seen so far in this epoch
     * @param loss     mean loss over those images
     * @param accuracy accuracy over those images
     */
    default void stepFinished(int epoch, int step, int steps, long images, double loss, double accuracy) {
    }

    /** Validation of the epoch begins (after its last step). */
    default void validationStarted(int epoch) {
    }

    /** An epoch finished, validation included. */
    default void epochFinished(EpochMetrics metrics, EvaluationReport validation) {
    }

    /** A listener that does nothing. */
    TrainingListener NONE = new TrainingListener() {
    };
}
