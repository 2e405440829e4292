package dev.ingot.data;

import dev.ingot.core.spec.ImageNormalization;

import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Cuts a {@link Dataset} into batches, one epoch at a time, while a background thread prepares
 * the next batches (copying, augmenting) so the training step does not wait for them.
 *
 * <pre>{@code
 * try (DataLoader loader = DataLoader.builder(train).batchSize(64).seed(42)
 *         .augmentation(Augmentation.cifarStandard()).build()) {
 *     for (int e = 0; e < epochs; e++) {
 *         try (DataLoader.Epoch epoch = loader.epoch(e)) {
 *             for (Batch batch : epoch) {
 *                 batch.upload(backend, x);   // use it before the next batch
 *             }
 *         }
 *     }
 * }
 * }</pre>
 *
 * <h2>Determinism</h2>
 * The order of epoch e is a pure function of (seed, e) ({@link #order}), and an image's
 * augmentation a pure function of (seed, e, image index) ({@link Augmentation#draw}). Nothing
 * depends on earlier epochs having been read, so a run resumed at epoch e (or at batch b of it,
 * {@link #epoch(int, int)}) sees exactly the batches an uninterrupted run sees.
 *
 * <h2>Batch lifetime</h2>
 * Batches live in a small ring of buffers the loader owns and reuses ({@code prefetch + 1} full
 * batches, plus one exact-size buffer for a partial last batch), so steady-state batching
 * allocates nothing. A {@link Batch} is valid until the next {@code hasNext()}/{@code next()} of
 * its epoch, or until the epoch is closed; copy what must live longer.
 *
 * <h2>Threads</h2>
 * One daemon thread per epoch fills the ring. Only one epoch is open at a time: opening the next
 * one, closing the epoch, or closing the loader stops the thread and waits for it (it stops
 * within one batch). An exception on that thread reaches the consumer from {@code hasNext()} /
 * {@code next()} as an {@link IllegalStateException} with the original as its cause. The loader
 * is used from one consumer thread; {@link #close()} may come from any thread.
 */
public final class DataLoader implements BatchSource {
    /** Stream id for shuffles, distinct from {@link Augmentation#PURPOSE}. */
    static final long SHUFFLE_PURPOSE = 0x5f_73_68_75_66_66_6cL;
    private static final long STOP_TIMEOUT_MILLIS = 10_000;
    private static final long POLL_MILLIS = 100;

    /**
     * Runs on the loader thread after a batch is filled, before the consumer sees it (for example a
     * per-channel normalisation). It may change only the batch's arrays.
     */
    @FunctionalInterface
    public interface BatchTransform {
        void apply(Batch batch, int epoch, int batchIndex);
    }

    private final Dataset dataset;
    private final int batchSize;
    private final boolean shuffle;
    private final long seed;
    private final Augmentation augmentation;
    private final boolean dropLast;
    private final int prefetch;
    private final BatchTransform transform;
    private final EpochPlan plan;
    private final int fullBatches;
    private final Slot tail;
    private final Slot[] ring;
    private final BlockingQueue<Slot> free;
    /** The loader thread's scratch for {@link Augmentation#applyDrawn}. */
    private final int[] map;
    private Epoch open;
    private volatile boolean closed;

    private DataLoader(Builder b) {
        this.dataset = b.dataset;
        this.batchSize = b.batchSize;
        this.shuffle = b.shuffle;
        this.seed = b.seed;
        this.augmentation = b.augmentation;
        this.dropLast = b.dropLast;
        this.prefetch = b.prefetch;
        this.transform = b.transform;
        this.plan = new EpochPlan("DataLoader over '" + dataset.name() + "'", dataset.name(), dataset.size(), batchSize,
                dropLast);
        this.fullBatches = plan.fullBatches();
        this.tail = plan.tailSize() == 0 ? null : new Slot(plan.tailSize(), dataset);
        this.ring = new Slot[fullBatches == 0 ? 0 : prefetch + 1];
        for (int i = 0; i < ring.length; i++) {
            ring[i] = new Slot(batchSize, dataset);
        }
        this.map = new int[dataset.imageSize()];
        this.free = new ArrayBlockingQueue<>(Math.max(1, ring.length));
    }

    /** A builder with Keras' {@code fit} defaults: batch size 32, shuffled, seed 0, no augmentation, partial last batch kept. */
    public static Builder builder(Dataset dataset) {
        return new Builder(dataset);
    }

    /** A loader for evaluation: dataset order, no augmentation, every image once. */
    public static DataLoader sequential(Dataset dataset, int batchSize) {
        return builder(dataset).batchSize(batchSize).shuffle(false).build();
    }

    public Dataset dataset() {
        return dataset;
    }

    public int batchSize() {
        return batchSize;
    }

    @Override
    public String name() {
        return dataset.name();
    }

    @Override
    public int datasetSize() {
        return dataset.size();
    }

    @Override
    public List<String> classes() {
        return dataset.classes();
    }

    @Override
    public int channels() {
        return dataset.channels();
    }

    @Override
    public int height() {
        return dataset.height();
    }

    @Override
    public int width() {
        return dataset.width();
    }

    public long seed() {
        return seed;
    }

    /** Number of batches in each epoch. */
    public int batchesPerEpoch() {
        return plan.batchesPerEpoch();
    }

    /** Number of images in each epoch ({@code dataset().size()} unless the partial last batch is dropped). */
    public int imagesPerEpoch() {
        return plan.imagesPerEpoch();
    }

    /**
     * The dataset indices in the order epoch {@code epoch} visits them: a Fisher-Yates shuffle
     * driven by {@link SplitMix64} seeded from (seed, epoch), or 0..N-1 without shuffling.
     */
    public int[] order(int epoch) {
        return plan.shuffledOrder(shuffle, seed, epoch);
    }

    /** The batches of epoch {@code epoch}, from the first; closes the epoch opened before. */
    public Epoch epoch(int epoch) {
        return epoch(epoch, 0);
    }

    /**
     * The batches of epoch {@code epoch} from batch {@code firstBatch} on (to resume mid-epoch);
     * closes the epoch opened before, which invalidates its batches.
     */
    public synchronized Epoch epoch(int epoch, int firstBatch) {
        plan.checkOpening(closed, epoch, firstBatch);
        if (open != null) {
            open.close();
        }
        open = new Epoch(epoch, firstBatch);
        return open;
    }

    /** Stops the loader thread, if one runs, and waits for it. Idempotent. */
    @Override
    public synchronized void close() {
        closed = true;
        if (open != null) {
            open.close();
        }
    }

    /**
     * One reusable batch buffer, held as the dataset is: floats, or uint8 pixels (NCHW) that the
     * backend scales by 1/255 on the way in ({@link Batch.Pixels}), exactly the {@code p / 255f}
     * a float copy would hold.
     */
    private static final class Slot {
        static final Slot END = new Slot(0, null);
        static final Slot FAILED = new Slot(0, null);
        private static final ImageNormalization UNIT = ImageNormalization.unit(ImageNormalization.Layout.NCHW);

        final float[] images;
        final byte[] pixels;
        final int[] labels;
        final Batch batch;

        Slot(int size, Dataset dataset) {
            int values = dataset == null ? 0 : size * dataset.imageSize();
            boolean bytes = dataset != null && dataset.holdsPixels();
            images = bytes ? null : new float[values];
            pixels = bytes ? new byte[values] : null;
            labels = new int[size];
            batch = bytes ? new Batch(null, new Batch.Pixels(pixels, dataset.channels(), UNIT), labels, size)
                    : new Batch(images, labels, size);
        }
    }

    /**
     * The batches of one epoch, in order; an {@link Iterator} that is also {@link Iterable} once,
     * for for-each loops. Close it (try-with-resources) to stop its thread when leaving early.
     */
    public final class Epoch implements BatchSource.Epoch, Iterator<Batch> {
        private final int epoch;
        private final int firstBatch;
        private final BlockingQueue<Slot> ready = new LinkedBlockingQueue<>();
        private final Thread worker;
        private volatile boolean stopped;
        private volatile Throwable failure;
        private volatile int failedBatch = -1;
        private Slot current;
        private Slot pending;
        private int nextBatch;
        private boolean ended;
        private boolean iterated;

        private Epoch(int epoch, int firstBatch) {
            this.epoch = epoch;
            this.firstBatch = firstBatch;
            this.nextBatch = firstBatch;
            // Every buffer is free again: the previous epoch is closed and its batches invalid.
            free.clear();
            free.addAll(List.of(ring));
            this.worker = Thread.ofPlatform().daemon().name("ingot-data-" + dataset.name() + "-epoch-" + epoch)
                    .start(this::produce);
        }

        /** The epoch number. */
        public int number() {
            return epoch;
        }

        /** Index within the epoch of the batch the next {@link #next()} returns (the resume position). */
        public int nextBatchIndex() {
            return nextBatch;
        }

        /** The loader thread, for tests that check it stops. */
        Thread worker() {
            return worker;
        }

        /** Loader thread: fills batches firstBatch.. in order, then END (or FAILED). */
        private void produce() {
            int b = firstBatch;
            try {
                int[] order = order(epoch);
                int total = batchesPerEpoch();
                for (; b < total; b++) {
                    if (stopped) {
                        return;
                    }
                    Slot slot = b < fullBatches ? free.take() : tail;
                    fill(slot, order, b);
                    if (transform != null) {
                        transform.apply(slot.batch, epoch, b);
                    }
                    ready.add(slot);
                }
                ready.add(Slot.END);
            } catch (InterruptedException stop) {
                // close() asked us to stop; nobody waits for more batches.
            } catch (Throwable t) {
                if (stopped) {
                    return;   // a consequence of close() interrupting us, not a failure to report
                }
                failure = t;
                failedBatch = b;
                ready.add(Slot.FAILED);
            }
        }

        private void fill(Slot slot, int[] order, int b) {
            int size = slot.batch.size();
            int imageSize = dataset.imageSize();
            int[] labels = dataset.labels();
            int start = b * batchSize;
            int c = dataset.channels(), h = dataset.height(), w = dataset.width();
            for (int i = 0; i < size; i++) {
                int index = order[start + i];
                slot.labels[i] = labels[index];
                if (slot.pixels != null) {
                    augmentation.applyDrawn(dataset.pixels(), index * imageSize, slot.pixels, i * imageSize, c, h, w,
                            seed, epoch, index, map);
                } else {
                    augmentation.applyDrawn(dataset.images(), index * imageSize, slot.images, i * imageSize, c, h, w,
                            seed, epoch, index, map);
                }
            }
        }

        @Override
        public Iterator<Batch> iterator() {
            if (iterated) {
                throw new IllegalStateException("epoch " + epoch + " can be iterated only once; call loader.epoch("
                        + epoch + ") again to repeat it");
            }
            iterated = true;
            return this;
        }

        @Override
        public boolean hasNext() {
            requireOpen();
            if (pending != null) {
                return true;
            }
            if (ended) {
                if (failure != null) {
                    throw failed();
                }
                return false;
            }
            release(current);
            current = null;
            Slot slot = await();
            if (slot == Slot.END) {
                ended = true;
                return false;
            }
            if (slot == Slot.FAILED) {
                ended = true;
                throw failed();
            }
            pending = slot;
            return true;
        }

        @Override
        public Batch next() {
            if (!hasNext()) {
                throw new NoSuchElementException("epoch " + epoch + " has no more batches (it has " + batchesPerEpoch() + ")");
            }
            current = pending;
            pending = null;
            nextBatch++;
            return current.batch;
        }

        private IllegalStateException failed() {
            Throwable t = failure;
            return new IllegalStateException("DataLoader over '" + dataset.name() + "' failed preparing batch "
                    + failedBatch + " of epoch " + epoch + ": " + t, t);
        }

        private void release(Slot slot) {
            if (slot != null && slot != tail && !stopped) {
                free.offer(slot);
            }
        }

        private Slot await() {
            try {
                while (true) {
                    Slot slot = ready.poll(POLL_MILLIS, TimeUnit.MILLISECONDS);
                    requireOpen();
                    if (slot != null) {
                        return slot;
                    }
                    if (!worker.isAlive()) {
                        slot = ready.poll();
                        if (slot != null) {
                            return slot;
                        }
                        throw new IllegalStateException("the loader thread of epoch " + epoch + " ended without delivering batch "
                                + nextBatch);
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                close();
                throw new IllegalStateException("interrupted while waiting for batch " + nextBatch + " of epoch " + epoch, e);
            }
        }

        private void requireOpen() {
            if (stopped) {
                throw new IllegalStateException("epoch " + epoch + " of the DataLoader over '" + dataset.name()
                        + "' is closed (closed explicitly, by starting another epoch, or by closing the loader)");
            }
        }

        /** Stops the loader thread and waits for it; the epoch's batches become invalid. Idempotent. */
        @Override
        public void close() {
            synchronized (DataLoader.this) {
                if (stopped) {
                    return;
                }
                stopped = true;
                if (!EpochPlan.stopWorkers(java.util.List.of(worker), STOP_TIMEOUT_MILLIS)) {
                    throw new IllegalStateException("the loader thread of epoch " + epoch + " did not stop within "
                            + STOP_TIMEOUT_MILLIS + " ms (a BatchTransform that ignores interrupts?)");
                }
                current = null;
                pending = null;
                ready.clear();
                if (open == this) {
                    open = null;
                }
            }
        }
    }

    /** Options of a {@link DataLoader}; see {@link DataLoader#builder}. */
    public static final class Builder {
        private final Dataset dataset;
        private int batchSize = 32;
        private boolean shuffle = true;
        private long seed;
        private Augmentation augmentation = Augmentation.none();
        private boolean dropLast;
        private int prefetch = 2;
        private BatchTransform transform;

        private Builder(Dataset dataset) {
            if (dataset == null) {
                throw new IllegalArgumentException("DataLoader: dataset must not be null");
            }
            this.dataset = dataset;
        }

        /** Images per batch (the last batch may be smaller); at least 1. */
        public Builder batchSize(int batchSize) {
            if (batchSize < 1) {
                throw new IllegalArgumentException("DataLoader: batchSize must be >= 1, got " + batchSize);
            }
            this.batchSize = batchSize;
            return this;
        }

        /** Whether each epoch visits the images in a new seeded random order (default true). */
        public Builder shuffle(boolean shuffle) {
            this.shuffle = shuffle;
            return this;
        }

        /** The seed of shuffles and augmentation draws (default 0). */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Random image changes (default {@link Augmentation#none()}). */
        public Builder augmentation(Augmentation augmentation) {
            if (augmentation == null) {
                throw new IllegalArgumentException("DataLoader: augmentation must not be null; use Augmentation.none()");
            }
            this.augmentation = augmentation;
            return this;
        }

        /** Drop the last batch when it is smaller than the batch size (default false: keep it, as Keras does). */
        public Builder dropLast(boolean dropLast) {
            this.dropLast = dropLast;
            return this;
        }

        /** How many batches the loader thread prepares ahead of the one in use, 1..16 (default 2). */
        public Builder prefetch(int prefetch) {
            if (prefetch < 1 || prefetch > 16) {
                throw new IllegalArgumentException("DataLoader: prefetch must be within 1..16, got " + prefetch);
            }
            this.prefetch = prefetch;
            return this;
        }

        /** A change applied to each batch on the loader thread (default none). */
        public Builder transform(BatchTransform transform) {
            this.transform = transform;
            return this;
        }

        public DataLoader build() {
            return new DataLoader(this);
        }
    }
}
