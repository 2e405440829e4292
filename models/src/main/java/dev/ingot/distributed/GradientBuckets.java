package dev.ingot.distributed;

import dev.ingot.core.Tensor;
import dev.ingot.core.collective.Collective;
import dev.ingot.core.collective.CollectiveException;
import dev.ingot.core.collective.Reduction;
import dev.ingot.nn.GradientsReadyListener;
import dev.ingot.nn.Layer;
import dev.ingot.nn.Parameter;

import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;

/**
 * Gradients all-reduced in buckets while the backward pass still runs, PyTorch DDP's design:
 * <ul>
 *   <li>the trainable parameters are cut, in <em>reverse</em> order (the order backward finishes
 *       them), into buckets of at most {@code bucketBytes} (a parameter larger than that is a bucket
 *       of its own); the cut depends on the model and the bucket size only, never on timing;</li>
 *   <li>when a layer's backward pass has finished ({@link GradientsReadyListener}), its gradients
 *       are copied, scaled by m/n, into their bucket's host array; a bucket whose every gradient
 *       has arrived is handed to the communication thread, strictly in bucket order, so every rank
 *       issues the same collectives in the same order;</li>
 *   <li>the communication thread, the only one that calls the collective during a step, all-reduces
 *       bucket after bucket ({@code MPI_Allreduce} on its own staging buffer) while the training
 *       thread goes on with the earlier layers' backward passes;</li>
 *   <li>{@link #finish} packs whatever did not arrive (a model without the hook, a layer whose
 *       backward did not run), waits for every bucket and copies the sums back into the
 *       gradients, before the optimizer step.</li>
 * </ul>
 * Each element's sum is the one the collective computes for it however the work is timed, and for
 * two ranks (a + b) it is bit for bit the sum of the unbucketed reduction.
 *
 * <p>The handover uses two volatile counters and {@link LockSupport#park}: no queue nodes, no
 * condition objects, so a steady-state step allocates nothing.
 */
final class GradientBuckets implements GradientsReadyListener, AutoCloseable {
    private final Collective collective;
    private final Parameter[] parameters; // reverse model order: bucket 0 holds the last layers
    // Keyed by the weight tensor: a model's parameters are renamed copies ("0.conv2d.weight") of the
    // layer's own, sharing its tensors.
    private final Map<Tensor, Integer> indexOf = new IdentityHashMap<>();
    private final Map<Layer, int[]> layerParameters = new IdentityHashMap<>();
    private final int[] bucketOf;
    private final int[] offsetOf;
    private final float[][] mirrors; // one per parameter: the backend copies whole tensors
    private final float[][] buckets;
    private final int[] bucketLength;
    private final int[] parametersIn;
    private final int[] pending;
    private final boolean[] packed;
    private final Thread communication;

    private float weight;
    private boolean armed;
    private int launched; // buckets handed over this step (training thread only)
    private volatile int published; // buckets handed over, ever
    private volatile int completed; // buckets reduced, ever
    private volatile Throwable failure;
    private volatile boolean closing;
    private volatile Thread waiter;
    private int base; // value of published at the start of this step
    private long startedDuringBackward; // buckets handed over before finish, over all steps

    GradientBuckets(Collective collective, List<Parameter> trainable, long bucketBytes) {
        if (bucketBytes < 4) {
            throw new IllegalArgumentException("gradient bucket size must be at least 4 bytes, got " + bucketBytes);
        }
        this.collective = collective;
        int n = trainable.size();
        parameters = new Parameter[n];
        bucketOf = new int[n];
        offsetOf = new int[n];
        mirrors = new float[n][];
        packed = new boolean[n];
        int[] lengths = new int[n];
        int bucketCount = 0;
        long inBucket = 0;
        for (int i = 0; i < n; i++) {
            Parameter p = trainable.get(n - 1 - i);
            parameters[i] = p;
            indexOf.put(p.value(), i);
            long size = p.grad().size();
            if (size > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("gradient of " + p.name() + " has more than 2^31 elements");
            }
            mirrors[i] = new float[(int) size];
            if (i == 0 || (inBucket + size) * 4 > bucketBytes) {
                bucketCount++;
                inBucket = 0;
            }
            bucketOf[i] = bucketCount - 1;
            offsetOf[i] = (int) inBucket;
            inBucket += size;
            lengths[bucketCount - 1] = (int) inBucket;
        }
        buckets = new float[bucketCount][];
        bucketLength = new int[bucketCount];
        parametersIn = new int[bucketCount];
        pending = new int[bucketCount];
        for (int b = 0; b < bucketCount; b++) {
            bucketLength[b] = lengths[b];
            buckets[b] = new float[lengths[b]];
        }
        for (int i = 0; i < n; i++) {
            parametersIn[bucketOf[i]]++;
        }
        communication = Thread.ofPlatform().daemon().name("ingot-gradient-allreduce-rank-" + collective.rank())
                .unstarted(this::communicate);
        communication.start();
    }

