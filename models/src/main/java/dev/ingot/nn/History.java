package dev.ingot.nn;

import java.util.List;

/**
 * The per-epoch record of a training run, Keras' {@code History}: one {@link EpochMetrics} per
 * finished epoch, in order (including epochs run before a resume).
 */
public record History(List<EpochMetrics> epochs) {

    public History {
        epochs = List.copyOf(epochs);
    }

    public static History empty() {
        return new History(List.of());
    }

    /** This history with one more epoch. */
    public History plus(EpochMetrics m) {
        var all = new java.util.ArrayList<>(epochs);
        all.add(m);
        return new History(all);
    }

    /** The last epoch, or an exception if there is none. */
    public EpochMetrics last() {
        if (epochs.isEmpty()) {
            throw new IllegalStateException("no epoch has finished yet");
        }
        return epochs.getLast();
    }
}
