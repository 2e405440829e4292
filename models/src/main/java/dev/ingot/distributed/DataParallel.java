package dev.ingot.distributed;

import dev.ingot.core.Backend;
import dev.ingot.core.Tensor;
import dev.ingot.core.collective.Collective;
import dev.ingot.core.collective.Reduction;
import dev.ingot.nn.Buffer;
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
 * Gradients are reduced in buckets of at most 16 MiB after the whole backward pass, not overlapped
 * with it: the models here have one or two buckets (see docs/distributed.md for the time it costs).
 */
public final class DataParallel implements Replicas {
    private final Collective collective;
    private final List<Tensor> gradients = new ArrayList<>();
    private final List<Tensor> buffers = new ArrayList<>();
    private Model boundTo;
    private long reduceNanos;
    private long steps;

    public DataParallel(Collective collective) {
        if (collective == null) {
            throw new IllegalArgumentException("DataParallel needs a collective");
        }
        this.collective = collective;
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
    public void reduceGradients(Model model, int shardImages, int batchImages) {
        long t0 = System.nanoTime();
        bind(model);
        Backend b = model.backend();
        float weight = (float) shardImages / batchImages;
        for (Tensor g : gradients) {
            if (shardImages == 0) {
                b.fill(g, 0f); // this rank saw no image of the batch: it adds nothing
            } else if (weight != 1f) {
                b.scale(g, weight, g);
            }
        }
        collective.allReduce(gradients, Reduction.SUM);
        if (!buffers.isEmpty()) {
            collective.broadcast(buffers, 0);
        }
        reduceNanos += System.nanoTime() - t0;
        steps++;
    }

    @Override
    public void sumTotals(float[] totals) {
        collective.allReduce(totals, Reduction.SUM);
    }

    /** Seconds spent scaling and reducing gradients and broadcasting buffers so far, and in how many steps. */
    public double reduceSeconds() {
        return reduceNanos / 1e9;
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
        boundTo = model;
    }
}
