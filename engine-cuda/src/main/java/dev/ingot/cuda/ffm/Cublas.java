package dev.ingot.cuda.ffm;

import dev.ingot.cuda.CudaException;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static dev.ingot.cuda.ffm.Binder.fn;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * cuBLAS ({@code libcublas.so.13}, else {@code .12}; {@code cublas_api.h}), bound by name through
 * FFM: {@code cublasHandle_t} and {@code cudaStream_t} are pointers, {@code cublasStatus_t},
 * {@code cublasOperation_t}, {@code cublasMath_t} and {@code libraryPropertyType} are {@code int},
 * matrices are {@code float*} device pointers ({@code MemorySegment.ofAddress}), and
 * {@code alpha}/{@code beta} are host {@code float*} (the default {@code CUBLAS_POINTER_MODE_HOST}:
 * read before the call returns).
 */
@SuppressWarnings("restricted") // native access is this class's job; the JVM runs with --enable-native-access
public final class Cublas {
    public static final int CUBLAS_STATUS_SUCCESS = 0;
    public static final int CUBLAS_OP_N = 0;
    public static final int CUBLAS_OP_T = 1;
    /** FP32 arithmetic: no TF32 tensor cores. */
    public static final int CUBLAS_DEFAULT_MATH = 0;
    public static final int CUBLAS_PEDANTIC_MATH = 2;
    public static final int CUBLAS_TF32_TENSOR_OP_MATH = 3;
    /** {@code libraryPropertyType}: MAJOR_VERSION, MINOR_VERSION, PATCH_LEVEL. */
    public static final int MAJOR_VERSION = 0;
    public static final int MINOR_VERSION = 1;
    public static final int PATCH_LEVEL = 2;

    static final Binder BINDER = new Binder(CudaLibrary.CUBLAS, NativeLibraries.load(CudaLibrary.CUBLAS));

    private static final MethodHandle cublasCreate = BINDER.bind("cublasCreate_v2", fn(JAVA_INT, ADDRESS));
    private static final MethodHandle cublasDestroy = BINDER.bind("cublasDestroy_v2", fn(JAVA_INT, ADDRESS));
    private static final MethodHandle cublasSetStream = BINDER.bind("cublasSetStream_v2", fn(JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle cublasSetMathMode = BINDER.bind("cublasSetMathMode", fn(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle cublasGetVersion = BINDER.bind("cublasGetVersion_v2", fn(JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle cublasGetProperty = BINDER.bind("cublasGetProperty", fn(JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle cublasGetStatusName = BINDER.bindOptional("cublasGetStatusName",
            fn(ADDRESS, JAVA_INT));
    private static final MethodHandle cublasGetStatusString = BINDER.bindOptional("cublasGetStatusString",
            fn(ADDRESS, JAVA_INT));
    private static final MethodHandle cublasSgemm = BINDER.bind("cublasSgemm_v2", fn(JAVA_INT, ADDRESS, JAVA_INT,
            JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));

    private Cublas() {
    }

    /** The binder (for diagnostics and the binding tests). */
    public static Binder binder() {
        return BINDER;
    }

    /** Throws a {@link CudaException} naming {@code call} unless {@code status} is {@code CUBLAS_STATUS_SUCCESS}. */
    public static void check(int status, String call, String context) {
        if (status != CUBLAS_STATUS_SUCCESS) {
            throw new CudaException("cuBLAS", call, status, statusName(status), statusString(status), context);
        }
    }

    /** {@code cublasGetStatusName}, or the name from {@code cublas_api.h} when the library lacks it. */
    public static String statusName(int status) {
        String fromLibrary = text(cublasGetStatusName, "cublasGetStatusName", status);
        if (!fromLibrary.isEmpty()) {
            return fromLibrary;
        }
        return switch (status) {
            case 0 -> "CUBLAS_STATUS_SUCCESS";
            case 1 -> "CUBLAS_STATUS_NOT_INITIALIZED";
            case 3 -> "CUBLAS_STATUS_ALLOC_FAILED";
            case 7 -> "CUBLAS_STATUS_INVALID_VALUE";
            case 8 -> "CUBLAS_STATUS_ARCH_MISMATCH";
            case 11 -> "CUBLAS_STATUS_MAPPING_ERROR";
            case 13 -> "CUBLAS_STATUS_EXECUTION_FAILED";
            case 14 -> "CUBLAS_STATUS_INTERNAL_ERROR";
            case 15 -> "CUBLAS_STATUS_NOT_SUPPORTED";
            case 16 -> "CUBLAS_STATUS_LICENSE_ERROR";
            default -> "CUBLAS_STATUS_" + status;
        };
    }

    /** {@code cublasGetStatusString}, or "". */
    public static String statusString(int status) {
        return text(cublasGetStatusString, "cublasGetStatusString", status);
    }

    private static String text(MethodHandle getter, String symbol, int status) {
        if (!BINDER.has(symbol)) {
            return "";
        }
        try {
            MemorySegment s = (MemorySegment) getter.invokeExact(status);
            return s.address() == 0 ? "" : s.reinterpret(Integer.MAX_VALUE).getString(0);
        } catch (Throwable t) {
            return "";
        }
    }

    public static int cublasCreate(MemorySegment handle) {
        try {
            return (int) cublasCreate.invokeExact(handle);
        } catch (Throwable t) {
            throw Binder.rethrow(t);
        }
    }

    public static int cublasDestroy(MemorySegment handle) {
        try {
            return (int) cublasDestroy.invokeExact(handle);
        } catch (Throwable t) {
            throw Binder.rethrow(t);
        }
    }

    public static int cublasSetStream(MemorySegment handle, MemorySegment stream) {
        try {
            return (int) cublasSetStream.invokeExact(handle, stream);
        } catch (Throwable t) {
            throw Binder.rethrow(t);
        }
    }

    public static int cublasSetMathMode(MemorySegment handle, int mode) {
        try {
            return (int) cublasSetMathMode.invokeExact(handle, mode);
        } catch (Throwable t) {
            throw Binder.rethrow(t);
        }
    }

    /** {@code cublasGetVersion_v2(handle, int*)}: needs a handle, hence a context; the probe uses {@link #cublasGetProperty}. */
    public static int cublasGetVersion(MemorySegment handle, MemorySegment version) {
        try {
            return (int) cublasGetVersion.invokeExact(handle, version);
        } catch (Throwable t) {
            throw Binder.rethrow(t);
        }
    }

    /** {@code cublasGetProperty(libraryPropertyType, int*)}: no handle, no context. */
    public static int cublasGetProperty(int type, MemorySegment value) {
        try {
            return (int) cublasGetProperty.invokeExact(type, value);
        } catch (Throwable t) {
            throw Binder.rethrow(t);
        }
    }

    /** Column-major {@code C = alpha * op(A) * op(B) + beta * C}; C is m x n, op(A) m x k, op(B) k x n. */
    public static int cublasSgemm(MemorySegment handle, int transA, int transB, int m, int n, int k, MemorySegment alpha,
                                  MemorySegment a, int lda, MemorySegment b, int ldb, MemorySegment beta, MemorySegment c,
                                  int ldc) {
        try {
            return (int) cublasSgemm.invokeExact(handle, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        } catch (Throwable t) {
            throw Binder.rethrow(t);
        }
    }
}
