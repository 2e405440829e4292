package dev.ingot.nn;

/**
 * Where a {@link Trainer} stands: the position in the data and the running sums of the epoch in
 * progress. A checkpoint stores it so that a resumed run continues with exactly the batches, the
 * dropout masks and the Adam step an uninterrupted run would use.
 *
 * @param epoch       0-based epoch in progress (equal to the epochs finished)
 * @param step        batches of that epoch already trained on
 * @param globalStep  batches trained on since the start of the run (selects dropout masks)
 * @param batchSize   batch size of the run; 0 before the first {@link Trainer#fit}
 * @param trainImages training images per epoch; with the seed and epoch it fixes the data order
 * @param lossSum     sum over the epoch's images so far of their loss
 * @param correct     training images of the epoch so far predicted right
 * @param seen        training images of the epoch so far
 * @param seconds     training time spent on the epoch so far
 */
public record TrainingProgress(int epoch, int step, long globalStep, int batchSize, int trainImages, double lossSum,
                               long correct, long seen, double seconds) {

    /** A run that has not started. */
    public static final TrainingProgress START = new TrainingProgress(0, 0, 0, 0, 0, 0, 0, 0, 0);

    public TrainingProgress {
        if (epoch < 0 || step < 0 || globalStep < 0 || batchSize < 0 || trainImages < 0 || correct < 0 || seen < 0
                || correct > seen || !(seconds >= 0) || !Double.isFinite(lossSum)) {
            throw new IllegalArgumentException("impossible training progress: epoch " + epoch + ", step " + step
                    + ", global step " + globalStep + ", batch size " + batchSize + ", train images " + trainImages
                    + ", loss sum " + lossSum + ", correct " + correct + " of " + seen + ", seconds " + seconds);
        }
    }

    /** Whether the current epoch has started (a resume lands mid-epoch). */
    public boolean midEpoch() {
        return step > 0;
    }

    TrainingProgress afterStep(double batchLoss, long batchCorrect, int batchImages) {
        return new TrainingProgress(epoch, step + 1, globalStep + 1, batchSize, trainImages,
                lossSum + batchLoss * batchImages, correct + batchCorrect, seen + batchImages, seconds);
    }

    TrainingProgress plusSeconds(double s) {
        return new TrainingProgress(epoch, step, globalStep, batchSize, trainImages, lossSum, correct, seen, seconds + s);
    }

    TrainingProgress nextEpoch() {
        return new TrainingProgress(epoch + 1, 0, globalStep, batchSize, trainImages, 0, 0, 0, 0);
    }
}
