package dev.ingot.cuda.ffm;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;

import static dev.ingot.cuda.ffm.Binder.fn;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * NCCL 2 ({@code libnccl.so.2}, {@code nccl.h}) bound through FFM, found as the CUDA libraries are
 * ({@link LibrarySearch}: {@code INGOT_CUDA_LIBRARY_PATH}, {@code LD_LIBRARY_PATH}, the CUDA folders,
 * pip's {@code nvidia/nccl/lib}). {@code ncclResult_t}, {@code ncclDataType_t} and
 * {@code ncclRedOp_t} are C enums ({@code int}); {@code ncclComm_t} and {@code cudaStream_t} are
 * pointers; {@code size_t} a {@code long}. {@code ncclUniqueId} is {@code struct { char
 * internal[128]; }} and {@code ncclCommInitRank} takes it <em>by value</em>, so it is bound as a
 * 128-byte struct layout. Enum values are those of nccl.h since 2.10 ({@code ncclAvg} is 2.10+).
 *
 * <p>Never run here (no GPU, no NCCL on the build machines): the names and argument kinds are
 * checked against the C prototypes by {@code NcclBindingTest}.
 */
@SuppressWarnings("restricted") // native access is this class's job; the JVM runs with --enable-native-access
public final class Nccl {
    public static final int NCCL_SUCCESS = 0;
    public static final int NCCL_IN_PROGRESS = 7;
    public static final int NCCL_UINT8 = 1;
    public static final int NCCL_FLOAT32 = 7;
    public static final int NCCL_SUM = 0;
    public static final int NCCL_AVG = 4;
    public static final int UNIQUE_ID_BYTES = 128;
    /** {@code typedef struct { char internal[NCCL_UNIQUE_ID_BYTES]; } ncclUniqueId;} */
    public static final StructLayout UNIQUE_ID = MemoryLayout.structLayout(
            MemoryLayout.sequenceLayout(UNIQUE_ID_BYTES, JAVA_BYTE).withName("internal"));

    static final Binder BINDER = new Binder(CudaLibrary.NCCL, NativeLibraries.load(CudaLibrary.NCCL));

    private static final MethodHandle ncclGetVersion = BINDER.bind("ncclGetVersion", fn(JAVA_INT, ADDRESS));
    private static final MethodHandle ncclGetUniqueId = BINDER.bind("ncclGetUniqueId", fn(JAVA_INT, ADDRESS));
    private static final MethodHandle ncclCommInitRank = BINDER.bind("ncclCommInitRank",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, UNIQUE_ID, JAVA_INT));
    private static final MethodHandle ncclCommDestroy = BINDER.bind("ncclCommDestroy", fn(JAVA_INT, ADDRESS));
    private static final MethodHandle ncclCommAbort = BINDER.bind("ncclCommAbort", fn(JAVA_INT, ADDRESS));
    private static final MethodHandle ncclCommGetAsyncError = BINDER.bind("ncclCommGetAsyncError",
            fn(JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle ncclGetErrorString = BINDER.bind("ncclGetErrorString", fn(ADDRESS, JAVA_INT));
    private static final MethodHandle ncclAllReduce = BINDER.bind("ncclAllReduce",
            fn(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle ncclBroadcast = BINDER.bind("ncclBroadcast",
            fn(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle ncclGroupStart = BINDER.bind("ncclGroupStart", fn(JAVA_INT));
    private static final MethodHandle ncclGroupEnd = BINDER.bind("ncclGroupEnd", fn(JAVA_INT));

    private Nccl() {
    }

    /** The binder (for diagnostics and the binding tests). */
    public static Binder binder() {
        return BINDER;
    }

    /** Whether libnccl.so.2 loaded, and if not why; null when it did. */
    public static String unavailableReason() {
        LibrarySearch.LoadResult r = NativeLibraries.load(CudaLibrary.NCCL);
        if (!r.isLoaded()) {
            return r.reason();
        }
        return BINDER.missingRequired().isEmpty() ? null
                : r.loaded().file() + " lacks " + BINDER.missingRequired() + " (NCCL older than 2.10?)";
    }

    /** Throws naming {@code call} unless {@code status} is {@code ncclSuccess}. */
    public static void check(int status, String call) {
        if (status != NCCL_SUCCESS) {
            throw new IllegalStateException("NCCL: " + call + " failed: " + errorString(status) + " (ncclResult_t "
                    + status + ")");
        }
    }

    public static String errorString(int status) {
        try {
            MemorySegment s = (MemorySegment) ncclGetErrorString.invokeExact(status);
            return s.address() == 0 ? "unknown error" : s.reinterpret(1024).getString(0);
        } catch (Throwable t) {
            return "error " + status;
        }
    }

    public static int ncclGetVersion(MemorySegment version) {
        try {
            return (int) ncclGetVersion.invokeExact(version);
        } catch (Throwable t) {
            throw Binder.rethrow(t);
        }
    }

    public static int ncclGetUniqueId(MemorySegment uniqueId) {
        try {
            return (int) ncclGetUniqueId.invokeExact(uniqueId);
        } catch (Throwable t) {
            throw Binder.rethrow(t);
        }
    }

    /** {@code uniqueId} is a 128-byte segment passed by value. */
    public static int ncclCommInitRank(MemorySegment comm, int nranks, MemorySegment uniqueId, int rank) {
        try {
            return (int) ncclCommInitRank.invokeExact(comm, nranks, uniqueId, rank);
        } catch (Throwable t) {
            throw Binder.rethrow(t);
        }
    }

    public static int ncclCommDestroy(MemorySegment comm) {
        try {
            return (int) ncclCommDestroy.invokeExact(comm);
        } catch (Throwable t) {
            throw Binder.rethrow(t);
        }
    }

    public static int ncclCommAbort(MemorySegment comm) {
        try {
            return (int) ncclCommAbort.invokeExact(comm);
        } catch (Throwable t) {
            throw Binder.rethrow(t);
        }
    }

    public static int ncclCommGetAsyncError(MemorySegment comm, MemorySegment asyncError) {
        try {
            return (int) ncclCommGetAsyncError.invokeExact(comm, asyncError);
        } catch (Throwable t) {
            throw Binder.rethrow(t);
        }
    }

    public static int ncclAllReduce(MemorySegment send, MemorySegment recv, long count, int dataType, int op,
                                    MemorySegment comm, MemorySegment stream) {
        try {
            return (int) ncclAllReduce.invokeExact(send, recv, count, dataType, op, comm, stream);
        } catch (Throwable t) {
            throw Binder.rethrow(t);
        }
    }

    public static int ncclBroadcast(MemorySegment send, MemorySegment recv, long count, int dataType, int root,
                                    MemorySegment comm, MemorySegment stream) {
        try {
            return (int) ncclBroadcast.invokeExact(send, recv, count, dataType, root, comm, stream);
        } catch (Throwable t) {
            throw Binder.rethrow(t);
        }
    }

    public static int ncclGroupStart() {
        try {
            return (int) ncclGroupStart.invokeExact();
        } catch (Throwable t) {
            throw Binder.rethrow(t);
        }
    }

    public static int ncclGroupEnd() {
        try {
            return (int) ncclGroupEnd.invokeExact();
        } catch (Throwable t) {
            throw Binder.rethrow(t);
        }
    }
}
