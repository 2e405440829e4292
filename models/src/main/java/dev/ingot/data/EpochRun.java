package dev.ingot.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.IntFunction;

/**
 * One epoch of either loader ({@link DataLoader}: one worker, {@link ImageLoader}: N): worker
 * threads each take a free batch buffer, claim the next batch index, fill it and post it; the
 * consumer takes the batches strictly in index order, so the batches do not depend on how many
 * workers there are. A buffer goes back to the free ring when the consumer moves on
 * ({@code hasNext()}/{@code next()}); the partial last batch has its own buffer.
 *
 * <p>A worker's exception reaches the consumer once every batch before the failed one has been
 * handed out, as an {@link IllegalStateException} naming the batch and epoch, with the original
 * as its cause; it is reported again on every later call. Closing (from any thread) interrupts
 * the workers and waits for them; a consumer waiting for a batch is released with "is closed".
 */
final class EpochRun implements DataLoader.Epoch, ImageLoader.Epoch {
    private static final long POLL_MILLIS = 100;
    private static final long STOP_TIMEOUT_MILLIS = 10_000;

    /** What a worker thread does: fills batch {@code index} into {@code target}. */
    interface Worker extends AutoCloseable {
        /** Fills {@code target} (its images and labels) with batch {@code index}; stops when interrupted. */
        void fill(int index, Batch target) throws InterruptedException;

        /** Frees what the worker holds (a decoder); runs on the worker thread when it ends. */
        @Override
        default void close() {
        }
    }

    private final String owner;
    private final int epoch;
    private final int total;
    private final int fullBatches;
    private final Batch tail;
    private final BlockingQueue<Batch> free;
    private final AtomicInteger claim;
    private final Map<Integer, Batch> ready = new ConcurrentHashMap<>();
    private final Object signal = new Object();
    private final List<Thread> threads = new ArrayList<>();
    private final AtomicLong busyNanos = new AtomicLong();
    private final AtomicLong prepared = new AtomicLong();
    private final Object lock;
    private final Consumer<EpochRun> onClose;
    private volatile boolean stopped;
    private volatile Throwable failure;
    private volatile int failedBatch = -1;
    private Batch current;
    private int nextBatch;
    private boolean iterated;

    /**
     * Starts the workers.
     *
     * @param plan       the loader's plan: its batches per epoch and full batches
     * @param epoch      the epoch number
     * @param firstBatch the first batch to hand out
     * @param ring       the full-size buffers, free at the start (the previous epoch has stopped)
     * @param tail       the partial last batch's buffer, or {@code null}
     * @param threadName worker w's thread name
     * @param workers    one {@link Worker} per thread
     * @param lock       what {@link #close()} holds (the loader, which opens and closes epochs under it)
     * @param onClose    runs under {@code lock} once the workers have stopped
     */
    EpochRun(EpochPlan plan, int epoch, int firstBatch, Batch[] ring, Batch tail, IntFunction<String> threadName,
             List<? extends Worker> workers, Object lock, Consumer<EpochRun> onClose) {
        this.owner = plan.owner();
        this.epoch = epoch;
        this.total = plan.batchesPerEpoch();
        this.fullBatches = plan.fullBatches();
        this.tail = tail;
        this.free = new ArrayBlockingQueue<>(Math.max(1, ring.length));
        free.addAll(Arrays.asList(ring));
        this.claim = new AtomicInteger(firstBatch);
        this.nextBatch = firstBatch;
        this.lock = lock;
        this.onClose = onClose;
        for (int w = 0; w < workers.size(); w++) {
            Worker worker = workers.get(w);
            threads.add(Thread.ofPlatform().daemon().name(threadName.apply(w)).start(() -> work(worker)));
        }
    }

    @Override
    public int number() {
        return epoch;
    }

    @Override
    public int nextBatchIndex() {
        return nextBatch;
    }

    @Override
    public Thread worker() {
        return threads.getFirst();
    }

    /**
     * Images the workers prepared per second of their own working time, times the number of
     * workers: what the pipeline can deliver, whether or not the consumer keeps up.
     */
    @Override
    public double pipelineImagesPerSecond() {
        long busy = busyNanos.get();
        return busy == 0 ? 0 : prepared.get() * 1e9 * threads.size() / busy;
    }

    private void work(Worker worker) {
        try (worker) {
            while (!stopped) {
                // A buffer first, then an index: a worker holding an index always has somewhere to put it.
                Batch slot = fullBatches > 0 ? free.take() : null;
                int b = claim.getAndIncrement();
                if (b >= total) {
                    if (slot != null) {
                        free.offer(slot);
                    }
                    return;
                }
                Batch target = b < fullBatches ? slot : tail;
                if (target != slot && slot != null) {
                    free.offer(slot);
                }
                long t0 = System.nanoTime();
                try {
                    worker.fill(b, target);
                } catch (RuntimeException | Error e) {
                    if (!stopped) {   // after close(), a failure is only the interrupt's consequence
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
                prepared.addAndGet(target.size());
                synchronized (signal) {
                    ready.put(b, target);
                    signal.notifyAll();
                }
            }
        } catch (InterruptedException stop) {
            // close() asked us to stop; nobody waits for more batches.
        }
    }

    @Override
    public java.util.Iterator<Batch> iterator() {
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
        if (current != null) {
            if (current != tail) {
                free.offer(current);
            }
            current = null;
        }
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
        return current;
    }

    private void await() {
        try {
            synchronized (signal) {
                while (!ready.containsKey(nextBatch)) {
                    Throwable f = failure;
                    boolean workersEnded = threads.stream().noneMatch(Thread::isAlive);
                    if (f != null && (failedBatch <= nextBatch || workersEnded)) {
                        String why = f.getMessage() != null ? f.getMessage() : f.toString();
                        throw new IllegalStateException(owner + " failed preparing batch " + failedBatch + " of epoch "
                                + epoch + ": " + why, f);
                    }
                    if (workersEnded && !ready.containsKey(nextBatch)) {
                        throw new IllegalStateException("the workers of epoch " + epoch + " of the " + owner
                                + " ended without delivering batch " + nextBatch);
                    }
                    signal.wait(POLL_MILLIS);
                    requireOpen();
                }
            }
        } catch (InterruptedException e) {
            // close() outside the signal's monitor: close() takes the loader's lock, then the signal
            Thread.currentThread().interrupt();
            close();
            throw new IllegalStateException("interrupted while waiting for batch " + nextBatch + " of epoch " + epoch, e);
        }
    }

    private void requireOpen() {
        if (stopped) {
            throw new IllegalStateException("epoch " + epoch + " of the " + owner + " is closed (closed explicitly,"
                    + " by starting another epoch, or by closing the loader)");
        }
    }

    /** Stops the workers and waits for them; the epoch's batches become invalid. Idempotent. */
    @Override
    public void close() {
        synchronized (lock) {
            if (stopped) {
                return;
            }
            stopped = true;
            synchronized (signal) {
                signal.notifyAll();   // a consumer waiting in await() sees "closed" now, not after a poll
            }
            boolean ended = EpochPlan.stopWorkers(threads, STOP_TIMEOUT_MILLIS);
            ready.clear();
            current = null;
            onClose.accept(this);
            if (!ended) {
                throw new IllegalStateException("the workers of epoch " + epoch + " of the " + owner + " did not stop"
                        + " within " + STOP_TIMEOUT_MILLIS + " ms (a transform that ignores interrupts?)");
            }
        }
    }
}
