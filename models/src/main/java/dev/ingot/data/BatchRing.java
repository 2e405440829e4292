package dev.ingot.data;

import java.util.List;
import java.util.function.Consumer;
import java.util.function.IntFunction;
import java.util.function.Supplier;

/**
 * A loader's batch buffers and its one open epoch, the part {@link DataLoader} and
 * {@link ImageLoader} share: {@code count} full-size buffers (none when every batch is partial)
 * and one exact-size buffer for a partial last batch, allocated once and reused by every epoch
 * (steady-state batching allocates nothing); opening an epoch closes the one before (its batches
 * become invalid); closing the ring stops the open epoch and refuses new ones.
 */
final class BatchRing {
    private final EpochPlan plan;
    private final Batch[] full;
    private final Batch tail;
    private volatile EpochRun open;
    private volatile boolean closed;

    /** @param buffer a new buffer of the given number of images */
    BatchRing(EpochPlan plan, int count, IntFunction<Batch> buffer) {
        this.plan = plan;
        this.full = new Batch[plan.fullBatches() == 0 ? 0 : count];
        for (int i = 0; i < full.length; i++) {
            full[i] = buffer.apply(plan.batchSize());
        }
        this.tail = plan.tailSize() == 0 ? null : buffer.apply(plan.tailSize());
    }

    /** The open epoch, or {@code null}. */
    EpochRun open() {
        return open;
    }

    /**
     * Opens epoch {@code epoch} from batch {@code firstBatch}, after closing the open one.
     *
     * @param threadName worker w's thread name
     * @param workers    the epoch's workers, one thread each (made once the request is known to be valid)
     * @param onClose    runs when the epoch has stopped, under this ring's lock
     */
    synchronized EpochRun open(int epoch, int firstBatch, IntFunction<String> threadName,
                               Supplier<List<? extends EpochRun.Worker>> workers, Consumer<EpochRun> onClose) {
        plan.checkOpening(closed, epoch, firstBatch);
        if (open != null) {
            open.close();
        }
        open = new EpochRun(plan, epoch, firstBatch, full, tail, threadName, workers.get(), this, run -> {
            onClose.accept(run);
            if (open == run) {
                open = null;
            }
        });
        return open;
    }

    /** Stops the open epoch's workers, if any, and waits for them; no epoch opens after this. Idempotent. */
    synchronized void close() {
        closed = true;
        if (open != null) {
            open.close();
        }
    }
}
