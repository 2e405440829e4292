package dev.ingot.data;

import dev.ingot.core.spec.ImageNormalization;

import java.util.Iterator;
import java.util.List;

/**
 * Cuts a {@link Dataset} into batches, one epoch at a time, while a background thread prepares
 * the next batches (copying, augmenting) so the training step does not wait for them. A uint8
 * dataset (the built-in readers', {@link Dataset#ofPixels}) gives uint8 batches ({@link Batch#pixels()},
 * NCHW) that {@link Batch#upload} has the backend scale by 1/255, the same values, bit for bit, as
 * a float copy of the dataset would give; the augmentation moves bytes. A float dataset gives
 * float batches.
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
 * One daemon thread per epoch fills the ring ({@link EpochRun}, the epoch machinery shared with
 * {@link ImageLoader}, there with N threads). Only one epoch is open at a time: opening the next
 * one, closing the epoch, or closing the loader stops the thread and waits for it (it stops
 * within one batch). An exception on that thread reaches the consumer from {@code hasNext()} /
 * {@code next()} as an {@link IllegalStateException} with the original as its cause. The loader
 * is used from one consumer thread; {@link #close()} may come from any thread.
 */
public final class DataLoader implements BatchSource {
    /** Stream id for shuffles, distinct from {@link Augmentation#PURPOSE}. */
    static final long SHUFFLE_PURPOSE = 0x5f_73_68_75_66_66_6cL;
    private static final ImageNormalization UNIT = ImageNormalization.unit(ImageNormalization.Layout.NCHW);

    /**
     * Runs on the loader thread after a batch is filled, before the consumer sees it (for example a
     * per-channel normalisation). It may change only the batch's arrays.
     */
    @FunctionalInterface
    public interface BatchTransform {
        void apply(Batch batch, int epoch, int batchIndex);
    }

    private final Dataset dataset;
    private final BatchOptions options;
    private final Augmentation augmentation;
    private final BatchTransform transform;
    private final EpochPlan plan;
    private final BatchRing batches;

    private DataLoader(Builder b) {
        this.dataset = b.dataset;
        this.options = b.options;
        this.augmentation = b.augmentation;
        this.transform = b.transform;
        this.plan = options.plan(dataset.name(), dataset.size());
        this.batches = new BatchRing(plan, options.prefetch() + 1, this::buffer);
    }

    /**
     * A reusable batch buffer of {@code size} images, held as the dataset is: floats, or uint8
     * pixels (NCHW) that the backend scales by 1/255 on the way in ({@link Batch.Pixels}), exactly
     * the {@code p / 255f} a float copy would hold.
     */
    private Batch buffer(int size) {
        int values = size * dataset.imageSize();
        return dataset.holdsPixels()
                ? new Batch(null, new Batch.Pixels(new byte[values], dataset.channels(), UNIT), new int[size], size)
                : new Batch(new float[values], new int[size], size);
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
        return options.batchSize();
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
        return options.seed();
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
        return plan.shuffledOrder(options.shuffle(), options.seed(), epoch);
    }

    /** The batches of epoch {@code epoch}, from the first; closes the epoch opened before. */
    public Epoch epoch(int epoch) {
        return epoch(epoch, 0);
    }

    /**
     * The batches of epoch {@code epoch} from batch {@code firstBatch} on (to resume mid-epoch);
     * closes the epoch opened before, which invalidates its batches.
     */
    public Epoch epoch(int epoch, int firstBatch) {
        return batches.open(epoch, firstBatch, w -> "ingot-data-" + dataset.name() + "-epoch-" + epoch,
                () -> List.of(new BatchCopier(epoch)), run -> { });
    }

    /** Stops the loader thread, if one runs, and waits for it. Idempotent. */
    @Override
    public void close() {
        batches.close();
    }

    /**
     * The batches of one epoch, in order; an {@link Iterator} that is also {@link Iterable} once,
     * for for-each loops. Close it (try-with-resources) to stop its thread when leaving early.
     */
    public sealed interface Epoch extends BatchSource.Epoch, Iterator<Batch> permits EpochRun {
        /** The loader thread (one per epoch), e.g. to check that it stopped. */
        Thread worker();
    }

    /** The loader thread's work: copy (augmenting) the images of a batch, then the {@link BatchTransform}. */
    private final class BatchCopier implements EpochRun.Worker {
        private final int epoch;
        private final int[] order;
        /** Scratch for {@link Augmentation#applyDrawn}. */
        private final int[] map = new int[dataset.imageSize()];

        BatchCopier(int epoch) {
            this.epoch = epoch;
            this.order = order(epoch);
        }

        @Override
        public void fill(int b, Batch target) {
            int size = target.size();
            int imageSize = dataset.imageSize();
            int c = dataset.channels(), h = dataset.height(), w = dataset.width();
            int start = b * options.batchSize();
            for (int i = 0; i < size; i++) {
                int index = order[start + i];
                target.labels()[i] = dataset.labels()[index];
                if (target.pixels() != null) {
                    augmentation.applyDrawn(dataset.pixels(), index * imageSize, target.pixels().bytes(), i * imageSize,
                            c, h, w, options.seed(), epoch, index, map);
                } else {
                    augmentation.applyDrawn(dataset.images(), index * imageSize, target.images(), i * imageSize,
                            c, h, w, options.seed(), epoch, index, map);
                }
            }
            if (transform != null) {
                transform.apply(target, epoch, b);
            }
        }
    }

    /** Options of a {@link DataLoader}; see {@link DataLoader#builder}. */
    public static final class Builder {
        private final Dataset dataset;
        private BatchOptions options = BatchOptions.defaults("DataLoader");
        private Augmentation augmentation = Augmentation.none();
        private BatchTransform transform;

        private Builder(Dataset dataset) {
            if (dataset == null) {
                throw new IllegalArgumentException("DataLoader: dataset must not be null");
            }
            this.dataset = dataset;
        }

        /** Images per batch (the last batch may be smaller); at least 1. */
        public Builder batchSize(int batchSize) {
            options = options.withBatchSize(batchSize);
            return this;
        }

        /** Whether each epoch visits the images in a new seeded random order (default true). */
        public Builder shuffle(boolean shuffle) {
            options = options.withShuffle(shuffle);
            return this;
        }

        /** The seed of shuffles and augmentation draws (default 0). */
        public Builder seed(long seed) {
            options = options.withSeed(seed);
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
            options = options.withDropLast(dropLast);
            return this;
        }

        /** How many batches the loader thread prepares ahead of the one in use, 1..16 (default 2). */
        public Builder prefetch(int prefetch) {
            options = options.withPrefetch(prefetch);
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
