package dev.ingot.distributed;

import dev.ingot.core.Backend;
import dev.ingot.core.Tensor;
import dev.ingot.core.collective.Collective;
import dev.ingot.core.collective.Reduction;
import dev.ingot.nn.Buffer;
import dev.ingot.nn.GradientsReadyListener;
import dev.ingot.nn.Model;
import dev.ingot.nn.Optimizer;
import dev.ingot.nn.Parameter;
import dev.ingot.nn.Replicas;

import java.util.ArrayList;
import java.util.List;

/**
 * Data-parallel training over a {@link Collective}, as PyTorch's DistributedDataParallel does it:
 * <ul>
 *   <li>{@link #synchronise} copies rank 0's weights, buffers and optimizer state to every rank
 *       before training (they already agree when built from the same seed; this makes sure);</li>
 *   <li>after each backward pass, every rank scales its gradients (the mean over its shard of m
 *       images) by m/n and all-reduces them with a sum, giving the mean over the global batch of n
 *       on every rank, also when the shards are unequal (the last batch of an epoch);</li>
 *   <li>then rank 0's buffers (BatchNorm running statistics) are broadcast, as DDP's default
 *       {@code broadcast_buffers=True}: the batch statistics used in a training step are those of
 *       each rank's own shard, the running statistics kept, evaluated and saved are rank 0's.</li>
 * </ul>
 * With {@code overlap} (the default for host collectives) the gradients are all-reduced in buckets
 * while the backward pass still runs ({@link GradientBuckets}); without it, after the whole backward
 * pass as one flat buffer (the way a device collective such as NCCL is driven here). Both give the
 * same sums: for two ranks bit for bit.
 */
public final class DataParallel implements Replicas, AutoCloseable {
    /**
     * Default bucket: 256 KiB (64 Ki floats). PyTorch's 25 MiB is sized for models of 10-100 M
     * parameters; the reference models here have 0.37 MB (mnist-cnn) to 1.1 MB (cifar10-resnet20)
     * of gradients, which a 25 MiB bucket would reduce in one piece after the whole backward pass,
     * i.e. with no overlap at all. 256 KiB cuts them into 2 and 6 buckets, and a call costs a
     * few microseconds over shared memory (docs/distributed.md), so small buckets are cheap.
     */
    public static final long DEFAULT_BUCKET_BYTES = 256 << 10;

    private final Collective collective;
    private final long bucketBytes;
    private final boolean overlap;
    private GradientBuckets buckets;
    private long startedByClosedBuckets;
    private final List<Tensor> gradients = new ArrayList<>();
    private final List<Tensor> buffers = new ArrayList<>();
    private Model boundTo;
    private long reduceNanos;
    private long steps;

    /** Overlapped with the backward pass, in buckets of {@link #DEFAULT_BUCKET_BYTES}. */
    public DataParallel(Collective collective) {
        this(collective, DEFAULT_BUCKET_BYTES, true);
    }

    /**
     * @param bucketBytes the largest bucket of gradients all-reduced in one call (a single larger
     *                    gradient is a bucket of its own)
     * @param overlap     whether buckets are all-reduced while the backward pass runs, by a
     *                    communication thread; the collective must then accept calls from that thread
     *                    (MPI at {@code MPI_THREAD_SERIALIZED} or more, the in-process collective)
     */
    public DataParallel(Collective collective, long bucketBytes, boolean overlap) {
        if (collective == null) {
            throw new IllegalArgumentException("DataParallel needs a collective");
        }
        if (bucketBytes < 4) {
            throw new IllegalArgumentException("DataParallel: bucket size must be at least 4 bytes (one float), got "
                    + bucketBytes);
        }
        this.collective = collective;
        this.bucketBytes = bucketBytes;
        this.overlap = overlap;
    }

    public long bucketBytes() {
        return bucketBytes;
    }

    /** Whether gradients are all-reduced while the backward pass runs. */
    public boolean overlapped() {
        return overlap;
    }

    /** The number of buckets the bound model's gradients are cut into (0 before the first step, or without overlap). */
    public int bucketCount() {
        return buckets == null ? 0 : buckets.bucketCount();
    }

