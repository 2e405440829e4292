package dev.ingot.cuda.ffm;

import dev.ingot.cuda.CudaException;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static dev.ingot.cuda.ffm.Binder.fn;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * NVRTC, the CUDA runtime compiler ({@code libnvrtc.so.13}, else {@code .12}; {@code nvrtc.h}),
 * bound by name through FFM: {@code nvrtcProgram} is a pointer, {@code nvrtcResult} an {@code int},
 * {@code size_t} a {@code long}, strings are NUL-terminated {@code char*}.
 */
@SuppressWarnings("restricted") // native access is this class's job; the JVM runs with --enable-native-access
public final class Nvrtc {
    public static final int NVRTC_SUCCESS = 0;
    public static final int NVRTC_ERROR_COMPILATION = 6;

    static final Binder BINDER = new Binder(CudaLibrary.NVRTC, NativeLibraries.load(CudaLibrary.NVRTC));

    private static final MethodHandle nvrtcGetErrorString = BINDER.bind("nvrtcGetErrorString", fn(ADDRESS, JAVA_INT));
    private static final MethodHandle nvrtcVersion = BINDER.bind("nvrtcVersion", fn(JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle nvrtcGetNumSupportedArchs = BINDER.bind("nvrtcGetNumSupportedArchs",
            fn(JAVA_INT, ADDRESS));
    private static final MethodHandle nvrtcGetSupportedArchs = BINDER.bind("nvrtcGetSupportedArchs", fn(JAVA_INT, ADDRESS));
    private static final MethodHandle nvrtcCreateProgram = BINDER.bind("nvrtcCreateProgram",
            fn(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle nvrtcDestroyProgram = BINDER.bind("nvrtcDestroyProgram", fn(JAVA_INT, ADDRESS));
    private static final MethodHandle nvrtcCompileProgram = BINDER.bind("nvrtcCompileProgram",
            fn(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS));
    private static final MethodHandle nvrtcGetProgramLogSize = BINDER.bind("nvrtcGetProgramLogSize",
            fn(JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle nvrtcGetProgramLog = BINDER.bind("nvrtcGetProgramLog", fn(JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle nvrtcGetCUBINSize = BINDER.bind("nvrtcGetCUBINSize", fn(JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle nvrtcGetCUBIN = BINDER.bind("nvrtcGetCUBIN", fn(JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle nvrtcGetPTXSize = BINDER.bind("nvrtcGetPTXSize", fn(JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle nvrtcGetPTX = BINDER.bind("nvrtcGetPTX", fn(JAVA_INT, ADDRESS, ADDRESS));

    private Nvrtc() {
    }

    /** The binder (for diagnostics and the binding tests). */
    public static Binder binder() {
        return BINDER;
    }

    /** Throws a {@link CudaException} naming {@code call} unless {@code status} is {@code NVRTC_SUCCESS}. */
    public static void check(int status, String call, String context) {
        if (status != NVRTC_SUCCESS) {
            throw new CudaException("NVRTC", call, status, errorString(status), "", context);
        }
    }

    /** {@code nvrtcGetErrorString}, e.g. {@code NVRTC_ERROR_COMPILATION}; never throws. */
    public static String errorString(int status) {
        try {
            MemorySegment s = (MemorySegment) nvrtcGetErrorString.invokeExact(status);
            return s.address() == 0 ? "NVRTC_ERROR_" + status : s.reinterpret(Integer.MAX_VALUE).getString(0);
        } catch (Throwable t) {
            return "NVRTC_ERROR_" + status;
        }
    }

    public static int nvrtcVersion(MemorySegment major, MemorySegment minor) {
        try {
            return (int) nvrtcVersion.invokeExact(major, minor);
        } catch (Throwable t) {
            throw Binder.rethrow(t);
        }
    }

    public static int nvrtcGetNumSupportedArchs(MemorySegment count) {
        try {
            return (int) nvrtcGetNumSupportedArchs.invokeExact(count);
        } catch (Throwable t) {
            throw Binder.rethrow(t);
        }
    }

    /** Fills an {@code int[]} of {@link #nvrtcGetNumSupportedArchs} entries, ascending (e.g. 75, 80, ..., 120). */
    public static int nvrtcGetSupportedArchs(MemorySegment archs) {
        try {
            return (int) nvrtcGetSupportedArchs.invokeExact(archs);
        } catch (Throwable t) {
            throw Binder.rethrow(t);
        }
    }

    public static int nvrtcCreateProgram(MemorySegment program, MemorySegment source, MemorySegment name, int numHeaders,
                                         MemorySegment headers, MemorySegment includeNames) {
        try {
            return (int) nvrtcCreateProgram.invokeExact(program, source, name, numHeaders, headers, includeNames);
        } catch (Throwable t) {
            throw Binder.rethrow(t);
        }
    }

    /** Takes a pointer to the {@code nvrtcProgram} (it is set to NULL). */
    public static int nvrtcDestroyProgram(MemorySegment programPointer) {
        try {
            return (int) nvrtcDestroyProgram.invokeExact(programPointer);
        } catch (Throwable t) {
            throw Binder.rethrow(t);
        }
    }

    public static int nvrtcCompileProgram(MemorySegment program, int numOptions, MemorySegment options) {
        try {
            return (int) nvrtcCompileProgram.invokeExact(program, numOptions, options);
        } catch (Throwable t) {
            throw Binder.rethrow(t);
        }
    }

    public static int nvrtcGetProgramLogSize(MemorySegment program, MemorySegment size) {
        try {
            return (int) nvrtcGetProgramLogSize.invokeExact(program, size);
        } catch (Throwable t) {
            throw Binder.rethrow(t);
        }
    }

    public static int nvrtcGetProgramLog(MemorySegment program, MemorySegment log) {
        try {
            return (int) nvrtcGetProgramLog.invokeExact(program, log);
        } catch (Throwable t) {
            throw Binder.rethrow(t);
        }
    }

    public static int nvrtcGetCUBINSize(MemorySegment program, MemorySegment size) {
        try {
            return (int) nvrtcGetCUBINSize.invokeExact(program, size);
        } catch (Throwable t) {
            throw Binder.rethrow(t);
        }
    }

    public static int nvrtcGetCUBIN(MemorySegment program, MemorySegment cubin) {
        try {
            return (int) nvrtcGetCUBIN.invokeExact(program, cubin);
        } catch (Throwable t) {
            throw Binder.rethrow(t);
        }
    }

    public static int nvrtcGetPTXSize(MemorySegment program, MemorySegment size) {
        try {
            return (int) nvrtcGetPTXSize.invokeExact(program, size);
        } catch (Throwable t) {
            throw Binder.rethrow(t);
        }
    }

    public static int nvrtcGetPTX(MemorySegment program, MemorySegment ptx) {
        try {
            return (int) nvrtcGetPTX.invokeExact(program, ptx);
        } catch (Throwable t) {
            throw Binder.rethrow(t);
        }
    }
}
