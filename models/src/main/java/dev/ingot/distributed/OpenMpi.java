package dev.ingot.distributed;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * Open MPI's C API ({@code libmpi.so.40}, {@code mpi.h}) bound through FFM. Bound and checked
 * against Open MPI 4.1.4 (Debian 12's {@code openmpi-bin} / {@code libopenmpi-dev}); the calls used
 * exist unchanged since MPI-3 and in Open MPI 5.
 *
 * <p>In Open MPI the predefined handles ({@code MPI_COMM_WORLD}, {@code MPI_FLOAT}, {@code MPI_SUM},
 * ...) are not integers but the addresses of exported objects: {@code mpi.h} defines
 * {@code MPI_COMM_WORLD} as {@code OMPI_PREDEFINED_GLOBAL(MPI_Comm, ompi_mpi_comm_world)}, that is
 * {@code (MPI_Comm) &ompi_mpi_comm_world}, so the handle is the symbol's address (checked with
 * {@code nm -D libmpi.so.40}). MPICH-family libraries (integer handles) are refused at start, by
 * {@code MPI_Get_library_version}.
 *
 * <p>The library is opened with {@code dlopen(RTLD_NOW | RTLD_GLOBAL)} before the JDK looks
 * symbols up: Open MPI loads its components ({@code mca_*.so}) with {@code dlopen} and they expect
 * libmpi's symbols to be global, as a C program linked against it would have them.
 */
@SuppressWarnings("restricted") // native access is this class's job; the JVM runs with --enable-native-access
final class OpenMpi {
    /** Environment variable naming the libmpi file to use instead of searching. */
    static final String LIBRARY_OVERRIDE = "INGOT_MPI_LIBRARY";
    static final List<String> SONAMES = List.of("libmpi.so.40", "libmpi.so");
    static final List<String> FOLDERS = List.of("/usr/lib/x86_64-linux-gnu", "/usr/lib64/openmpi/lib",
            "/usr/lib/openmpi/lib", "/usr/local/lib", "/opt/openmpi/lib", "/usr/lib64");

    static final int MPI_SUCCESS = 0;
    static final int MPI_THREAD_SINGLE = 0;
    static final int MPI_THREAD_FUNNELED = 1;
    static final int MPI_THREAD_SERIALIZED = 2;
    static final int MPI_THREAD_MULTIPLE = 3;
    static final int MPI_MAX_LIBRARY_VERSION_STRING = 256;
    /** {@code MPI_IN_PLACE} is {@code ((void *) 1)} in Open MPI's mpi.h. */
    static final MemorySegment MPI_IN_PLACE = MemorySegment.ofAddress(1);

    private static final int RTLD_NOW = 0x2;
    private static final int RTLD_GLOBAL = 0x100;

    /** Every function bound, with its descriptor, for the prototype test. */
    static final Map<String, FunctionDescriptor> BOUND = new LinkedHashMap<>();

    /** Where the library was loaded from, or why it was not. */
    record Loaded(String file, SymbolLookup symbols, String failure) {
        boolean ok() {
            return symbols != null;
        }
    }

    static final Loaded LIBRARY = load();

