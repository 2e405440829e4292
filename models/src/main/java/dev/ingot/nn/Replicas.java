package dev.ingot.nn;

/**
 * The copies of one model that train together, data-parallel, one per process (rank): what the
 * {@link Trainer} needs to know of them. Every replica sees the same global batch from the data
 * loader, trains on its own contiguous shard of it, and after the backward pass makes its
 * gradients the gradient of the whole global batch, so every replica takes the same optimizer step.
 * With {@link #SINGLE} (one replica, the default) a trainer behaves exactly as before.
 *
 * <p>Shards: replica r of R takes images {@code [n*r/R, n*(r+1)/R)} of a global batch of n, so the
 * images a step trains on, and their order, depend on the seed and the global batch size only,
 * never on R.
 */
public interface Replicas {
    /** One replica: no sharding, nothing to exchange. */
    Replicas SINGLE = new Replicas() {
        @Override
        public int rank() {
            return 0;
        }

        @Override
        public int count() {
            return 1;
        }

        @Override
        public void reduceGradients(Model model, int shardImages, int batchImages) {
        }

        @Override
        public void sumTotals(float[] totals) {
        }
    };

    /** This replica, 0 .. count-1. */
    int rank();

    /** How many replicas train together. */
    int count();

    /** The first image of this replica's shard of a global batch of {@code n}. */
    default int shardStart(int n) {
        return (int) ((long) n * rank() / count());
    }

    /** How many images of a global batch of {@code n} this replica trains on (0 when n < count). */
    default int shardSize(int n) {
        return (int) ((long) n * (rank() + 1) / count()) - shardStart(n);
    }

    /**
     * Just before the backward pass on {@code shardImages > 0} of a global batch of
     * {@code batchImages}: a replica that overlaps the exchange with the backward pass starts
     * listening for gradients that are final ({@link GradientsReadyListener}). Not called for an
     * empty shard (no backward pass runs).
     */
    default void beforeBackward(Model model, int shardImages, int batchImages) {
    }

    /**
     * After the backward pass on {@code shardImages} of a global batch of {@code batchImages}:
     * turns this replica's gradients (the mean over its shard; not computed at all when the shard
     * is empty) into the mean over the global batch, identical on every replica.
     */
    void reduceGradients(Model model, int shardImages, int batchImages);

    /** In place: the element-wise sum of every replica's {@code totals} (a step's loss sum and hits). */
    void sumTotals(float[] totals);
}
