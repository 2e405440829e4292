package dev.ingot.data;

import java.util.List;

/**
 * Where a trainer's batches come from, epoch by epoch: the in-memory {@link DataLoader} or the
 * streaming {@link ImageLoader}. Both follow the same contract: epoch e (from batch b on) is a
 * pure function of (seed, e, b), a batch is valid until the next {@code hasNext()}/{@code next()}.
 */
public interface BatchSource extends AutoCloseable {
    /** The dataset's name, for messages. */
    String name();

    /** Images in the dataset (one epoch visits this many unless the last partial batch is dropped). */
    int datasetSize();

    /** Class names in label order. */
    List<String> classes();

    /** Per-image shape of the batches: channels, height, width. */
    int channels();

    int height();

    int width();

    int batchSize();

    int batchesPerEpoch();

    /** The batches of {@code epoch} from {@code firstBatch} on; closes the epoch opened before. */
    Epoch epoch(int epoch, int firstBatch);

    @Override
    void close();

    /** One epoch's batches, iterable once; close it to stop its threads when leaving early. */
    interface Epoch extends Iterable<Batch>, AutoCloseable {
        /** The epoch number. */
        int number();

        /** Index within the epoch of the batch the next {@code next()} returns (the resume position). */
        int nextBatchIndex();

        @Override
        void close();
    }
}
