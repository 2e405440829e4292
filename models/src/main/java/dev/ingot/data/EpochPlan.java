package dev.ingot.data;

/**
 * What both loaders ({@link DataLoader}, {@link ImageLoader}) agree on about an epoch: how N images
 * cut into batches (full ones, then a partial last one unless dropped), which epochs and resume
 * points exist, the seeded shuffle that orders epoch e, and how an epoch's worker threads are
 * stopped. One copy of these rules, so the two
 * loaders visit a dataset identically and refuse the same bad requests with the same words.
 *
 * @param owner     how messages name the loader, e.g. {@code "DataLoader over 'cifar10'"}
 * @param name      the dataset's name
 * @param size      images in the dataset, N
 * @param batchSize images per full batch
 * @param dropLast  whether the partial last batch is left out
 */
record EpochPlan(String owner, String name, int size, int batchSize, boolean dropLast) {

    /** Batches of exactly {@code batchSize} images. */
    int fullBatches() {
        return size / batchSize;
    }

    /** Images in the partial last batch, 0 when there is none (or it is dropped). */
    int tailSize() {
        return dropLast ? 0 : size % batchSize;
    }

    int batchesPerEpoch() {
        return fullBatches() + (tailSize() == 0 ? 0 : 1);
    }

    int imagesPerEpoch() {
        return fullBatches() * batchSize + tailSize();
    }

    static void checkEpochNumber(int epoch) {
        if (epoch < 0) {
            throw new IllegalArgumentException("epoch must be >= 0, got " + epoch);
        }
    }

    /** Refuses to open epoch {@code epoch} at {@code firstBatch} on a closed loader or outside the epoch. */
    void checkOpening(boolean closed, int epoch, int firstBatch) {
        if (closed) {
            throw new IllegalStateException(owner + " is closed");
        }
        checkEpochNumber(epoch);
        if (firstBatch < 0 || firstBatch > batchesPerEpoch()) {
            throw new IllegalArgumentException("firstBatch " + firstBatch + " is outside 0.." + batchesPerEpoch()
                    + " (batches per epoch of '" + name + "' at batch size " + batchSize + ")");
        }
    }

    /**
     * 0..N-1, or with {@code shuffle} a Fisher-Yates shuffle of it driven by {@link SplitMix64}
     * seeded from (seed, {@link DataLoader#SHUFFLE_PURPOSE}, epoch): a pure function of (seed, epoch).
     */
    int[] shuffledOrder(boolean shuffle, long seed, int epoch) {
        checkEpochNumber(epoch);
        int[] order = new int[size];
        for (int i = 0; i < size; i++) {
            order[i] = i;
        }
        if (shuffle) {
            SplitMix64 random = SplitMix64.of(seed, DataLoader.SHUFFLE_PURPOSE, epoch, 0);
            for (int i = size - 1; i > 0; i--) {
                int j = random.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
        }
        return order;
    }

    /**
     * Stops an epoch's worker threads: interrupts them all, then waits for each until one shared
     * deadline {@code timeoutMillis} away. An interrupt of the caller while waiting does not cut the
     * wait short; it is restored afterwards. Returns whether every worker ended.
     */
    static boolean stopWorkers(java.util.List<Thread> workers, long timeoutMillis) {
        for (Thread t : workers) {
            t.interrupt();
        }
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        boolean interrupted = false;
        for (Thread t : workers) {
            while (t.isAlive() && System.nanoTime() < deadline) {
                try {
                    t.join(Math.max(1, java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        return workers.stream().noneMatch(Thread::isAlive);
    }
}
