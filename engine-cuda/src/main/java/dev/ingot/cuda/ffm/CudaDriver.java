package dev.ingot.cuda.ffm;

import dev.ingot.cuda.CudaException;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static dev.ingot.cuda.ffm.Binder.fn;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The CUDA driver API ({@code libcuda.so.1}), bound by name through FFM. C types map as follows:
 * {@code CUresult}, {@code CUdevice}, enums and {@code unsigned int} are {@code int};
 * {@code CUdeviceptr} and {@code size_t} are {@code long}; {@code CUcontext}, {@code CUstream},
 * {@code CUmodule}, {@code CUfunction}, {@code CUevent} and every {@code T*} are {@link MemorySegment}.
 * Versioned entry points are bound by the names {@code cuda.h}'s macros expand to
 * ({@code cuMemAlloc} is {@code cuMemAlloc_v2}); the per-thread-default-stream variants are not used.
 *
 * <p>Each method returns the raw {@code CUresult}; callers pass it to {@link #check}, which turns a
 * failure into a {@link CudaException} carrying {@code cuGetErrorName}/{@code cuGetErrorString}.
 */
@SuppressWarnings("restricted") // native access is this class's job; the JVM runs with --enable-native-access
public final class CudaDriver {
    public static final int CUDA_SUCCESS = 0;
    public static final int CUDA_ERROR_OUT_OF_MEMORY = 2;
    public static final int CUDA_ERROR_NOT_READY = 600;
    public static final int CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT = 16;
    public static final int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR = 75;
    public static final int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR = 76;
    public static final int CU_EVENT_DISABLE_TIMING = 0x2;

    static final Binder BINDER = new Binder(CudaLibrary.DRIVER, NativeLibraries.load(CudaLibrary.DRIVER));

    private static final MethodHandle cuInit = BINDER.bind("cuInit", fn(JAVA_INT, JAVA_INT));
    private static final MethodHandle cuDriverGetVersion = BINDER.bind("cuDriverGetVersion", fn(JAVA_INT, ADDRESS));
    private static final MethodHandle cuGetErrorName = BINDER.bind("cuGetErrorName", fn(JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle cuGetErrorString = BINDER.bind("cuGetErrorString", fn(JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle cuDeviceGetCount = BINDER.bind("cuDeviceGetCount", fn(JAVA_INT, ADDRESS));
    private static final MethodHandle cuDeviceGet = BINDER.bind("cuDeviceGet", fn(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle cuDeviceGetName = BINDER.bind("cuDeviceGetName",
            fn(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    private static final MethodHandle cuDeviceGetAttribute = BINDER.bind("cuDeviceGetAttribute",
            fn(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    private static final MethodHandle cuDeviceTotalMem = BINDER.bind("cuDeviceTotalMem_v2",
            fn(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle cuDevicePrimaryCtxRetain = BINDER.bind("cuDevicePrimaryCtxRetain",
            fn(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle cuDevicePrimaryCtxRelease = BINDER.bind("cuDevicePrimaryCtxRelease_v2",
            fn(JAVA_INT, JAVA_INT));
    private static final MethodHandle cuCtxSetCurrent = BINDER.bind("cuCtxSetCurrent", fn(JAVA_INT, ADDRESS));
    private static final MethodHandle cuCtxSynchronize = BINDER.bind("cuCtxSynchronize", fn(JAVA_INT));
    private static final MethodHandle cuMemGetInfo = BINDER.bind("cuMemGetInfo_v2", fn(JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle cuMemAlloc = BINDER.bind("cuMemAlloc_v2", fn(JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle cuMemFree = BINDER.bind("cuMemFree_v2", fn(JAVA_INT, JAVA_LONG));
    private static final MethodHandle cuMemHostAlloc = BINDER.bind("cuMemHostAlloc",
            fn(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle cuMemFreeHost = BINDER.bind("cuMemFreeHost", fn(JAVA_INT, ADDRESS));
    private static final MethodHandle cuMemcpyHtoDAsync = BINDER.bind("cuMemcpyHtoDAsync_v2",
            fn(JAVA_INT, JAVA_LONG, ADDRESS, JAVA_LONG, ADDRESS));
    private static final MethodHandle cuMemcpyDtoHAsync = BINDER.bind("cuMemcpyDtoHAsync_v2",
            fn(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG, ADDRESS));
    private static final MethodHandle cuMemcpyDtoDAsync = BINDER.bind("cuMemcpyDtoDAsync_v2",
            fn(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS));
    private static final MethodHandle cuMemsetD32Async = BINDER.bind("cuMemsetD32Async",
            fn(JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_LONG, ADDRESS));
    private static final MethodHandle cuStreamCreate = BINDER.bind("cuStreamCreate", fn(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle cuStreamSynchronize = BINDER.bind("cuStreamSynchronize", fn(JAVA_INT, ADDRESS));
    private static final MethodHandle cuStreamDestroy = BINDER.bind("cuStreamDestroy_v2", fn(JAVA_INT, ADDRESS));
    private static final MethodHandle cuEventCreate = BINDER.bind("cuEventCreate", fn(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle cuEventRecord = BINDER.bind("cuEventRecord", fn(JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle cuEventQuery = BINDER.bind("cuEventQuery", fn(JAVA_INT, ADDRESS));
    private static final MethodHandle cuEventSynchronize = BINDER.bind("cuEventSynchronize", fn(JAVA_INT, ADDRESS));
    private static final MethodHandle cuEventDestroy = BINDER.bind("cuEventDestroy_v2", fn(JAVA_INT, ADDRESS));
    private static final MethodHandle cuModuleLoadData = BINDER.bind("cuModuleLoadData", fn(JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle cuModuleUnload = BINDER.bind("cuModuleUnload", fn(JAVA_INT, ADDRESS));
    private static final MethodHandle cuModuleGetFunction = BINDER.bind("cuModuleGetFunction",
            fn(JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
    private static final MethodHandle cuLaunchKernel = BINDER.bind("cuLaunchKernel", fn(JAVA_INT, ADDRESS,
            JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, ADDRESS));

    private CudaDriver() {
    }

    /** The binder (for diagnostics and the binding tests). */
    public static Binder binder() {
        return BINDER;
    }

    /** Throws a {@link CudaException} naming {@code call} unless {@code status} is {@code CUDA_SUCCESS}. */
    public static void check(int status, String call) {
        check(status, call, null);
    }

    /** As {@link #check(int, String)}, with what Ingot was doing for the message. */
    public static void check(int status, String call, String context) {
        if (status != CUDA_SUCCESS) {
            throw new CudaException("CUDA driver", call, status, errorName(status), errorString(status), context);
        }
    }

    /** {@code cuGetErrorName}, e.g. {@code CUDA_ERROR_INVALID_VALUE}; never throws. */
    public static String errorName(int status) {
        return describe(status, cuGetErrorName, "CUDA_ERROR_" + status);
    }

    /** {@code cuGetErrorString}, e.g. "invalid argument"; never throws. */
    public static String errorString(int status) {
        return describe(status, cuGetErrorString, "");
    }

    private static String describe(int status, MethodHandle getter, String fallback) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ADDRESS);
            int rc = (int) getter.invokeExact(status, out);
            MemorySegment text = out.get(ADDRESS, 0);
            return rc != CUDA_SUCCESS || text.address() == 0 ? fallback : text.reinterpret(Integer.MAX_VALUE).getString(0);
        } catch (Throwable t) {
            return fallback;
        }
    }

    public static int cuInit(int flags) {
        try {
            return (int) cuInit.invokeExact(flags);
        } catch (Throwable t) {
            throw Binder.rethrow(t);
        }
    }

    public static int cuDriverGetVersion(MemorySegment version) {
        try {
            return (int) cuDriverGetVersion.invokeExact(version);
        } catch (Throwable t) {
            throw Binder.rethrow(t);
        }
    }

    public static int cuDeviceGetCount(MemorySegment count) {
        try {
            return (int) cuDeviceGetCount.invokeExact(count);
        } catch (Throwable t) {
            throw Binder.rethrow(t);
        }
    }

    public static int cuDeviceGet(MemorySegment device, int ordinal) {
        try {
            return (int) cuDeviceGet.invokeExact(device, ordinal);
        } catch (Throwable t) {
            throw Binder.rethrow(t);
        }
    }

    public static int cuDeviceGetName(MemorySegment name, int length, int device) {
        try {
            return (int) cuDeviceGetName.invokeExact(name, length, device);
        } catch (Throwable t) {
            throw Binder.rethrow(t);
        }
    }

    public static int cuDeviceGetAttribute(MemorySegment value, int attribute, int device) {
        try {
            return (int) cuDeviceGetAttribute.invokeExact(value, attribute, device);
        } catch (Throwable t) {
            throw Binder.rethrow(t);
        }
    }

    public static int cuDeviceTotalMem(MemorySegment bytes, int device) {
        try {
            return (int) cuDeviceTotalMem.invokeExact(bytes, device);
        } catch (Throwable t) {
            throw Binder.rethrow(t);
        }
    }

    public static int cuDevicePrimaryCtxRetain(MemorySegment context, int device) {
        try {
            return (int) cuDevicePrimaryCtxRetain.invokeExact(context, device);
        } catch (Throwable t) {
            throw Binder.rethrow(t);
        }
    }

    public static int cuDevicePrimaryCtxRelease(int device) {
        try {
            return (int) cuDevicePrimaryCtxRelease.invokeExact(device);
        } catch (Throwable t) {
            throw Binder.rethrow(t);
        }
    }

    public static int cuCtxSetCurrent(MemorySegment context) {
        try {
            return (int) cuCtxSetCurrent.invokeExact(context);
        } catch (Throwable t) {
            throw Binder.rethrow(t);
        }
    }

    public static int cuCtxSynchronize() {
        try {
            return (int) cuCtxSynchronize.invokeExact();
        } catch (Throwable t) {
            throw Binder.rethrow(t);
        }
    }

    public static int cuMemGetInfo(MemorySegment free, MemorySegment total) {
        try {
            return (int) cuMemGetInfo.invokeExact(free, total);
        } catch (Throwable t) {
            throw Binder.rethrow(t);
        }
    }

    public static int cuMemAlloc(MemorySegment devicePointer, long bytes) {
        try {
            return (int) cuMemAlloc.invokeExact(devicePointer, bytes);
        } catch (Throwable t) {
            throw Binder.rethrow(t);
        }
    }

    public static int cuMemFree(long devicePointer) {
        try {
            return (int) cuMemFree.invokeExact(devicePointer);
        } catch (Throwable t) {
            throw Binder.rethrow(t);
        }
    }

    public static int cuMemHostAlloc(MemorySegment hostPointer, long bytes, int flags) {
        try {
            return (int) cuMemHostAlloc.invokeExact(hostPointer, bytes, flags);
        } catch (Throwable t) {
            throw Binder.rethrow(t);
        }
    }

    public static int cuMemFreeHost(MemorySegment hostPointer) {
        try {
            return (int) cuMemFreeHost.invokeExact(hostPointer);
        } catch (Throwable t) {
            throw Binder.rethrow(t);
        }
    }

    public static int cuMemcpyHtoDAsync(long dst, MemorySegment src, long bytes, MemorySegment stream) {
        try {
            return (int) cuMemcpyHtoDAsync.invokeExact(dst, src, bytes, stream);
        } catch (Throwable t) {
            throw Binder.rethrow(t);
        }
    }

    public static int cuMemcpyDtoHAsync(MemorySegment dst, long src, long bytes, MemorySegment stream) {
        try {
            return (int) cuMemcpyDtoHAsync.invokeExact(dst, src, bytes, stream);
        } catch (Throwable t) {
            throw Binder.rethrow(t);
        }
    }

    public static int cuMemcpyDtoDAsync(long dst, long src, long bytes, MemorySegment stream) {
        try {
            return (int) cuMemcpyDtoDAsync.invokeExact(dst, src, bytes, stream);
        } catch (Throwable t) {
            throw Binder.rethrow(t);
        }
    }

    /** Sets {@code count} 32-bit words at {@code dst} to {@code value}. */
    public static int cuMemsetD32Async(long dst, int value, long count, MemorySegment stream) {
        try {
            return (int) cuMemsetD32Async.invokeExact(dst, value, count, stream);
        } catch (Throwable t) {
            throw Binder.rethrow(t);
        }
    }

    public static int cuStreamCreate(MemorySegment stream, int flags) {
        try {
            return (int) cuStreamCreate.invokeExact(stream, flags);
        } catch (Throwable t) {
            throw Binder.rethrow(t);
        }
    }

    public static int cuStreamSynchronize(MemorySegment stream) {
        try {
            return (int) cuStreamSynchronize.invokeExact(stream);
        } catch (Throwable t) {
            throw Binder.rethrow(t);
        }
    }

    public static int cuStreamDestroy(MemorySegment stream) {
        try {
            return (int) cuStreamDestroy.invokeExact(stream);
        } catch (Throwable t) {
            throw Binder.rethrow(t);
        }
    }

    public static int cuEventCreate(MemorySegment event, int flags) {
        try {
            return (int) cuEventCreate.invokeExact(event, flags);
        } catch (Throwable t) {
            throw Binder.rethrow(t);
        }
    }

    public static int cuEventRecord(MemorySegment event, MemorySegment stream) {
        try {
            return (int) cuEventRecord.invokeExact(event, stream);
        } catch (Throwable t) {
            throw Binder.rethrow(t);
        }
    }

    /** {@code CUDA_SUCCESS} when the work before the event is done, {@code CUDA_ERROR_NOT_READY} if not. */
    public static int cuEventQuery(MemorySegment event) {
        try {
            return (int) cuEventQuery.invokeExact(event);
        } catch (Throwable t) {
            throw Binder.rethrow(t);
        }
    }

    public static int cuEventSynchronize(MemorySegment event) {
        try {
            return (int) cuEventSynchronize.invokeExact(event);
        } catch (Throwable t) {
            throw Binder.rethrow(t);
        }
    }

    public static int cuEventDestroy(MemorySegment event) {
        try {
            return (int) cuEventDestroy.invokeExact(event);
        } catch (Throwable t) {
            throw Binder.rethrow(t);
        }
    }

    public static int cuModuleLoadData(MemorySegment module, MemorySegment image) {
        try {
            return (int) cuModuleLoadData.invokeExact(module, image);
        } catch (Throwable t) {
            throw Binder.rethrow(t);
        }
    }

    public static int cuModuleUnload(MemorySegment module) {
        try {
            return (int) cuModuleUnload.invokeExact(module);
        } catch (Throwable t) {
            throw Binder.rethrow(t);
        }
    }

    public static int cuModuleGetFunction(MemorySegment function, MemorySegment module, MemorySegment name) {
        try {
            return (int) cuModuleGetFunction.invokeExact(function, module, name);
        } catch (Throwable t) {
            throw Binder.rethrow(t);
        }
    }

    public static int cuLaunchKernel(MemorySegment function, int gridX, int gridY, int gridZ, int blockX, int blockY,
                                     int blockZ, int sharedMemBytes, MemorySegment stream, MemorySegment kernelParams,
                                     MemorySegment extra) {
        try {
            return (int) cuLaunchKernel.invokeExact(function, gridX, gridY, gridZ, blockX, blockY, blockZ,
                    sharedMemBytes, stream, kernelParams, extra);
        } catch (Throwable t) {
            throw Binder.rethrow(t);
        }
    }
}
