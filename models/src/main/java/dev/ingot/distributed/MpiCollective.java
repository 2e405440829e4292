package dev.ingot.distributed;

import dev.ingot.core.Tensor;
import dev.ingot.core.collective.Collective;
import dev.ingot.core.collective.CollectiveException;
import dev.ingot.core.collective.Reduction;

import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

import static dev.ingot.distributed.OpenMpi.require;

/**
 * The ranks of an MPI job ({@code mpirun -np N}, or {@code srun} under Slurm), through Open MPI's C
 * API bound with FFM ({@link OpenMpi}).
 *
 * <p>Data goes through one native staging buffer (allocated once, grown when a bigger bucket comes):
 * MPI must not be handed Java heap memory, which the garbage collector may move during a call that
 * blocks until the slowest rank arrives. Every blocking call runs under a {@link CollectiveWatchdog}:
 * if it has not returned within the timeout, this rank prints what it waited for and calls
 * {@code MPI_Abort}, which ends every process of the job.
 *
 * <p>{@code MPI_Init_thread} asks for {@code MPI_THREAD_MULTIPLE} because the watchdog's thread may
 * call {@code MPI_Abort} while the training thread is blocked inside {@code MPI_Allreduce}; the level
 * granted is reported in {@link #description()}.
 */
public final class MpiCollective implements Collective {
    private static MpiCollective instance;

    private final int rank;
    private final int size;
    private final int threadLevel;
    private final String libraryVersion;
    private final MemorySegment comm;
    private final MemorySegment floatType;
    private final MemorySegment byteType;
    private final MemorySegment sum;
    private final CollectiveWatchdog watchdog;
    private final HostStaging staging = new HostStaging();
    // Made once: a capturing lambda per call would allocate on every training step.
    private final HostStaging.FloatOp sumOp = (d, o, n) -> allReduce(d, o, n, Reduction.SUM);
    private final HostStaging.FloatOp averageOp = (d, o, n) -> allReduce(d, o, n, Reduction.AVERAGE);
    private final HostStaging.FloatOp broadcastFromZero = (d, o, n) -> broadcast(d, o, n, 0);
    private final Arena arena = Arena.ofShared();
    private MemorySegment buffer;
    private final MemorySegment request = arena.allocate(ValueLayout.ADDRESS); // an MPI_Request (a pointer)
    private final MemorySegment testFlag = arena.allocate(ValueLayout.JAVA_INT);
    private boolean closed;

