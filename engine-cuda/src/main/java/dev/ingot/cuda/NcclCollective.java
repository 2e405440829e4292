package dev.ingot.cuda;

import dev.ingot.core.Tensor;
import dev.ingot.core.collective.Collective;
import dev.ingot.core.collective.CollectiveException;
import dev.ingot.core.collective.Reduction;
import dev.ingot.cuda.ffm.CudaDriver;
import dev.ingot.cuda.ffm.Nccl;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

/**
 * Data-parallel collectives on CUDA device memory through NCCL: tensors of one {@link CudaBackend}
 * are all-reduced and broadcast in place, on a stream of NCCL's own, one {@code ncclGroupStart/End}
 * per call (NCCL fuses the group). Setup follows the llm.c / NCCL-example pattern: rank 0 makes the
 * {@code ncclUniqueId}, the bootstrap collective (MPI) broadcasts its 128 bytes, and every rank
 * calls {@code ncclCommInitRank}. The small host-side operations (float arrays, barrier) go through
 * the bootstrap.
 *
 * <p>Ordering: before NCCL reads the tensors, the backend's stream is drained ({@code quiesce}); after
 * the group is queued, the host waits on an event recorded on NCCL's stream, polling
 * {@code ncclCommGetAsyncError}, so a peer that died surfaces as an error and a hang as a timeout
 * ({@code ncclCommAbort}, then the bootstrap's {@code MPI_Abort}). Waiting on the host costs the
 * overlap a second stream could give; it keeps the backend's single-stream model intact.
 *
 * <p><b>Not run yet</b>: written and checked against nccl.h's prototypes on machines without a GPU.
 * One GPU per process: the process's device is the backend's.
 */
final class NcclCollective implements Collective {
    private final CudaBackend backend;
    private final Collective bootstrap;
    private final long timeoutNanos;
    private final Arena arena = Arena.ofShared();
    private final CudaStream stream;
    private final MemorySegment event;
    private final MemorySegment comm;
    private final MemorySegment asyncError;
    private final int version;
    private boolean closed;

    NcclCollective(CudaBackend backend, Collective bootstrap, double timeoutSeconds) {
        this.backend = backend;
        this.bootstrap = bootstrap;
        this.timeoutNanos = (long) (timeoutSeconds * 1e9);
        backend.quiesce("nccl setup");
        MemorySegment v = arena.allocate(ValueLayout.JAVA_INT);
        Nccl.check(Nccl.ncclGetVersion(v), "ncclGetVersion");
        version = v.get(ValueLayout.JAVA_INT, 0);
        MemorySegment id = arena.allocate(Nccl.UNIQUE_ID);
        byte[] idBytes = new byte[Nccl.UNIQUE_ID_BYTES];
        if (bootstrap.rank() == 0) {
            Nccl.check(Nccl.ncclGetUniqueId(id), "ncclGetUniqueId");
            MemorySegment.copy(id, ValueLayout.JAVA_BYTE, 0, idBytes, 0, idBytes.length);
        }
        bootstrap.broadcast(idBytes, 0);
        MemorySegment.copy(idBytes, 0, id, ValueLayout.JAVA_BYTE, 0, idBytes.length);
        MemorySegment out = arena.allocate(ValueLayout.ADDRESS);
        Nccl.check(Nccl.ncclCommInitRank(out, bootstrap.size(), id, bootstrap.rank()), "ncclCommInitRank");
        comm = out.get(ValueLayout.ADDRESS, 0);
        stream = new CudaStream();
        MemorySegment e = arena.allocate(ValueLayout.ADDRESS);
        CudaDriver.check(CudaDriver.cuEventCreate(e, 0x2 /* CU_EVENT_DISABLE_TIMING */), "cuEventCreate");
        event = e.get(ValueLayout.ADDRESS, 0);
        asyncError = arena.allocate(ValueLayout.JAVA_INT);
    }

    @Override
    public int rank() {
        return bootstrap.rank();
    }

    @Override
    public int size() {
        return bootstrap.size();
    }

    @Override
    public String description() {
        return "NCCL " + version / 10000 + "." + version / 100 % 100 + "." + version % 100 + " (ncclGetVersion "
                + version + "), rank " + rank() + " of " + size();
    }