    // int MPI_Init_thread(int *argc, char ***argv, int required, int *provided);
    static final MethodHandle MPI_Init_thread = bind("MPI_Init_thread", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS,
            JAVA_INT, ADDRESS));
    // int MPI_Initialized(int *flag);
    static final MethodHandle MPI_Initialized = bind("MPI_Initialized", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    // int MPI_Finalized(int *flag);
    static final MethodHandle MPI_Finalized = bind("MPI_Finalized", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    // int MPI_Get_library_version(char *version, int *resultlen);
    static final MethodHandle MPI_Get_library_version = bind("MPI_Get_library_version",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    // int MPI_Comm_rank(MPI_Comm comm, int *rank);
    static final MethodHandle MPI_Comm_rank = bind("MPI_Comm_rank", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    // int MPI_Comm_size(MPI_Comm comm, int *size);
    static final MethodHandle MPI_Comm_size = bind("MPI_Comm_size", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    // int MPI_Allreduce(const void *sendbuf, void *recvbuf, int count, MPI_Datatype datatype, MPI_Op op, MPI_Comm comm);
    static final MethodHandle MPI_Allreduce = bind("MPI_Allreduce", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS,
            JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
    // int MPI_Iallreduce(const void *sendbuf, void *recvbuf, int count, MPI_Datatype datatype, MPI_Op op,
    //                    MPI_Comm comm, MPI_Request *request);
    static final MethodHandle MPI_Iallreduce = bind("MPI_Iallreduce", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS,
            JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
    // int MPI_Test(MPI_Request *request, int *flag, MPI_Status *status);  (status: MPI_STATUS_IGNORE, a null pointer)
    static final MethodHandle MPI_Test = bind("MPI_Test", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
    // int MPI_Bcast(void *buffer, int count, MPI_Datatype datatype, int root, MPI_Comm comm);
    static final MethodHandle MPI_Bcast = bind("MPI_Bcast", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS,
            JAVA_INT, ADDRESS));
    // int MPI_Barrier(MPI_Comm comm);
    static final MethodHandle MPI_Barrier = bind("MPI_Barrier", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    // int MPI_Abort(MPI_Comm comm, int errorcode);
    static final MethodHandle MPI_Abort = bind("MPI_Abort", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    // int MPI_Finalize(void);
    static final MethodHandle MPI_Finalize = bind("MPI_Finalize", FunctionDescriptor.of(JAVA_INT));

    private OpenMpi() {
    }

    /** {@code MPI_COMM_WORLD}: the address of {@code ompi_mpi_comm_world}. */
    static MemorySegment commWorld() {
        return handle("ompi_mpi_comm_world");
    }

    /** {@code MPI_FLOAT}. */
    static MemorySegment floatType() {
        return handle("ompi_mpi_float");
    }

    /** {@code MPI_BYTE}. */
    static MemorySegment byteType() {
        return handle("ompi_mpi_byte");
    }

    /** {@code MPI_SUM}. */
    static MemorySegment sumOp() {
        return handle("ompi_mpi_op_sum");
    }

    static MemorySegment handle(String symbol) {
        if (!LIBRARY.ok()) {
            throw new IllegalStateException("Open MPI is not available: " + LIBRARY.failure());
        }
        return LIBRARY.symbols().find(symbol).orElseThrow(() -> new IllegalStateException(LIBRARY.file()
                + " does not export " + symbol + ": not Open MPI (MPICH-family libraries use integer handles)"));
    }

    private static MethodHandle bind(String symbol, FunctionDescriptor fd) {
        BOUND.put(symbol, fd);
        if (!LIBRARY.ok()) {
            return null;
        }
        return LIBRARY.symbols().find(symbol).map(a -> Linker.nativeLinker().downcallHandle(a, fd)).orElse(null);
    }

    /** Throws naming the call unless the library is loaded and exports it. */
    static MethodHandle require(MethodHandle h, String symbol) {
        if (h == null) {
            throw new IllegalStateException(symbol + " cannot be called: " + (LIBRARY.ok()
                    ? LIBRARY.file() + " does not export it" : LIBRARY.failure()));
        }
        return h;
    }

    private static Loaded load() {
        List<String> candidates = new ArrayList<>();
        String override = System.getenv(LIBRARY_OVERRIDE);
        if (override != null && !override.isBlank()) {
            candidates.add(override);
        } else {
            for (String soname : SONAMES) {
                for (String folder : FOLDERS) {
                    Path p = Path.of(folder, soname);
                    if (Files.exists(p)) {
                        candidates.add(p.toString());
                    }
                }
            }
            candidates.addAll(SONAMES); // the system loader's own search (LD_LIBRARY_PATH, ld.so.cache)
        }
        List<String> failures = new ArrayList<>();
        MethodHandle dlopen;
        MethodHandle dlerror;
        try {
            Linker linker = Linker.nativeLinker();
            SymbolLookup libc = linker.defaultLookup();
            dlopen = linker.downcallHandle(libc.find("dlopen").orElseThrow(),
                    FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_INT));
            dlerror = linker.downcallHandle(libc.find("dlerror").orElseThrow(), FunctionDescriptor.of(ADDRESS));
        } catch (RuntimeException e) {
            return new Loaded(null, null, "cannot find dlopen in the C library: " + e);
        }
        for (String candidate : candidates) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment handle = (MemorySegment) dlopen.invokeExact(arena.allocateFrom(candidate),
                        RTLD_NOW | RTLD_GLOBAL);
                if (handle.address() == 0) {
                    MemorySegment why = (MemorySegment) dlerror.invokeExact();
                    failures.add(candidate + ": " + (why.address() == 0 ? "dlopen failed"
                            : why.reinterpret(4096).getString(0)));
                    continue;
                }
                // The library stays open for the life of the JVM (MPI cannot be re-initialised anyway).
                return new Loaded(candidate, SymbolLookup.libraryLookup(candidate, Arena.global()), null);
            } catch (Throwable t) {
                failures.add(candidate + ": " + t);
            }
        }
        return new Loaded(null, null, "Open MPI's libmpi (" + String.join(" or ", SONAMES) + ") was not found"
                + (failures.isEmpty() ? "" : " or did not load: " + String.join("; ", failures))
                + ". Install it (Debian/Ubuntu: apt-get install openmpi-bin libopenmpi-dev) or set " + LIBRARY_OVERRIDE
                + " to the libmpi.so file");
    }
}