    int bucketCount() {
        return buckets.length;
    }

    /** Before the backward pass: gradients arriving from now on are scaled by {@code weight} (m/n). */
    void arm(float weight) {
        checkFailure();
        this.weight = weight;
        launched = 0;
        base = published;
        System.arraycopy(parametersIn, 0, pending, 0, pending.length);
        java.util.Arrays.fill(packed, false);
        armed = true;
    }

    @Override
    public void gradientsReady(Layer layer) {
        if (!armed) {
            return; // a backward pass outside a data-parallel step (e.g. a gradient check)
        }
        int[] own = layerParameters.get(layer);
        if (own == null) {
            own = layer.parameters().stream().map(p -> indexOf.get(p.value())).filter(i -> i != null).mapToInt(Integer::intValue)
                    .toArray(); // once per layer: the first step allocates, later ones look up
            layerParameters.put(layer, own);
        }
        for (int i : own) {
            pack(i);
        }
        int before = launched;
        launchReady();
        startedDuringBackward += launched - before;
    }

    Thread communicationThread() {
        return communication;
    }

    /** The communication thread's CPU time so far, in nanoseconds (-1 where the JVM does not measure it). */
    long communicationCpuNanos() {
        return java.lang.management.ManagementFactory.getThreadMXBean().getThreadCpuTime(communication.threadId());
    }

    /** How many buckets, over all steps so far, were handed over while the backward pass still ran. */
    long startedDuringBackward() {
        return startedDuringBackward;
    }

    /**
     * After the backward pass (or instead of it, for an empty shard: {@code weight} 0): packs every
     * gradient not yet packed, hands over the remaining buckets, waits for all, and writes the
     * sums back into the gradients.
     */
    void finish(float weightIfNotArmed) {
        if (!armed) {
            arm(weightIfNotArmed);
        }
        for (int i = 0; i < parameters.length; i++) {
            pack(i);
        }
        launchReady();
        armed = false;
        int target = base + buckets.length;
        waiter = Thread.currentThread();
        while (completed < target) {
            checkFailure();
            LockSupport.parkNanos(this, 1_000_000L); // woken by the communication thread; the bound is a safety net
        }
        checkFailure();
        for (int i = 0; i < parameters.length; i++) {
            float[] m = mirrors[i];
            System.arraycopy(buckets[bucketOf[i]], offsetOf[i], m, 0, m.length);
            Tensor g = parameters[i].grad();
            g.backend().copyFromHost(m, g);
        }
    }

    private void pack(int i) {
        if (packed[i]) {
            return;
        }
        packed[i] = true;
        float[] m = mirrors[i];
        float[] bucket = buckets[bucketOf[i]];
        int at = offsetOf[i];
        if (weight == 0f) {
            java.util.Arrays.fill(bucket, at, at + m.length, 0f); // this rank saw no image: it adds nothing
        } else {
            Tensor g = parameters[i].grad();
            g.backend().copyToHost(g, m);
            if (weight == 1f) {
                System.arraycopy(m, 0, bucket, at, m.length);
            } else {
                for (int k = 0; k < m.length; k++) {
                    bucket[at + k] = m[k] * weight; // the float product Backend.scale computes
                }
            }
        }
        pending[bucketOf[i]]--;
    }

    /** Hands over, in bucket order, every bucket whose gradients have all arrived. */
    private void launchReady() {
        int before = launched;
        while (launched < buckets.length && pending[launched] == 0) {
            launched++;
        }
        if (launched != before) {
            published = base + launched;
            LockSupport.unpark(communication);
        }
    }

    private void communicate() {
        int next = 0;
        while (true) {
            while (published == next) {
                if (closing) {
                    return;
                }
                LockSupport.park(this);
            }
            int b = next % buckets.length;
            try {
                if (collective instanceof MpiCollective mpi) {
                    mpi.allReduceWithoutSpinning(buckets[b], 0, bucketLength[b]); // leaves the cores to backward
                } else {
                    collective.allReduce(buckets[b], 0, bucketLength[b], Reduction.SUM);
                }
            } catch (Throwable t) {
                failure = t;
                wakeWaiter();
                return;
            }
            next++;
            completed = next;
            wakeWaiter();
        }
    }

    private void wakeWaiter() {
        Thread w = waiter;
        if (w != null) {
            LockSupport.unpark(w);
        }
    }

    private void checkFailure() {
        Throwable t = failure;
        if (t != null) {
            boolean timedOut = t instanceof CollectiveException c && c.timedOut();
            throw new CollectiveException("gradient all-reduce failed on the communication thread: " + t.getMessage(),
                    timedOut, t);
        }
    }

    /** Stops the communication thread (after the bucket it is reducing, if any). */
    @Override
    public void close() {
        closing = true;
        LockSupport.unpark(communication);
        try {
            communication.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