    public Collective collective() {
        return collective;
    }

    @Override
    public int rank() {
        return collective.rank();
    }

    @Override
    public int count() {
        return collective.size();
    }

    /** Copies rank 0's parameters, buffers and optimizer state to every rank. */
    public void synchronise(Model model, Optimizer optimizer) {
        List<Tensor> tensors = new ArrayList<>();
        for (Parameter p : model.parameters()) {
            tensors.add(p.value());
        }
        for (Buffer b : model.buffers()) {
            tensors.add(b.value());
        }
        optimizer.state(model.trainableParameters()).values().forEach(tensors::add);
        collective.broadcast(tensors, 0);
    }

    @Override
    public void beforeBackward(Model model, int shardImages, int batchImages) {
        if (overlap) {
            bind(model);
            buckets.arm((float) shardImages / batchImages);
        }
    }

    @Override
    public void reduceGradients(Model model, int shardImages, int batchImages) {
        long t0 = System.nanoTime();
        bind(model);
        float weight = (float) shardImages / batchImages;
        if (overlap) {
            buckets.finish(weight); // weight is used only when beforeBackward was not called (empty shard)
            broadcastBuffers();
            reduceNanos += System.nanoTime() - t0;
            steps++;
            return;
        }
        Backend b = model.backend();
        for (Tensor g : gradients) {
            if (shardImages == 0) {
                b.fill(g, 0f); // this rank saw no image of the batch: it adds nothing
            } else if (weight != 1f) {
                b.scale(g, weight, g);
            }
        }
        collective.allReduce(gradients, Reduction.SUM);
        broadcastBuffers();
        reduceNanos += System.nanoTime() - t0;
        steps++;
    }

    private void broadcastBuffers() {
        if (!buffers.isEmpty()) {
            collective.broadcast(buffers, 0);
        }
    }

    @Override
    public void sumTotals(float[] totals) {
        collective.allReduce(totals, Reduction.SUM);
    }

    /**
     * Seconds spent scaling and reducing gradients and broadcasting buffers after the backward
     * pass so far (with overlap: only the wait for buckets still in flight and the copies back),
     * and in how many steps.
     */
    public double reduceSeconds() {
        return reduceNanos / 1e9;
    }

    /** Buckets whose all-reduce started while the backward pass still ran, over all steps so far. */
    public long bucketsStartedDuringBackward() {
        return startedByClosedBuckets + (buckets == null ? 0 : buckets.startedDuringBackward());
    }

    /** The listener set on the bound model, or null before the first step or without overlap (for tests). */
    GradientsReadyListener listener() {
        return buckets;
    }

    /** The communication thread, or null before the first step or without overlap (for tests). */
    Thread communicationThread() {
        return buckets == null ? null : buckets.communicationThread();
    }

    /** The communication thread's CPU time so far, in nanoseconds; 0 without overlap (for the benchmark). */
    long communicationCpuNanos() {
        return buckets == null ? 0 : Math.max(0, buckets.communicationCpuNanos());
    }

    public long reducedSteps() {
        return steps;
    }

    /** The gradient and buffer lists are made once per model: a step allocates nothing for them. */
    private void bind(Model model) {
        if (boundTo == model) {
            return;
        }
        gradients.clear();
        buffers.clear();
        for (Parameter p : model.trainableParameters()) {
            gradients.add(p.grad());
        }
        for (Buffer buf : model.buffers()) {
            buffers.add(buf.value());
        }
        if (overlap) {
            if (buckets != null) {
                startedByClosedBuckets += buckets.startedDuringBackward();
                buckets.close();
                if (boundTo != null) {
                    boundTo.gradientsReadyListener(null);
                }
            }
            buckets = new GradientBuckets(collective, model.trainableParameters(), bucketBytes);
            model.gradientsReadyListener(buckets);
        }
        boundTo = model;
    }

    /** Stops the communication thread and detaches from the model; the collective stays open (its owner closes it). */
    @Override
    public void close() {
        if (buckets != null) {
            startedByClosedBuckets += buckets.startedDuringBackward();
            buckets.close();
            buckets = null;
            boundTo.gradientsReadyListener(null);
            boundTo = null;
        }
    }
}
