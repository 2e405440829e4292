package dev.ingot.data;

import dev.ingot.data.image.ImageDecoding;
import dev.ingot.data.image.UInt8Image;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
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
    private static final long STOP_TIMEOUT_MILLIS = 10_000;

    private final ImageRecords records;
    private final int channels;
    private final int height;
    private final int width;
    private final int batchSize;
    private final boolean shuffle;
    private final long seed;
    private final ImageTransforms transforms;
    private final int workers;
    private final int prefetch;
    private final boolean dropLast;
    private final BadImagePolicy policy;
    private final double[] sampleWeights;
    private final Consumer<String> warnings;
    private final EpochPlan plan;
    private final int fullBatches;
    private final int tailSize;
    private final Slot[] ring;
    private final Slot tailSlot;
    private final Set<String> warned = ConcurrentHashMap.newKeySet();
    private volatile Epoch open;
    private volatile boolean closed;
    private volatile double lastRate;

    private ImageLoader(Builder b) {
        this.records = b.records;
        this.channels = b.channels;
        this.height = b.height;
        this.width = b.width;
        this.batchSize = b.batchSize;
        this.shuffle = b.shuffle;
        this.seed = b.seed;
        this.transforms = b.transforms;
        this.workers = b.workers;
        this.prefetch = b.prefetch;
        this.dropLast = b.dropLast;
        this.policy = b.policy;
        this.sampleWeights = b.sampleWeights;
        this.warnings = b.warnings;
        int n = records.size();
        this.plan = new EpochPlan("ImageLoader over '" + records.name() + "'", records.name(), n, batchSize, dropLast);
        this.fullBatches = plan.fullBatches();
        this.tailSize = plan.tailSize();
        this.ring = new Slot[fullBatches == 0 ? 0 : prefetch + workers];
        for (int i = 0; i < ring.length; i++) {
            ring[i] = new Slot(batchSize, channels, channels * height * width, transforms);
        }
        this.tailSlot = tailSize == 0 ? null : new Slot(tailSize, channels, channels * height * width, transforms);
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
        return batchSize;
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
        Epoch e = open;
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
            SplitMix64 random = SplitMix64.of(seed, SAMPLER_PURPOSE, epoch, 0);
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
        return plan.shuffledOrder(shuffle, seed, epoch);
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
    public synchronized Epoch epoch(int epoch, int firstBatch) {
        plan.checkOpening(closed, epoch, firstBatch);
        if (open != null) {
            open.close();
        }
        open = new Epoch(epoch, firstBatch);
        return open;
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (open != null) {
            open.close();
        }
    }

    /**
     * One reusable batch buffer: the images as the transforms leave them, HWC bytes back to back
     * (a copy of each, no conversion); the backend normalises them ({@link Batch#upload}).
     */
    private static final class Slot {
        final byte[] images;
        final int[] labels;
        final Batch batch;

        Slot(int size, int channels, int imageSize, ImageTransforms transforms) {
            images = new byte[size * imageSize];
            labels = new int[size];
            batch = new Batch(null, new Batch.Pixels(images, channels, transforms.normalization()), labels, size);
        }
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
        SplitMix64 random = SplitMix64.of(seed, TRANSFORM_PURPOSE, epoch, index);
        UInt8Image out = transforms.apply(image, random, seed, epoch, index);
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
    public final class Epoch implements BatchSource.Epoch, java.util.Iterator<Batch> {
        private final int epoch;
        private final int[] order;
        private final int total;
        private final AtomicInteger claim;
        private final BlockingQueue<Slot> free;
        private final Slot tail;
        private final Map<Integer, Slot> ready = new ConcurrentHashMap<>();
        private final Object signal = new Object();
        private final List<Thread> threads = new ArrayList<>();
        private final AtomicLong busyNanos = new AtomicLong();
        private final AtomicLong prepared = new AtomicLong();
        private volatile boolean stopped;
        private volatile Throwable failure;
        private volatile int failedBatch = -1;
        private Slot current;
        private int nextBatch;
        private boolean iterated;

        private Epoch(int epoch, int firstBatch) {
            this.epoch = epoch;
            this.order = order(epoch);
            this.total = batchesPerEpoch();
            this.claim = new AtomicInteger(firstBatch);
            this.nextBatch = firstBatch;
            // The loader's buffers serve every epoch; the previous epoch's workers have stopped.
            this.free = new ArrayBlockingQueue<>(Math.max(1, ring.length));
            free.addAll(java.util.Arrays.asList(ring));
            this.tail = tailSlot;
            for (int w = 0; w < workers; w++) {
                threads.add(Thread.ofPlatform().daemon().name("ingot-images-" + records.name() + "-e" + epoch + "-w" + w)
                        .start(this::work));
            }
        }

        public int number() {
            return epoch;
        }

        /** Index within the epoch of the batch the next {@link #next()} returns. */
        public int nextBatchIndex() {
            return nextBatch;
        }

        /**
         * Images the workers prepared per second of their own working time, times the number of
         * workers: what the pipeline can deliver, whether or not the consumer keeps up.
         */
        public double pipelineImagesPerSecond() {
            long busy = busyNanos.get();
            return busy == 0 ? 0 : prepared.get() * 1e9 * workers / busy;
        }

        private void work() {
            try (ImageDecoding decoder = ImageDecoding.open()) {
                while (!stopped) {
                    Slot slot = fullBatches > 0 ? free.take() : null;
                    int b = claim.getAndIncrement();
                    if (b >= total) {
                        if (slot != null) {
                            free.offer(slot);
                        }
                        return;
                    }
                    Slot target = b < fullBatches ? slot : tail;
                    if (target != slot && slot != null) {
                        free.offer(slot);
                    }
                    long t0 = System.nanoTime();
                    try {
                        int size = target.batch.size();
                        int start = b * batchSize;
                        for (int i = 0; i < size; i++) {
                            if (stopped) {
                                return;
                            }
                            prepare(order[start + i], epoch, decoder, target.images, i * imageSize(), target.labels, i);
                        }
                    } catch (RuntimeException | Error e) {
                        if (!stopped) {
                            synchronized (signal) {
                                if (failure == null || b < failedBatch) {
                                    failure = e;
                                    failedBatch = b;
                                }
                                signal.notifyAll();
                            }
                        }
                        return;
                    }
                    busyNanos.addAndGet(System.nanoTime() - t0);
                    prepared.addAndGet(target.batch.size());
                    synchronized (signal) {
                        ready.put(b, target);
                        signal.notifyAll();
                    }
                }
            } catch (InterruptedException stop) {
                // close() asked us to stop
            }
        }

        @Override
        public java.util.Iterator<Batch> iterator() {
            if (iterated) {
                throw new IllegalStateException("epoch " + epoch + " can be iterated only once");
            }
            iterated = true;
            return this;
        }

        @Override
        public boolean hasNext() {
            requireOpen();
            release();
            if (nextBatch >= total) {
                return false;
            }
            await();
            return true;
        }

        @Override
        public Batch next() {
            if (!hasNext()) {
                throw new NoSuchElementException("epoch " + epoch + " has no more batches (it has " + total + ")");
            }
            current = ready.remove(nextBatch);
            nextBatch++;
            return current.batch;
        }

        private void release() {
            if (current != null) {
                if (current != tail) {
                    free.offer(current);
                }
                current = null;
            }
        }

        private void await() {
            synchronized (signal) {
                while (!ready.containsKey(nextBatch)) {
                    Throwable f = failure;
                    if (f != null && failedBatch <= nextBatch) {
                        throw new IllegalStateException("ImageLoader over '" + records.name() + "' failed preparing batch "
                                + failedBatch + " of epoch " + epoch + ": " + f.getMessage(), f);
                    }
                    if (f != null && threads.stream().noneMatch(Thread::isAlive)) {
                        throw new IllegalStateException("ImageLoader over '" + records.name() + "' failed preparing batch "
                                + failedBatch + " of epoch " + epoch + ": " + f.getMessage(), f);
                    }
                    if (threads.stream().noneMatch(Thread::isAlive) && !ready.containsKey(nextBatch)) {
                        throw new IllegalStateException("the workers of epoch " + epoch + " ended without delivering batch "
                                + nextBatch);
                    }
                    try {
                        signal.wait(100);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        close();
                        throw new IllegalStateException("interrupted while waiting for batch " + nextBatch + " of epoch "
                                + epoch, e);
                    }
                    requireOpen();
                }
            }
        }

        private void requireOpen() {
            if (stopped) {
                throw new IllegalStateException("epoch " + epoch + " of the ImageLoader over '" + records.name()
                        + "' is closed");
            }
        }

        /** Stops the workers and waits for them; the epoch's batches become invalid. Idempotent. */
        @Override
        public void close() {
            synchronized (ImageLoader.this) {
                if (stopped) {
                    return;
                }
                stopped = true;
                EpochPlan.stopWorkers(threads, STOP_TIMEOUT_MILLIS);
                ready.clear();
                current = null;
                lastRate = pipelineImagesPerSecond();
                if (open == this) {
                    open = null;
                }
            }
        }
    }

    /** Options of an {@link ImageLoader}. */
    public static final class Builder {
        private final ImageRecords records;
        private final int channels;
        private final int height;
        private final int width;
        private int batchSize = 32;
        private boolean shuffle = true;
        private long seed;
        private ImageTransforms transforms = ImageTransforms.none();
        private int workers = 2;
        private int prefetch = 2;
        private boolean dropLast;
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
            if (batchSize < 1) {
                throw new IllegalArgumentException("ImageLoader: batchSize must be >= 1, got " + batchSize);
            }
            this.batchSize = batchSize;
            return this;
        }

        public Builder shuffle(boolean shuffle) {
            this.shuffle = shuffle;
            return this;
        }

        public Builder seed(long seed) {
            this.seed = seed;
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
            if (prefetch < 1 || prefetch > 16) {
                throw new IllegalArgumentException("ImageLoader: prefetch must be within 1..16, got " + prefetch);
            }
            this.prefetch = prefetch;
            return this;
        }

        public Builder dropLast(boolean dropLast) {
            this.dropLast = dropLast;
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
