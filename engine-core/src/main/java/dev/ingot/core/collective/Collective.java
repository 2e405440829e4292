package dev.ingot.core.collective;

import dev.ingot.core.Tensor;

import java.util.List;

/**
 * One rank's handle on a group of {@link #size()} processes (or threads) that run the same program:
 * the operations data-parallel training needs, each called by every rank of the group in the same
 * order (the MPI rule: a rank that skips one makes the others wait).
 *
 * <p>Every blocking operation has a time limit (set when the collective is made): a rank that died
 * or hangs makes the others fail with a {@link CollectiveException} whose {@code timedOut()} is true,
 * or, for MPI, abort the whole job, rather than wait forever.
 *
 * <p>Tensors passed to the list operations must live on the backend this collective serves (host
 * collectives copy device tensors through the host; NCCL reduces device memory in place). The
 * results are identical on every rank, bit for bit.
 */
public interface Collective extends AutoCloseable {
    /** This process's rank, 0 .. size-1; rank 0 writes the run's files. */
    int rank();

    /** The number of ranks. */
    int size();

    /** What implements it, e.g. the library and its version, for logs and {@code doctor}. */
    String description();

    /** In place: {@code data[offset .. offset+length)} becomes the reduction of every rank's values there. */
    void allReduce(float[] data, int offset, int length, Reduction reduction);

    /** In place over the whole array. */
    default void allReduce(float[] data, Reduction reduction) {
        allReduce(data, 0, data.length, reduction);
    }

    /**
     * In place over several tensors, reduced as one flat buffer (in buckets of at most a few MiB,
     * so the staging memory stays bounded).
     */
    void allReduce(List<Tensor> tensors, Reduction reduction);

    /** {@code data[offset .. offset+length)} of rank {@code root} is copied to every other rank. */
    void broadcast(float[] data, int offset, int length, int root);

    /** The bytes of rank {@code root} are copied to every other rank (e.g. an {@code ncclUniqueId}). */
    void broadcast(byte[] data, int root);

    /** Every tensor of rank {@code root} is copied into the same tensor of every other rank. */
    void broadcast(List<Tensor> tensors, int root);

    /** Returns when every rank has called it. */
    void barrier();

    /**
     * Stops every rank of the group (for MPI: {@code MPI_Abort}, which ends every process of the job
     * with {@code code}); called when this rank cannot go on, so the others do not wait for it.
     */
    void abort(int code, String reason);

    /** Leaves the group (for MPI: {@code MPI_Finalize}) and frees what the collective holds. */
    @Override
    void close();
}