    private MpiCollective(double timeoutSeconds, PrintStream err) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment flag = a.allocate(ValueLayout.JAVA_INT);
            check((int) require(OpenMpi.MPI_Initialized, "MPI_Initialized").invokeExact(flag), "MPI_Initialized");
            if (flag.get(ValueLayout.JAVA_INT, 0) != 0) {
                throw new IllegalStateException("MPI is already initialised in this process");
            }
            MemorySegment version = a.allocate(OpenMpi.MPI_MAX_LIBRARY_VERSION_STRING);
            MemorySegment length = a.allocate(ValueLayout.JAVA_INT);
            // MPI_Get_library_version may be called before MPI_Init (MPI-3, 8.1.1): refuse a foreign MPI early.
            check((int) require(OpenMpi.MPI_Get_library_version, "MPI_Get_library_version").invokeExact(version, length),
                    "MPI_Get_library_version");
            libraryVersion = version.getString(0).strip().lines().findFirst().orElse("");
            if (!libraryVersion.startsWith("Open MPI")) {
                throw new IllegalStateException(OpenMpi.LIBRARY.file() + " is '" + libraryVersion
                        + "', not Open MPI: Ingot binds Open MPI's ABI (handles are exported objects). Point "
                        + OpenMpi.LIBRARY_OVERRIDE + " at Open MPI's libmpi.so.40");
            }
            MemorySegment provided = a.allocate(ValueLayout.JAVA_INT);
            check((int) require(OpenMpi.MPI_Init_thread, "MPI_Init_thread").invokeExact(MemorySegment.NULL,
                    MemorySegment.NULL, OpenMpi.MPI_THREAD_MULTIPLE, provided), "MPI_Init_thread");
            threadLevel = provided.get(ValueLayout.JAVA_INT, 0);
            comm = OpenMpi.commWorld();
            floatType = OpenMpi.floatType();
            byteType = OpenMpi.byteType();
            sum = OpenMpi.sumOp();
            MemorySegment out = a.allocate(ValueLayout.JAVA_INT);
            check((int) require(OpenMpi.MPI_Comm_rank, "MPI_Comm_rank").invokeExact(comm, out), "MPI_Comm_rank");
            rank = out.get(ValueLayout.JAVA_INT, 0);
            check((int) require(OpenMpi.MPI_Comm_size, "MPI_Comm_size").invokeExact(comm, out), "MPI_Comm_size");
            size = out.get(ValueLayout.JAVA_INT, 0);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("initialising MPI failed: " + t, t);
        }
        buffer = arena.allocate(4096, 64);
        watchdog = new CollectiveWatchdog(timeoutSeconds, "rank " + rank + " of " + size,
                () -> abortNow(CollectiveWatchdog.TIMEOUT_EXIT), err);
    }

    /**
     * Initialises MPI ({@code MPI_Init_thread}) and joins {@code MPI_COMM_WORLD}. Once per process:
     * MPI cannot be initialised again after {@code MPI_Finalize}.
     *
     * @param timeoutSeconds how long any one collective call may wait for the other ranks
     */
    public static synchronized MpiCollective initialise(double timeoutSeconds, PrintStream err) {
        if (instance != null) {
            throw new IllegalStateException("MPI is already initialised in this process (once per process)");
        }
        instance = new MpiCollective(timeoutSeconds, err);
        return instance;
    }

    /** Whether Open MPI's library loads here, and if not, why (for {@code doctor}). */
    public static String availability() {
        return OpenMpi.LIBRARY.ok() ? "Open MPI library " + OpenMpi.LIBRARY.file() : OpenMpi.LIBRARY.failure();
    }

    /** {@code MPI_Get_library_version} without initialising MPI (for {@code doctor}). */
    public static String libraryVersion() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment version = a.allocate(OpenMpi.MPI_MAX_LIBRARY_VERSION_STRING);
            MemorySegment length = a.allocate(ValueLayout.JAVA_INT);
            check((int) require(OpenMpi.MPI_Get_library_version, "MPI_Get_library_version").invokeExact(version, length),
                    "MPI_Get_library_version");
            return version.getString(0).strip().lines().findFirst().orElse("");
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    @Override
    public int rank() {
        return rank;
    }

    @Override
    public int size() {
        return size;
    }

    /** The thread support {@code MPI_Init_thread} granted ({@code MPI_THREAD_SINGLE} 0 .. {@code MPI_THREAD_MULTIPLE} 3). */
    public int threadLevel() {
        return threadLevel;
    }

    @Override
    public String description() {
        String[] levels = {"MPI_THREAD_SINGLE", "MPI_THREAD_FUNNELED", "MPI_THREAD_SERIALIZED", "MPI_THREAD_MULTIPLE"};
        return libraryVersion + " (" + OpenMpi.LIBRARY.file() + ", "
                + (threadLevel >= 0 && threadLevel < levels.length ? levels[threadLevel] : "thread level " + threadLevel)
                + "), rank " + rank + " of " + size + ", collective timeout " + watchdog.timeoutSeconds() + " s";
    }

    @Override
    public synchronized void allReduce(float[] data, int offset, int length, Reduction reduction) {
        InProcessCollective.checkRange("allReduce", data == null ? -1 : data.length, offset, length);
        MemorySegment b = staging(4L * length);
        MemorySegment.copy(data, offset, b, ValueLayout.JAVA_FLOAT, 0, length);
        watchdog.enter("MPI_Allreduce", length);
        int status;
        try {
            status = (int) OpenMpi.MPI_Allreduce.invokeExact(OpenMpi.MPI_IN_PLACE, b, length, floatType, sum, comm);
        } catch (Throwable t) {
            throw new CollectiveException("MPI_Allreduce failed: " + t, false, t);
        } finally {
            watchdog.exit();
        }
        check(status, "MPI_Allreduce");
        MemorySegment.copy(b, ValueLayout.JAVA_FLOAT, 0, data, offset, length);
        if (reduction == Reduction.AVERAGE) {
            float scale = 1f / size;
            for (int i = offset; i < offset + length; i++) {
                data[i] *= scale;
            }
        }
    }

    /**
     * A sum all-reduce that waits without spinning: {@code MPI_Iallreduce}, then {@code MPI_Test}
     * in a loop, tight for the first {@value #SPIN_NANOS} ns, then with the thread parked in
     * between for {@value #FIRST_PAUSE_NANOS} ns, doubling up to {@value #LAST_PAUSE_NANOS} ns. For the communication thread of overlapped gradient
     * buckets: a blocking {@code MPI_Allreduce} busy-polls until the slowest rank arrives, and that
     * spinning thread would take a core from this rank's own backward pass. Same sums as
     * {@link #allReduce(float[], int, int, Reduction)} (Open MPI's libnbc reduces two ranks' values as
     * a + b; with more ranks the algorithm may differ from the blocking one's, still deterministic).
     */
    public synchronized void allReduceWithoutSpinning(float[] data, int offset, int length) {
        InProcessCollective.checkRange("allReduce", data == null ? -1 : data.length, offset, length);
        MemorySegment b = staging(4L * length);
        MemorySegment.copy(data, offset, b, ValueLayout.JAVA_FLOAT, 0, length);
        watchdog.enter("MPI_Iallreduce", length);
        try {
            check((int) require(OpenMpi.MPI_Iallreduce, "MPI_Iallreduce").invokeExact(OpenMpi.MPI_IN_PLACE, b, length,
                    floatType, sum, comm, request), "MPI_Iallreduce");
            long start = System.nanoTime();
            long pause = FIRST_PAUSE_NANOS;
            while (true) {
                check((int) require(OpenMpi.MPI_Test, "MPI_Test").invokeExact(request, testFlag, MemorySegment.NULL),
                        "MPI_Test");
                if (testFlag.get(ValueLayout.JAVA_INT, 0) != 0) {
                    break;
                }
                if (System.nanoTime() - start > SPIN_NANOS) {
                    java.util.concurrent.locks.LockSupport.parkNanos(pause);
                    pause = Math.min(2 * pause, LAST_PAUSE_NANOS); // a long wait is a late rank: poll less often
                }
            }
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new CollectiveException("MPI_Iallreduce failed: " + t, false, t);
        } finally {
            watchdog.exit();
        }
        MemorySegment.copy(b, ValueLayout.JAVA_FLOAT, 0, data, offset, length);
    }

    /** How long {@link #allReduceWithoutSpinning} polls without pausing: a transfer between two ranks that are both there. */
    static final long SPIN_NANOS = 50_000;
    /** The first pause between polls after that: short against a layer's backward pass (milliseconds). */
    static final long FIRST_PAUSE_NANOS = 50_000;
    /**
     * The longest pause: a wait this long is for a rank still computing; polling every 50 µs through
     * a 0.5 s wait cost 50 ms of CPU (cifar10-resnet20 under load), every 1 ms costs 1-2 ms.
     */
    static final long LAST_PAUSE_NANOS = 1_000_000;

    @Override
    public void allReduce(List<Tensor> tensors, Reduction reduction) {
        staging.run(tensors, reduction == Reduction.AVERAGE ? averageOp : sumOp, true);
    }

    @Override
    public synchronized void broadcast(float[] data, int offset, int length, int root) {
        InProcessCollective.checkRange("broadcast", data == null ? -1 : data.length, offset, length);
        checkRoot(root);
        MemorySegment b = staging(4L * length);
        MemorySegment.copy(data, offset, b, ValueLayout.JAVA_FLOAT, 0, length);
        bcast(b, length, floatType, root);
        MemorySegment.copy(b, ValueLayout.JAVA_FLOAT, 0, data, offset, length);
    }

    @Override
    public synchronized void broadcast(byte[] data, int root) {
        if (data == null) {
            throw new IllegalArgumentException("broadcast: data must not be null");
        }
        checkRoot(root);
        MemorySegment b = staging(data.length);
        MemorySegment.copy(data, 0, b, ValueLayout.JAVA_BYTE, 0, data.length);
        bcast(b, data.length, byteType, root);
        MemorySegment.copy(b, ValueLayout.JAVA_BYTE, 0, data, 0, data.length);
    }

    @Override
    public void broadcast(List<Tensor> tensors, int root) {
        staging.run(tensors, root == 0 ? broadcastFromZero : (d, o, n) -> broadcast(d, o, n, root), rank != root);
    }

    private void bcast(MemorySegment b, int count, MemorySegment type, int root) {
        watchdog.enter("MPI_Bcast", count);
        int status;
        try {
            status = (int) OpenMpi.MPI_Bcast.invokeExact(b, count, type, root, comm);
        } catch (Throwable t) {
            throw new CollectiveException("MPI_Bcast failed: " + t, false, t);
        } finally {
            watchdog.exit();
        }
        check(status, "MPI_Bcast");
    }

    @Override
    public synchronized void barrier() {
        watchdog.enter("MPI_Barrier", 0);
        int status;
        try {
            status = (int) OpenMpi.MPI_Barrier.invokeExact(comm);
        } catch (Throwable t) {
            throw new CollectiveException("MPI_Barrier failed: " + t, false, t);
        } finally {
            watchdog.exit();
        }
        check(status, "MPI_Barrier");
    }

    /**
     * Prints the reason and calls {@code MPI_Abort(MPI_COMM_WORLD, code)}: Open MPI's launcher then
     * ends every process of the job. Does not return.
     */
    @Override
    public void abort(int code, String reason) {
        System.err.println("ingot: rank " + rank + " of " + size + " aborts the MPI job: " + reason);
        System.err.flush();
        abortNow(code);
        Runtime.getRuntime().halt(code);
    }

    private void abortNow(int code) {
        try {
            int ignored = (int) OpenMpi.MPI_Abort.invokeExact(comm, code);
        } catch (Throwable t) {
            System.err.println("ingot: MPI_Abort failed: " + t);
        }
    }

    /** {@code MPI_Finalize} after a last barrier (so no rank leaves while another still sends). */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            barrier();
            check((int) OpenMpi.MPI_Finalize.invokeExact(), "MPI_Finalize");
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new CollectiveException("MPI_Finalize failed: " + t, false, t);
        } finally {
            watchdog.close();
            arena.close();
        }
    }

    private MemorySegment staging(long bytes) {
        if (closed) {
            throw new IllegalStateException("the MPI collective is closed (MPI_Finalize was called)");
        }
        if (buffer.byteSize() < bytes) {
            buffer = arena.allocate(Math.max(bytes, 2 * buffer.byteSize()), 64); // freed with the arena, at close
        }
        return buffer;
    }

    private void checkRoot(int root) {
        if (root < 0 || root >= size) {
            throw new IllegalArgumentException("broadcast: root " + root + " is not a rank of a job of " + size);
        }
    }

    private static void check(int status, String call) {
        if (status != OpenMpi.MPI_SUCCESS) {
            // MPI's default error handler (MPI_ERRORS_ARE_FATAL) aborts before we get here; kept for
            // jobs that set MPI_ERRORS_RETURN.
            throw new CollectiveException(call + " returned MPI error " + status);
        }
    }
}
