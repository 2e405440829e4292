package dev.ingot.data;

import dev.ingot.data.image.ImageDecoding;
import dev.ingot.data.image.UInt8Image;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Batches from {@link ImageRecords} (an image folder, a packed file, an in-memory set), read,
 * decoded and transformed by N worker threads while the backend trains: the parallel form of
 * {@link DataLoader}, with the same batch contract ({@link Batch}, valid until the next
 * {@code hasNext()}/{@code next()}).
 *
 * <h2>Determinism</h2>
 * The order of epoch e is {@link DataLoader}'s (the same shuffle of (seed, e), so an image folder
 * holding a built-in dataset's images in its order is visited identically), or a seeded weighted
 * draw ({@link Builder#sampleWeights}); an image's transforms draw from a generator seeded by
 * (seed, e, dataset index). Workers take whole batches, each batch is written by one worker and
 * handed out in order: the batches are the same, bit for bit, for any number of workers, and a run
 * resumed at batch b sees what an uninterrupted one sees.
 *
 * <h2>Memory</h2>
 * {@code prefetch + workers} full batches (plus one partial last batch) are allocated once and
 * reused by every epoch; the records themselves are read one at a time. The dataset may be many times the heap.
 */
public final class ImageLoader implements BatchSource {
    /** Stream id of the per-image transform draws. */
    static final long TRANSFORM_PURPOSE = 0x69_6d_67_74_66_6dL;
    /** Stream id of the weighted sampler. */
    static final long SAMPLER_PURPOSE = 0x77_73_61_6d_70L;

    private final ImageRecords records;
    private final int channels;
    private final int height;
    private final int width;
    private final BatchOptions options;
    private final ImageTransforms transforms;
    private final int workers;
    private final BadImagePolicy policy;
    private final double[] sampleWeights;
    private final Consumer<String> warnings;
    private final EpochPlan plan;
    private final BatchRing batches;
    private final Set<String> warned = ConcurrentHashMap.newKeySet();
    private volatile double lastRate;

    private ImageLoader(Builder b) {
        this.records = b.records;
        this.channels = b.channels;
        this.height = b.height;
        this.width = b.width;
        this.options = b.options;
        this.transforms = b.transforms;
        this.workers = b.workers;
        this.policy = b.policy;
        this.sampleWeights = b.sampleWeights;
        this.warnings = b.warnings;
        int n = records.size();
        this.plan = options.plan(records.name(), n);
        this.batches = new BatchRing(plan, options.prefetch() + workers, this::buffer);
        if (records.size() == 0) {
            throw new IllegalArgumentException("ImageLoader: '" + records.name() + "' has no images");
        }
        if (sampleWeights != null && sampleWeights.length != n) {
            throw new IllegalArgumentException("ImageLoader: " + sampleWeights.length + " sample weights for "
                    + n + " images of '" + records.name() + "'");
        }
    }

    /** Options: batch 32, shuffled, seed 0, no transforms, 2 workers, prefetch 2, failing on bad images. */
    public static Builder builder(ImageRecords records, int channels, int height, int width) {
        return new Builder(records, channels, height, width);
    }

    public ImageRecords records() {
        return records;
    }

    @Override
    public int batchSize() {
        return options.batchSize();
    }

    @Override
    public String name() {
        return records.name();
    }

    @Override
    public int datasetSize() {
        return records.size();
    }

    @Override
    public List<String> classes() {
        return records.classes();
    }

    /**
     * The pipeline's own rate in the last epoch closed (images prepared per second of worker time,
     * times the workers), or 0 before any; see {@link Epoch#pipelineImagesPerSecond()}.
     */
    public double lastPipelineImagesPerSecond() {
        return lastRate;
    }

    /** The open epoch's pipeline rate so far, else {@link #lastPipelineImagesPerSecond()}. */
    public double currentPipelineImagesPerSecond() {
        EpochRun e = batches.open();
        return e != null ? e.pipelineImagesPerSecond() : lastRate;
    }

    public int workers() {
        return workers;
    }

    /** Values per image, C*H*W. */
    public int imageSize() {
        return channels * height * width;
    }

    @Override
    public int channels() {
        return channels;
    }

    @Override
    public int height() {
        return height;
    }

    @Override
    public int width() {
        return width;
    }

    public ImageTransforms transforms() {
        return transforms;
    }

    /** Number of batches in each epoch. */
    @Override
    public int batchesPerEpoch() {
        return plan.batchesPerEpoch();
    }

    /** Images per epoch. */
    public int imagesPerEpoch() {
        return plan.imagesPerEpoch();
    }

    /**
     * The dataset indices epoch {@code epoch} visits: {@link DataLoader}'s seeded Fisher-Yates
     * shuffle (or 0..N-1), or with sample weights N draws with replacement, index i with
     * probability {@code w[i] / sum(w)} (PyTorch's {@code WeightedRandomSampler}).
     */
    public int[] order(int epoch) {
        EpochPlan.checkEpochNumber(epoch);
        int n = records.size();
        if (sampleWeights != null) {
            int[] order = new int[n];
            double[] cumulative = new double[n];
            double total = 0;
            for (int i = 0; i < n; i++) {
                total += sampleWeights[i];
                cumulative[i] = total;
            }
            SplitMix64 random = SplitMix64.of(options.seed(), SAMPLER_PURPOSE, epoch, 0);
            for (int k = 0; k < n; k++) {
                double u = ImageTransform.uniform(random, 0, total);
                int lo = 0, hi = n - 1;
                while (lo < hi) {   // first i with cumulative[i] > u
                    int mid = (lo + hi) >>> 1;
                    if (cumulative[mid] > u) {
                        hi = mid;
                    } else {
                        lo = mid + 1;
                    }
                }
                order[k] = lo;
            }
            return order;
        }
        return plan.shuffledOrder(options.shuffle(), options.seed(), epoch);
    }

    /**
     * Weights that balance the classes: each image weighs {@code 1 / (images of its class)}, so
     * every class is drawn equally often on average.
     */
    public static double[] balancedWeights(ImageRecords records) {
        int[] counts = records.labelCounts();
        double[] w = new double[records.size()];
        for (int i = 0; i < w.length; i++) {
            w[i] = 1.0 / counts[records.label(i)];
        }
        return w;
    }

    /** The batches of epoch {@code epoch}. */
    public Epoch epoch(int epoch) {
        return epoch(epoch, 0);
    }

    /** The batches of epoch {@code epoch} from batch {@code firstBatch} on; closes the epoch opened before. */
    @Override
    public Epoch epoch(int epoch, int firstBatch) {
        return batches.open(epoch, firstBatch, w -> "ingot-images-" + records.name() + "-e" + epoch + "-w" + w, () -> {
            int[] order = order(epoch);
            List<Preparer> preparers = new ArrayList<>();
            for (int w = 0; w < workers; w++) {
                preparers.add(new Preparer(epoch, order));
            }
            return preparers;
        }, run -> lastRate = run.pipelineImagesPerSecond());
    }

    @Override
    public void close() {
        batches.close();
    }

    /**
     * A reusable batch buffer: the images as the transforms leave them, HWC bytes back to back (a
     * copy of each, no conversion); the backend normalises them ({@link Batch#upload}).
     */
    private Batch buffer(int size) {
        return new Batch(null, new Batch.Pixels(new byte[size * imageSize()], channels, transforms.normalization()),
                new int[size], size);
    }

    /**
     * Prepares image {@code index} as epoch {@code epoch} sees it into {@code dst} at {@code offset}:
     * read, decode, transform with the (seed, epoch, index) generator, copy its HWC bytes (the
     * backend normalises them). Under {@link BadImagePolicy#SKIP} an unreadable record is replaced by the next
     * readable one.
     */
    void prepare(int index, int epoch, ImageDecoding decoder, byte[] dst, int offset, int[] labelOut, int labelAt) {
        int n = records.size();
        int used = index;
        UInt8Image image = null;
        for (int tries = 0; image == null; tries++) {
            try {
                image = records.read(used, channels, transforms.decodeHint(), decoder);
            } catch (UnreadableImageException e) {
                if (policy == BadImagePolicy.FAIL || tries + 1 >= n) {
                    throw e;
                }
                if (warned.add(e.source())) {
                    warnings.accept("skipping " + e.getMessage().substring("cannot use ".length()));
                }
                used = (used + 1) % n;
            }
        }
        SplitMix64 random = SplitMix64.of(options.seed(), TRANSFORM_PURPOSE, epoch, index);
        UInt8Image out = transforms.apply(image, random, options.seed(), epoch, index);
        if (out.height() != height || out.width() != width || out.channels() != channels) {
            throw new IllegalArgumentException("image " + records.source(used) + " is " + out.height() + "x" + out.width()
                    + " after the transforms [" + transforms.spec() + "] (decoded " + image.height() + "x" + image.width()
                    + "), but batches take " + height + "x" + width + ": add resize:" + Math.min(height, width)
                    + ",center-crop:" + height + " (or a random-resized-crop) to the transforms");
        }
        System.arraycopy(out.pixels(), 0, dst, offset, out.pixels().length);
        labelOut[labelAt] = records.label(used);
    }

    /**
     * The batches of one epoch, in order; iterable once. Close it to stop its workers when leaving
     * early. Also reports the pipeline's own throughput ({@link #pipelineImagesPerSecond()}).
     */
    public sealed interface Epoch extends BatchSource.Epoch, java.util.Iterator<Batch> permits EpochRun {
        /**
         * Images the workers prepared per second of their own working time, times the number of
         * workers: what the pipeline can deliver, whether or not the consumer keeps up.
         */
        double pipelineImagesPerSecond();
    }

    /**
     * One worker's work: read, decode and transform the images of a batch, with its own decoder
     * (opened and closed on the worker's thread, as a decoder must be).
     */
    private final class Preparer implements EpochRun.Worker {
        private final int epoch;
        private final int[] order;
        private ImageDecoding decoder;

        Preparer(int epoch, int[] order) {
            this.epoch = epoch;
            this.order = order;
        }

        @Override
        public void fill(int b, Batch target) throws InterruptedException {
            if (decoder == null) {
                decoder = ImageDecoding.open();
            }
            int start = b * options.batchSize();
            for (int i = 0; i < target.size(); i++) {
                if (Thread.currentThread().isInterrupted()) {
                    throw new InterruptedException();
                }
                prepare(order[start + i], epoch, decoder, target.pixels().bytes(), i * imageSize(), target.labels(), i);
            }
        }

        @Override
        public void close() {
            if (decoder != null) {
                decoder.close();
            }
        }
    }

    /** Options of an {@link ImageLoader}. */
    public static final class Builder {
        private final ImageRecords records;
        private final int channels;
        private final int height;
        private final int width;
        private BatchOptions options = BatchOptions.defaults("ImageLoader");
        private ImageTransforms transforms = ImageTransforms.none();
        private int workers = 2;
        private BadImagePolicy policy = BadImagePolicy.FAIL;
        private double[] sampleWeights;
        private Consumer<String> warnings = message -> System.err.println("warning: " + message);

        private Builder(ImageRecords records, int channels, int height, int width) {
            if (records == null) {
                throw new IllegalArgumentException("ImageLoader: records must not be null");
            }
            if ((channels != 1 && channels != 3) || height <= 0 || width <= 0) {
                throw new IllegalArgumentException("ImageLoader: batches need 1 or 3 channels and a positive size, got "
                        + channels + "x" + height + "x" + width);
            }
            this.records = records;
            this.channels = channels;
            this.height = height;
            this.width = width;
        }

        public Builder batchSize(int batchSize) {
            options = options.withBatchSize(batchSize);
            return this;
        }

        public Builder shuffle(boolean shuffle) {
            options = options.withShuffle(shuffle);
            return this;
        }

        public Builder seed(long seed) {
            options = options.withSeed(seed);
            return this;
        }

        public Builder transforms(ImageTransforms transforms) {
            if (transforms == null) {
                throw new IllegalArgumentException("ImageLoader: transforms must not be null; use ImageTransforms.none()");
            }
            if (transforms.mean().length != 1 && transforms.mean().length != channels) {
                throw new IllegalArgumentException("ImageLoader: normalisation has " + transforms.mean().length
                        + " channel values but batches have " + channels + " channels");
            }
            this.transforms = transforms;
            return this;
        }

        /** Decoding threads, 1..64 (default 2). Results do not depend on it. */
        public Builder workers(int workers) {
            if (workers < 1 || workers > 64) {
                throw new IllegalArgumentException("ImageLoader: workers must be within 1..64, got " + workers);
            }
            this.workers = workers;
            return this;
        }

        /** Batches prepared ahead beyond one per worker, 1..16 (default 2). */
        public Builder prefetch(int prefetch) {
            options = options.withPrefetch(prefetch);
            return this;
        }

        public Builder dropLast(boolean dropLast) {
            options = options.withDropLast(dropLast);
            return this;
        }

        public Builder badImages(BadImagePolicy policy) {
            if (policy == null) {
                throw new IllegalArgumentException("ImageLoader: bad-image policy must not be null");
            }
            this.policy = policy;
            return this;
        }

        /** Draw each epoch's N indices with replacement by these weights (one per image) instead of shuffling. */
        public Builder sampleWeights(double[] weights) {
            if (weights != null) {
                double sum = 0;
                for (double w : weights) {
                    if (!(w >= 0) || Double.isInfinite(w)) {
                        throw new IllegalArgumentException("ImageLoader: sample weights must be finite and >= 0, got " + w);
                    }
                    sum += w;
                }
                if (!(sum > 0)) {
                    throw new IllegalArgumentException("ImageLoader: sample weights must not all be 0");
                }
                weights = weights.clone();
            }
            this.sampleWeights = weights;
            return this;
        }

        public Builder warnings(Consumer<String> warnings) {
            this.warnings = warnings == null ? message -> { } : warnings;
            return this;
        }

        public ImageLoader build() {
            return new ImageLoader(this);
        }
    }
}
