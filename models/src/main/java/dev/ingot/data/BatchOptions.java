package dev.ingot.data;

/**
 * The batching options both loaders' builders take ({@link DataLoader.Builder},
 * {@link ImageLoader.Builder}), checked in one place with the same words.
 *
 * @param loader    how messages name the loader, {@code "DataLoader"} or {@code "ImageLoader"}
 * @param batchSize images per batch (the last may be smaller); at least 1
 * @param shuffle   whether each epoch visits the images in a new seeded random order
 * @param seed      the seed of shuffles and per-image random draws
 * @param dropLast  whether a partial last batch is left out
 * @param prefetch  batches prepared ahead, 1..16
 */
record BatchOptions(String loader, int batchSize, boolean shuffle, long seed, boolean dropLast, int prefetch) {

    /** Keras' {@code fit} defaults: batch 32, shuffled, seed 0, the partial last batch kept; prefetch 2. */
    static BatchOptions defaults(String loader) {
        return new BatchOptions(loader, 32, true, 0, false, 2);
    }

    BatchOptions {
        if (batchSize < 1) {
            throw new IllegalArgumentException(loader + ": batchSize must be >= 1, got " + batchSize);
        }
        if (prefetch < 1 || prefetch > 16) {
            throw new IllegalArgumentException(loader + ": prefetch must be within 1..16, got " + prefetch);
        }
    }

    BatchOptions withBatchSize(int n) {
        return new BatchOptions(loader, n, shuffle, seed, dropLast, prefetch);
    }

    BatchOptions withShuffle(boolean s) {
        return new BatchOptions(loader, batchSize, s, seed, dropLast, prefetch);
    }

    BatchOptions withSeed(long s) {
        return new BatchOptions(loader, batchSize, shuffle, s, dropLast, prefetch);
    }

    BatchOptions withDropLast(boolean d) {
        return new BatchOptions(loader, batchSize, shuffle, seed, d, prefetch);
    }

    BatchOptions withPrefetch(int p) {
        return new BatchOptions(loader, batchSize, shuffle, seed, dropLast, p);
    }

    /** How these options cut a dataset called {@code name} of {@code size} images into epochs. */
    EpochPlan plan(String name, int size) {
        return new EpochPlan(loader + " over '" + name + "'", name, size, batchSize, dropLast);
    }
}