    @Override
    public void allReduce(float[] data, int offset, int length, Reduction reduction) {
        bootstrap.allReduce(data, offset, length, reduction);
    }

    @Override
    public void allReduce(List<Tensor> tensors, Reduction reduction) {
        int op = reduction == Reduction.AVERAGE ? Nccl.NCCL_AVG : Nccl.NCCL_SUM;
        backend.quiesce("nccl all-reduce");
        Nccl.check(Nccl.ncclGroupStart(), "ncclGroupStart");
        try {
            for (Tensor t : tensors) {
                MemorySegment p = MemorySegment.ofAddress(address(t, "allReduce"));
                Nccl.check(Nccl.ncclAllReduce(p, p, t.size(), Nccl.NCCL_FLOAT32, op, comm, stream.handle()),
                        "ncclAllReduce");
            }
        } finally {
            Nccl.check(Nccl.ncclGroupEnd(), "ncclGroupEnd");
        }
        await("ncclAllReduce");
    }

    @Override
    public void broadcast(float[] data, int offset, int length, int root) {
        bootstrap.broadcast(data, offset, length, root);
    }

    @Override
    public void broadcast(byte[] data, int root) {
        bootstrap.broadcast(data, root);
    }

    @Override
    public void broadcast(List<Tensor> tensors, int root) {
        backend.quiesce("nccl broadcast");
        Nccl.check(Nccl.ncclGroupStart(), "ncclGroupStart");
        try {
            for (Tensor t : tensors) {
                MemorySegment p = MemorySegment.ofAddress(address(t, "broadcast"));
                Nccl.check(Nccl.ncclBroadcast(p, p, t.size(), Nccl.NCCL_FLOAT32, root, comm, stream.handle()),
                        "ncclBroadcast");
            }
        } finally {
            Nccl.check(Nccl.ncclGroupEnd(), "ncclGroupEnd");
        }
        await("ncclBroadcast");
    }

    @Override
    public void barrier() {
        bootstrap.barrier();
    }

    @Override
    public void abort(int code, String reason) {
        Nccl.ncclCommAbort(comm);
        bootstrap.abort(code, reason);
    }

    /** Waits for NCCL's stream, watching for asynchronous NCCL errors and the time limit. */
    private void await(String op) {
        CudaDriver.check(CudaDriver.cuEventRecord(event, stream.handle()), "cuEventRecord");
        long deadline = System.nanoTime() + timeoutNanos;
        while (true) {
            int q = CudaDriver.cuEventQuery(event);
            if (q == CudaDriver.CUDA_SUCCESS) {
                return;
            }
            if (q != CudaDriver.CUDA_ERROR_NOT_READY) {
                CudaDriver.check(q, "cuEventQuery", "after " + op);
            }
            Nccl.check(Nccl.ncclCommGetAsyncError(comm, asyncError), "ncclCommGetAsyncError");
            int async = asyncError.get(ValueLayout.JAVA_INT, 0);
            if (async != Nccl.NCCL_SUCCESS && async != Nccl.NCCL_IN_PROGRESS) {
                String why = op + " failed on rank " + rank() + ": " + Nccl.errorString(async)
                        + " (a peer died or the network failed)";
                abort(3, why);
                throw new CollectiveException(why);
            }
            if (System.nanoTime() - deadline > 0) {
                String why = op + " did not complete within " + timeoutNanos / 1e9 + " s on rank " + rank()
                        + ": another rank has died or hangs";
                abort(124, why);
                throw new CollectiveException(why, true, null);
            }
            Thread.onSpinWait();
        }
    }

    private long address(Tensor t, String op) {
        if (t.backend() != backend || !(t.storage() instanceof CudaStorage s)) {
            throw new IllegalArgumentException("nccl " + op + ": tensor " + t.describe()
                    + " is not on this process's CUDA backend");
        }
        if (t.dtype() != dev.ingot.core.DType.FLOAT32) {
            throw new IllegalArgumentException("nccl " + op + ": tensor " + t.describe() + " is not float32");
        }
        return s.address();
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            Nccl.check(Nccl.ncclCommDestroy(comm), "ncclCommDestroy");
            CudaDriver.check(CudaDriver.cuEventDestroy(event), "cuEventDestroy");
        } finally {
            stream.close();
            arena.close();
        }
    }
}
