package dev.ingot.distributed;

import dev.ingot.core.Tensor;
import dev.ingot.core.collective.Collective;
import dev.ingot.core.collective.CollectiveException;
import dev.ingot.core.collective.Reduction;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A group of ranks that are threads of this JVM, for tests and for checking the MPI path against:
 * every operation meets at a barrier, each rank publishes its array, and each rank reduces the
 * published arrays <em>in rank order</em> into its own, so the result is identical on every rank and
 * the same from run to run. A rank that does not arrive within the timeout makes the others throw a
 * timed-out {@link CollectiveException}; {@link #abort} makes them throw at once.
 */
public final class InProcessCollective implements Collective {
    private final Group group;
    private final int rank;
    private final HostStaging staging = new HostStaging();
    // Made once: a capturing lambda per call would allocate on every training step.
    private final HostStaging.FloatOp sumOp = (d, o, n) -> allReduce(d, o, n, Reduction.SUM);
    private final HostStaging.FloatOp averageOp = (d, o, n) -> allReduce(d, o, n, Reduction.AVERAGE);
    private final HostStaging.FloatOp broadcastFromZero = (d, o, n) -> broadcast(d, o, n, 0);
    private float[] scratch = new float[0];

    private static final class Group {
        final int size;
        final long timeoutNanos;
        final CyclicBarrier barrier;
        final Object[] published;
        final int[] offsets;
        volatile String abortReason;

        Group(int size, double timeoutSeconds) {
            this.size = size;
            this.timeoutNanos = (long) (timeoutSeconds * 1e9);
            this.barrier = new CyclicBarrier(size);
            this.published = new Object[size];
            this.offsets = new int[size];
        }
    }

    private InProcessCollective(Group group, int rank) {
        this.group = group;
        this.rank = rank;
    }

    /** {@code size} collectives of one group, element r being rank r; each is used by one thread. */
    public static List<InProcessCollective> group(int size, double timeoutSeconds) {
        if (size < 1) {
            throw new IllegalArgumentException("an in-process group needs at least 1 rank, got " + size);
        }
        if (!(timeoutSeconds > 0)) {
            throw new IllegalArgumentException("collective timeout must be > 0 seconds, got " + timeoutSeconds);
        }
        Group g = new Group(size, timeoutSeconds);
        List<InProcessCollective> ranks = new ArrayList<>(size);
        for (int r = 0; r < size; r++) {
            ranks.add(new InProcessCollective(g, r));
        }
        return List.copyOf(ranks);
    }

    @Override
    public int rank() {
        return rank;
    }

    @Override
    public int size() {
        return group.size;
    }

    @Override
    public String description() {
        return "in-process (threads), rank " + rank + " of " + group.size;
    }

    @Override
    public void allReduce(float[] data, int offset, int length, Reduction reduction) {
        checkRange("allReduce", data == null ? -1 : data.length, offset, length);
        if (scratch.length < length) {
            scratch = new float[length];
        }
        publish("allReduce", data, offset);
        for (int i = 0; i < length; i++) {
            float sum = 0;
            for (int r = 0; r < group.size; r++) {
                sum += ((float[]) group.published[r])[group.offsets[r] + i];
            }
            scratch[i] = sum;
        }
        meet("allReduce"); // everyone has read every array: now each may overwrite its own
        float scale = reduction == Reduction.AVERAGE ? 1f / group.size : 1f;
        for (int i = 0; i < length; i++) {
            data[offset + i] = reduction == Reduction.AVERAGE ? scratch[i] * scale : scratch[i];
        }
    }

    @Override
    public void allReduce(List<Tensor> tensors, Reduction reduction) {
        staging.run(tensors, reduction == Reduction.AVERAGE ? averageOp : sumOp, true);
    }

    @Override
    public void broadcast(float[] data, int offset, int length, int root) {
        checkRange("broadcast", data == null ? -1 : data.length, offset, length);
        checkRoot(root);
        publish("broadcast", data, offset);
        if (rank != root) {
            System.arraycopy((float[]) group.published[root], group.offsets[root], data, offset, length);
        }
        meet("broadcast");
    }

    @Override
    public void broadcast(byte[] data, int root) {
        checkRoot(root);
        if (data == null) {
            throw new IllegalArgumentException("broadcast: data must not be null");
        }
        publish("broadcast", data, 0);
        byte[] source = (byte[]) group.published[root];
        if (source.length != data.length) {
            throw new IllegalArgumentException("broadcast: rank " + rank + " has " + data.length
                    + " bytes but the root has " + source.length);
        }
        if (rank != root) {
            System.arraycopy(source, 0, data, 0, data.length);
        }
        meet("broadcast");
    }

    @Override
    public void broadcast(List<Tensor> tensors, int root) {
        staging.run(tensors, root == 0 ? broadcastFromZero : (d, o, n) -> broadcast(d, o, n, root), rank != root);
    }

    @Override
    public void barrier() {
        meet("barrier");
    }

    @Override
    public void abort(int code, String reason) {
        group.abortReason = "rank " + rank + " aborted (code " + code + "): " + reason;
        group.barrier.reset();
    }

    @Override
    public void close() {
        // Nothing native is held; the group ends when its threads stop calling.
    }

    private void publish(String op, Object data, int offset) {
        group.published[rank] = data;
        group.offsets[rank] = offset;
        meet(op);
    }

    private void meet(String op) {
        if (group.size == 1) {
            return; // nobody to wait for; and CyclicBarrier allocates a generation per trip
        }
        try {
            group.barrier.await(group.timeoutNanos, TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw new CollectiveException("rank " + rank + " of " + group.size + ": " + op + " waited more than "
                    + group.timeoutNanos / 1e9 + " s for the other ranks: one has died or hangs", true, e);
        } catch (BrokenBarrierException e) {
            String why = group.abortReason;
            throw new CollectiveException("rank " + rank + " of " + group.size + ": " + op + " was cancelled: "
                    + (why != null ? why : "another rank timed out or was interrupted"), why == null, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CollectiveException("rank " + rank + ": interrupted in " + op, false, e);
        }
        String why = group.abortReason;
        if (why != null) {
            throw new CollectiveException("rank " + rank + " of " + group.size + ": " + op + " was cancelled: " + why);
        }
    }

    private void checkRoot(int root) {
        if (root < 0 || root >= group.size) {
            throw new IllegalArgumentException("broadcast: root " + root + " is not a rank of a group of " + group.size);
        }
    }

    static void checkRange(String op, int arrayLength, int offset, int length) {
        if (arrayLength < 0) {
            throw new IllegalArgumentException(op + ": data must not be null");
        }
        if (offset < 0 || length < 0 || offset > arrayLength - length) {
            throw new IllegalArgumentException(op + ": range [" + offset + ", " + offset + " + " + length
                    + ") is outside an array of " + arrayLength + " floats");
        }
    }
}
