package dev.ingot.cuda.ffm;

import dev.ingot.cuda.CudaException;

import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

import static dev.ingot.cuda.ffm.Binder.fn;
import static dev.ingot.cuda.ffm.Binder.voidFn;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * cuDNN 9's legacy ("v7") API ({@code libcudnn.so.9}: {@code cudnn_graph.h}, {@code cudnn_ops.h},
 * {@code cudnn_cnn.h}), bound by name through FFM. Handles and descriptors
 * ({@code cudnnHandle_t}, {@code cudnnTensorDescriptor_t}, ...) and {@code cudaStream_t} are pointers
 * ({@link MemorySegment}); {@code cudnnStatus_t} and every other enum are {@code int};
 * {@code size_t} is {@code long}; device buffers are {@code void*} and passed as
 * {@code MemorySegment.ofAddress(devicePointer)}; {@code alpha}/{@code beta} point to host floats.
 *
 * <p>Each method returns the raw {@code cudnnStatus_t}; {@link #check} turns a failure into a
 * {@link CudaException} with {@code cudnnGetErrorString} and, on cuDNN 9,
 * {@code cudnnGetLastErrorString} (which says which argument cuDNN disliked).
 */
@SuppressWarnings("restricted") // native access is this class's job; the JVM runs with --enable-native-access
public final class Cudnn {
    public static final int CUDNN_STATUS_SUCCESS = 0;
    public static final int CUDNN_DATA_FLOAT = 0;
    public static final int CUDNN_TENSOR_NCHW = 0;
    public static final int CUDNN_CROSS_CORRELATION = 1;
    public static final int CUDNN_DEFAULT_MATH = 0;
    public static final int CUDNN_TENSOR_OP_MATH = 1;
    public static final int CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION = 2;
    public static final int CUDNN_FMA_MATH = 3;
    public static final int CUDNN_NOT_PROPAGATE_NAN = 0;
    public static final int CUDNN_PROPAGATE_NAN = 1;
    public static final int CUDNN_DETERMINISTIC = 1;
    public static final int CUDNN_POOLING_MAX = 0;
    public static final int CUDNN_POOLING_AVERAGE_COUNT_INCLUDE_PADDING = 1;
    public static final int CUDNN_POOLING_AVERAGE_COUNT_EXCLUDE_PADDING = 2;
    public static final int CUDNN_ACTIVATION_RELU = 1;
    public static final int CUDNN_SOFTMAX_ACCURATE = 1;
    public static final int CUDNN_SOFTMAX_LOG = 2;
    public static final int CUDNN_SOFTMAX_MODE_INSTANCE = 0;
    public static final int CUDNN_SOFTMAX_MODE_CHANNEL = 1;
    /** {@code cudnnBatchNormMode_t}: one scale, shift, mean and variance per channel, over N*H*W. */
    public static final int CUDNN_BATCHNORM_SPATIAL = 1;
    /** {@code CUDNN_CONVOLUTION_FWD_ALGO_COUNT}, {@code ..._BWD_DATA_ALGO_COUNT}, {@code ..._BWD_FILTER_ALGO_COUNT}. */
    public static final int FWD_ALGO_COUNT = 8;
    public static final int BWD_DATA_ALGO_COUNT = 6;
    public static final int BWD_FILTER_ALGO_COUNT = 7;

    /**
     * {@code cudnnConvolutionFwdAlgoPerf_t} (and the identical BwdData/BwdFilter structs):
     * {@code { int algo; cudnnStatus_t status; float time; size_t memory; cudnnDeterminism_t determinism;
     * cudnnMathType_t mathType; int reserved[3]; }} — 48 bytes, with 4 bytes of padding before the
     * 8-byte-aligned {@code memory}.
     */
    public static final StructLayout ALGO_PERF = MemoryLayout.structLayout(
            JAVA_INT.withName("algo"),
            JAVA_INT.withName("status"),
            JAVA_FLOAT.withName("time"),
            MemoryLayout.paddingLayout(4),
            JAVA_LONG.withName("memory"),
            JAVA_INT.withName("determinism"),
            JAVA_INT.withName("mathType"),
            MemoryLayout.sequenceLayout(3, JAVA_INT).withName("reserved"),
            MemoryLayout.paddingLayout(4)).withName("cudnnConvolutionFwdAlgoPerf_t");
    public static final VarHandle PERF_ALGO = ALGO_PERF.varHandle(MemoryLayout.PathElement.groupElement("algo"));
    public static final VarHandle PERF_STATUS = ALGO_PERF.varHandle(MemoryLayout.PathElement.groupElement("status"));
    public static final VarHandle PERF_TIME = ALGO_PERF.varHandle(MemoryLayout.PathElement.groupElement("time"));
    public static final VarHandle PERF_MEMORY = ALGO_PERF.varHandle(MemoryLayout.PathElement.groupElement("memory"));
    public static final VarHandle PERF_DETERMINISM = ALGO_PERF.varHandle(
            MemoryLayout.PathElement.groupElement("determinism"));
    public static final VarHandle PERF_MATH_TYPE = ALGO_PERF.varHandle(
            MemoryLayout.PathElement.groupElement("mathType"));

    static final Binder BINDER = new Binder(CudaLibrary.CUDNN, NativeLibraries.load(CudaLibrary.CUDNN));
    private static final MethodHandle h_cudnnGetVersion =
            BINDER.bind("cudnnGetVersion", fn(JAVA_LONG));
    private static final MethodHandle h_cudnnGetCudartVersion =
            BINDER.bind("cudnnGetCudartVersion", fn(JAVA_LONG));
    private static final MethodHandle h_cudnnGetErrorString =
            BINDER.bind("cudnnGetErrorString", fn(ADDRESS, JAVA_INT));
    private static final MethodHandle h_cudnnGetLastErrorString =
            BINDER.bindOptional("cudnnGetLastErrorString",
            voidFn(ADDRESS, JAVA_LONG));
    private static final MethodHandle h_cudnnCreate =
            BINDER.bind("cudnnCreate", fn(JAVA_INT, ADDRESS));
    private static final MethodHandle h_cudnnDestroy =
            BINDER.bind("cudnnDestroy", fn(JAVA_INT, ADDRESS));
    private static final MethodHandle h_cudnnSetStream =
            BINDER.bind("cudnnSetStream", fn(JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle h_cudnnCreateTensorDescriptor =
            BINDER.bind("cudnnCreateTensorDescriptor",
            fn(JAVA_INT, ADDRESS));
    private static final MethodHandle h_cudnnSetTensor4dDescriptor =
            BINDER.bind("cudnnSetTensor4dDescriptor",
            fn(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle h_cudnnDestroyTensorDescriptor =
            BINDER.bind("cudnnDestroyTensorDescriptor",
            fn(JAVA_INT, ADDRESS));
    private static final MethodHandle h_cudnnCreateFilterDescriptor =
            BINDER.bind("cudnnCreateFilterDescriptor",
            fn(JAVA_INT, ADDRESS));
    private static final MethodHandle h_cudnnSetFilter4dDescriptor =
            BINDER.bind("cudnnSetFilter4dDescriptor",
            fn(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle h_cudnnDestroyFilterDescriptor =
            BINDER.bind("cudnnDestroyFilterDescriptor",
            fn(JAVA_INT, ADDRESS));
    private static final MethodHandle h_cudnnCreateConvolutionDescriptor =
            BINDER.bind("cudnnCreateConvolutionDescriptor",
            fn(JAVA_INT, ADDRESS));
    private static final MethodHandle h_cudnnSetConvolution2dDescriptor =
            BINDER.bind("cudnnSetConvolution2dDescriptor",
            fn(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle h_cudnnSetConvolutionMathType =
            BINDER.bind("cudnnSetConvolutionMathType",
            fn(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle h_cudnnDestroyConvolutionDescriptor =
            BINDER.bind("cudnnDestroyConvolutionDescriptor",
            fn(JAVA_INT, ADDRESS));
    private static final MethodHandle h_cudnnGetConvolution2dForwardOutputDim =
            BINDER.bind("cudnnGetConvolution2dForwardOutputDim",
            fn(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
    private static final MethodHandle h_cudnnGetConvolutionForwardAlgorithm_v7 =
            BINDER.bind("cudnnGetConvolutionForwardAlgorithm_v7",
            fn(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle h_cudnnFindConvolutionForwardAlgorithmEx =
            BINDER.bindOptional("cudnnFindConvolutionForwardAlgorithmEx",
            fn(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, JAVA_INT, ADDRESS,
            ADDRESS, ADDRESS, JAVA_LONG));
    private static final MethodHandle h_cudnnGetConvolutionForwardWorkspaceSize =
            BINDER.bind("cudnnGetConvolutionForwardWorkspaceSize",
            fn(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, JAVA_INT, ADDRESS));
    private static final MethodHandle h_cudnnConvolutionForward =
            BINDER.bind("cudnnConvolutionForward",
            fn(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, JAVA_LONG,
            ADDRESS, ADDRESS, ADDRESS));
    private static final MethodHandle h_cudnnGetConvolutionBackwardDataAlgorithm_v7 =
            BINDER.bind("cudnnGetConvolutionBackwardDataAlgorithm_v7",
            fn(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle h_cudnnFindConvolutionBackwardDataAlgorithmEx =
            BINDER.bindOptional("cudnnFindConvolutionBackwardDataAlgorithmEx",
            fn(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, JAVA_INT, ADDRESS,
            ADDRESS, ADDRESS, JAVA_LONG));
    private static final MethodHandle h_cudnnGetConvolutionBackwardDataWorkspaceSize =
            BINDER.bind("cudnnGetConvolutionBackwardDataWorkspaceSize",
            fn(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, JAVA_INT, ADDRESS));
    private static final MethodHandle h_cudnnConvolutionBackwardData =
            BINDER.bind("cudnnConvolutionBackwardData",
            fn(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, JAVA_LONG,
            ADDRESS, ADDRESS, ADDRESS));
    private static final MethodHandle h_cudnnGetConvolutionBackwardFilterAlgorithm_v7 =
            BINDER.bind("cudnnGetConvolutionBackwardFilterAlgorithm_v7",
            fn(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle h_cudnnFindConvolutionBackwardFilterAlgorithmEx =
            BINDER.bindOptional("cudnnFindConvolutionBackwardFilterAlgorithmEx",
            fn(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, JAVA_INT, ADDRESS,
            ADDRESS, ADDRESS, JAVA_LONG));
    private static final MethodHandle h_cudnnGetConvolutionBackwardFilterWorkspaceSize =
            BINDER.bind("cudnnGetConvolutionBackwardFilterWorkspaceSize",
            fn(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, JAVA_INT, ADDRESS));
    private static final MethodHandle h_cudnnConvolutionBackwardFilter =
            BINDER.bind("cudnnConvolutionBackwardFilter",
            fn(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, JAVA_LONG,
            ADDRESS, ADDRESS, ADDRESS));
    private static final MethodHandle h_cudnnConvolutionBackwardBias =
            BINDER.bind("cudnnConvolutionBackwardBias",
            fn(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
    private static final MethodHandle h_cudnnAddTensor =
            BINDER.bind("cudnnAddTensor",
            fn(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
    private static final MethodHandle h_cudnnCreatePoolingDescriptor =
            BINDER.bind("cudnnCreatePoolingDescriptor",
            fn(JAVA_INT, ADDRESS));
    private static final MethodHandle h_cudnnSetPooling2dDescriptor =
            BINDER.bind("cudnnSetPooling2dDescriptor",
            fn(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle h_cudnnGetPooling2dForwardOutputDim =
            BINDER.bind("cudnnGetPooling2dForwardOutputDim",
            fn(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
    private static final MethodHandle h_cudnnDestroyPoolingDescriptor =
            BINDER.bind("cudnnDestroyPoolingDescriptor",
            fn(JAVA_INT, ADDRESS));
    private static final MethodHandle h_cudnnPoolingForward =
            BINDER.bind("cudnnPoolingForward",
            fn(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
    private static final MethodHandle h_cudnnPoolingBackward =
            BINDER.bind("cudnnPoolingBackward",
            fn(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS,
            ADDRESS, ADDRESS));
    private static final MethodHandle h_cudnnCreateActivationDescriptor =
            BINDER.bind("cudnnCreateActivationDescriptor",
            fn(JAVA_INT, ADDRESS));
    private static final MethodHandle h_cudnnSetActivationDescriptor =
            BINDER.bind("cudnnSetActivationDescriptor",
            fn(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_DOUBLE));
    private static final MethodHandle h_cudnnDestroyActivationDescriptor =
            BINDER.bind("cudnnDestroyActivationDescriptor",
            fn(JAVA_INT, ADDRESS));
    private static final MethodHandle h_cudnnActivationForward =
            BINDER.bind("cudnnActivationForward",
            fn(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
    private static final MethodHandle h_cudnnActivationBackward =
            BINDER.bind("cudnnActivationBackward",
            fn(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS,
            ADDRESS, ADDRESS));
    private static final MethodHandle h_cudnnSoftmaxForward =
            BINDER.bind("cudnnSoftmaxForward",
            fn(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
    private static final MethodHandle h_cudnnSoftmaxBackward =
            BINDER.bind("cudnnSoftmaxBackward",
            fn(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS,
            ADDRESS));
    // batch normalisation (cudnn_ops.h; deprecated in cuDNN 9 in favour of the graph API, still exported).
    // Not run on a GPU yet: prototypes checked against cuDNN 9.6's cudnn_ops.h by BindingPrototypesTest.
    private static final MethodHandle h_cudnnBatchNormalizationForwardTraining =
            BINDER.bind("cudnnBatchNormalizationForwardTraining",
            fn(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS,
            ADDRESS, JAVA_DOUBLE, ADDRESS, ADDRESS, JAVA_DOUBLE, ADDRESS, ADDRESS));
    private static final MethodHandle h_cudnnBatchNormalizationForwardInference =
            BINDER.bind("cudnnBatchNormalizationForwardInference",
            fn(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS,
            ADDRESS, ADDRESS, ADDRESS, JAVA_DOUBLE));
    private static final MethodHandle h_cudnnBatchNormalizationBackward =
            BINDER.bind("cudnnBatchNormalizationBackward",
            fn(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS,
            ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, JAVA_DOUBLE, ADDRESS, ADDRESS));

    private Cudnn() {
    }

    /** The binder (for diagnostics and the binding tests). */
    public static Binder binder() {
        return BINDER;
    }

    /** Throws a {@link CudaException} naming {@code call} unless {@code status} is {@code CUDNN_STATUS_SUCCESS}. */
    public static void check(int status, String call) {
        check(status, call, null);
    }

    /**
     * Whether the three {@code cudnnFindConvolution*AlgorithmEx} entry points are exported. They are
     * bound as optional: cuDNN marks the legacy search API for removal, and without it the backend
     * takes cuDNN's heuristic ranking instead of refusing to start.
     */
    public static boolean hasFindEx() {
        return BINDER.has("cudnnFindConvolutionForwardAlgorithmEx")
                && BINDER.has("cudnnFindConvolutionBackwardDataAlgorithmEx")
                && BINDER.has("cudnnFindConvolutionBackwardFilterAlgorithmEx");
    }

    /** As {@link #check(int, String)}, with what Ingot was doing for the message. */
    public static void check(int status, String call, String context) {
        if (status != CUDNN_STATUS_SUCCESS) {
            String last = lastErrorString();
            throw new CudaException("cuDNN", call, status, statusName(status), errorString(status)
                    + (last.isBlank() ? "" : "; cudnnGetLastErrorString: " + last), context);
        }
    }

    /** {@code cudnnGetErrorString}; never throws. */
    public static String errorString(int status) {
        try {
            MemorySegment s = cudnnGetErrorString(status);
            return s.address() == 0 ? "" : s.reinterpret(Integer.MAX_VALUE).getString(0);
        } catch (RuntimeException e) {
            return "";
        }
    }

    /** The C name of a status: the error string is {@code CUDNN_STATUS_...: message} in cuDNN 9, so take its head. */
    static String statusName(int status) {
        String s = errorString(status);
        int colon = s.indexOf(':');
        String head = (colon > 0 ? s.substring(0, colon) : s).strip();
        return head.startsWith("CUDNN_STATUS_") ? head : "CUDNN_STATUS_" + status;
    }

    /** cuDNN 9's description of the last failure on this thread, or "" (older versions, or nothing recorded). */
    static String lastErrorString() {
        if (!BINDER.has("cudnnGetLastErrorString")) {
            return "";
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(1024);
            cudnnGetLastErrorString(buffer, buffer.byteSize());
            return buffer.getString(0).strip();
        } catch (RuntimeException e) {
            return "";
        }
    }

    /** Version {@code 90600} as {@code "9.6.0"} (cuDNN 9 encodes major*10000 + minor*100 + patch). */
    public static String versionString(long version) {
        return (version / 10000) + "." + (version % 10000) / 100 + "." + version % 100;
    }

    /** size_t cudnnGetVersion(void): e.g. 90600 for 9.6.0. */
    public static long cudnnGetVersion() {
        try {
            return (long) h_cudnnGetVersion.invokeExact();
        } catch (Throwable t) {
            throw Binder.rethrow(t);
        }
    }

    /** size_t cudnnGetCudartVersion(void): the CUDA runtime version cuDNN was built with. */
    public static long cudnnGetCudartVersion() {
        try {
            return (long) h_cudnnGetCudartVersion.invokeExact();
        } catch (Throwable t) {
            throw Binder.rethrow(t);
        }
    }

    /** const char *cudnnGetErrorString(cudnnStatus_t). */
    public static MemorySegment cudnnGetErrorString(int status) {
        try {
            return (MemorySegment) h_cudnnGetErrorString.invokeExact(status);
        } catch (Throwable t) {
            throw Binder.rethrow(t);
        }
    }

    /** void cudnnGetLastErrorString(char *message, size_t max_size) (cuDNN 9). */
    public static void cudnnGetLastErrorString(MemorySegment message, long maxSize) {
        try {
            h_cudnnGetLastErrorString.invokeExact(message, maxSize);
        } catch (Throwable t) {
            throw Binder.rethrow(t);
        }
    }

    public static int cudnnCreate(MemorySegment handle) {
        try {
            return (int) h_cudnnCreate.invokeExact(handle);
        } catch (Throwable t) {
            throw Binder.rethrow(t);
        }
    }

    public static int cudnnDestroy(MemorySegment handle) {
        try {
            return (int) h_cudnnDestroy.invokeExact(handle);
        } catch (Throwable t) {
            throw Binder.rethrow(t);
        }
    }

    public static int cudnnSetStream(MemorySegment handle, MemorySegment stream) {
        try {
            return (int) h_cudnnSetStream.invokeExact(handle, stream);
        } catch (Throwable t) {
            throw Binder.rethrow(t);
        }
    }

    public static int cudnnCreateTensorDescriptor(MemorySegment descriptor) {
        try {
            return (int) h_cudnnCreateTensorDescriptor.invokeExact(descriptor);
        } catch (Throwable t) {
            throw Binder.rethrow(t);
        }
    }

    public static int cudnnSetTensor4dDescriptor(MemorySegment descriptor, int format, int dataType, int n, int c,
            int h, int w) {
        try {
            return (int) h_cudnnSetTensor4dDescriptor.invokeExact(descriptor, format, dataType, n, c, h, w);
        } catch (Throwable t) {
            throw Binder.rethrow(t);
        }
    }

    public static int cudnnDestroyTensorDescriptor(MemorySegment descriptor) {
        try {
            return (int) h_cudnnDestroyTensorDescriptor.invokeExact(descriptor);
        } catch (Throwable t) {
            throw Binder.rethrow(t);
        }
    }

    public static int cudnnCreateFilterDescriptor(MemorySegment descriptor) {
        try {
            return (int) h_cudnnCreateFilterDescriptor.invokeExact(descriptor);
        } catch (Throwable t) {
            throw Binder.rethrow(t);
        }
    }

    public static int cudnnSetFilter4dDescriptor(MemorySegment descriptor, int dataType, int format, int k, int c,
            int h, int w) {
        try {
            return (int) h_cudnnSetFilter4dDescriptor.invokeExact(descriptor, dataType, format, k, c, h, w);
        } catch (Throwable t) {
            throw Binder.rethrow(t);
        }
    }

    public static int cudnnDestroyFilterDescriptor(MemorySegment descriptor) {
        try {
            return (int) h_cudnnDestroyFilterDescriptor.invokeExact(descriptor);
        } catch (Throwable t) {
            throw Binder.rethrow(t);
        }
    }

    public static int cudnnCreateConvolutionDescriptor(MemorySegment descriptor) {
        try {
            return (int) h_cudnnCreateConvolutionDescriptor.invokeExact(descriptor);
        } catch (Throwable t) {
            throw Binder.rethrow(t);
        }
    }

    public static int cudnnSetConvolution2dDescriptor(MemorySegment descriptor, int padH, int padW, int strideH,
            int strideW, int dilationH, int dilationW, int mode, int computeType) {
        try {
            return (int) h_cudnnSetConvolution2dDescriptor.invokeExact(descriptor, padH, padW, strideH, strideW,
                    dilationH, dilationW, mode, computeType);
        } catch (Throwable t) {
            throw Binder.rethrow(t);
        }
    }

    public static int cudnnSetConvolutionMathType(MemorySegment descriptor, int mathType) {
        try {
            return (int) h_cudnnSetConvolutionMathType.invokeExact(descriptor, mathType);
        } catch (Throwable t) {
            throw Binder.rethrow(t);
        }
    }

    public static int cudnnDestroyConvolutionDescriptor(MemorySegment descriptor) {
        try {
            return (int) h_cudnnDestroyConvolutionDescriptor.invokeExact(descriptor);
        } catch (Throwable t) {
            throw Binder.rethrow(t);
        }
    }

    public static int cudnnGetConvolution2dForwardOutputDim(MemorySegment convDesc, MemorySegment xDesc,
            MemorySegment wDesc, MemorySegment n, MemorySegment c, MemorySegment h, MemorySegment w) {
        try {
            return (int) h_cudnnGetConvolution2dForwardOutputDim.invokeExact(convDesc, xDesc, wDesc, n, c, h, w);
        } catch (Throwable t) {
            throw Binder.rethrow(t);
        }
    }

    public static int cudnnGetConvolutionForwardAlgorithm_v7(MemorySegment handle, MemorySegment xDesc,
            MemorySegment wDesc, MemorySegment convDesc, MemorySegment yDesc, int requested, MemorySegment returned,
            MemorySegment perfResults) {
        try {
            return (int) h_cudnnGetConvolutionForwardAlgorithm_v7.invokeExact(handle, xDesc, wDesc, convDesc, yDesc,
                    requested, returned, perfResults);
        } catch (Throwable t) {
            throw Binder.rethrow(t);
        }
    }

    public static int cudnnFindConvolutionForwardAlgorithmEx(MemorySegment handle, MemorySegment xDesc, MemorySegment x,
            MemorySegment wDesc, MemorySegment w, MemorySegment convDesc, MemorySegment yDesc, MemorySegment y,
            int requested, MemorySegment returned, MemorySegment perfResults, MemorySegment workspace,
            long workspaceBytes) {
        try {
            return (int) h_cudnnFindConvolutionForwardAlgorithmEx.invokeExact(handle, xDesc, x, wDesc, w, convDesc,
                    yDesc, y, requested, returned, perfResults, workspace, workspaceBytes);
        } catch (Throwable t) {
            throw Binder.rethrow(t);
        }
    }

    public static int cudnnGetConvolutionForwardWorkspaceSize(MemorySegment handle, MemorySegment xDesc,
            MemorySegment wDesc, MemorySegment convDesc, MemorySegment yDesc, int algo, MemorySegment bytes) {
        try {
            return (int) h_cudnnGetConvolutionForwardWorkspaceSize.invokeExact(handle, xDesc, wDesc, convDesc, yDesc,
                    algo, bytes);
        } catch (Throwable t) {
            throw Binder.rethrow(t);
        }
    }

    public static int cudnnConvolutionForward(MemorySegment handle, MemorySegment alpha, MemorySegment xDesc,
            MemorySegment x, MemorySegment wDesc, MemorySegment w, MemorySegment convDesc, int algo,
            MemorySegment workspace, long workspaceBytes, MemorySegment beta, MemorySegment yDesc, MemorySegment y) {
        try {
            return (int) h_cudnnConvolutionForward.invokeExact(handle, alpha, xDesc, x, wDesc, w, convDesc, algo,
                    workspace, workspaceBytes, beta, yDesc, y);
        } catch (Throwable t) {
            throw Binder.rethrow(t);
        }
    }

    public static int cudnnGetConvolutionBackwardDataAlgorithm_v7(MemorySegment handle, MemorySegment wDesc,
            MemorySegment dyDesc, MemorySegment convDesc, MemorySegment dxDesc, int requested, MemorySegment returned,
            MemorySegment perfResults) {
        try {
            return (int) h_cudnnGetConvolutionBackwardDataAlgorithm_v7.invokeExact(handle, wDesc, dyDesc, convDesc,
                    dxDesc, requested, returned, perfResults);
        } catch (Throwable t) {
            throw Binder.rethrow(t);
        }
    }

    public static int cudnnFindConvolutionBackwardDataAlgorithmEx(MemorySegment handle, MemorySegment wDesc,
            MemorySegment w, MemorySegment dyDesc, MemorySegment dy, MemorySegment convDesc, MemorySegment dxDesc,
            MemorySegment dx, int requested, MemorySegment returned, MemorySegment perfResults, MemorySegment workspace,
            long workspaceBytes) {
        try {
            return (int) h_cudnnFindConvolutionBackwardDataAlgorithmEx.invokeExact(handle, wDesc, w, dyDesc, dy,
                    convDesc, dxDesc, dx, requested, returned, perfResults, workspace, workspaceBytes);
        } catch (Throwable t) {
            throw Binder.rethrow(t);
        }
    }

    public static int cudnnGetConvolutionBackwardDataWorkspaceSize(MemorySegment handle, MemorySegment wDesc,
            MemorySegment dyDesc, MemorySegment convDesc, MemorySegment dxDesc, int algo, MemorySegment bytes) {
        try {
            return (int) h_cudnnGetConvolutionBackwardDataWorkspaceSize.invokeExact(handle, wDesc, dyDesc, convDesc,
                    dxDesc, algo, bytes);
        } catch (Throwable t) {
            throw Binder.rethrow(t);
        }
    }

    public static int cudnnConvolutionBackwardData(MemorySegment handle, MemorySegment alpha, MemorySegment wDesc,
            MemorySegment w, MemorySegment dyDesc, MemorySegment dy, MemorySegment convDesc, int algo,
            MemorySegment workspace, long workspaceBytes, MemorySegment beta, MemorySegment dxDesc, MemorySegment dx) {
        try {
            return (int) h_cudnnConvolutionBackwardData.invokeExact(handle, alpha, wDesc, w, dyDesc, dy, convDesc, algo,
                    workspace, workspaceBytes, beta, dxDesc, dx);
        } catch (Throwable t) {
            throw Binder.rethrow(t);
        }
    }

    public static int cudnnGetConvolutionBackwardFilterAlgorithm_v7(MemorySegment handle, MemorySegment xDesc,
            MemorySegment dyDesc, MemorySegment convDesc, MemorySegment dwDesc, int requested, MemorySegment returned,
            MemorySegment perfResults) {
        try {
            return (int) h_cudnnGetConvolutionBackwardFilterAlgorithm_v7.invokeExact(handle, xDesc, dyDesc, convDesc,
                    dwDesc, requested, returned, perfResults);
        } catch (Throwable t) {
            throw Binder.rethrow(t);
        }
    }

    public static int cudnnFindConvolutionBackwardFilterAlgorithmEx(MemorySegment handle, MemorySegment xDesc,
            MemorySegment x, MemorySegment dyDesc, MemorySegment dy, MemorySegment convDesc, MemorySegment dwDesc,
            MemorySegment dw, int requested, MemorySegment returned, MemorySegment perfResults, MemorySegment workspace,
            long workspaceBytes) {
        try {
            return (int) h_cudnnFindConvolutionBackwardFilterAlgorithmEx.invokeExact(handle, xDesc, x, dyDesc, dy,
                    convDesc, dwDesc, dw, requested, returned, perfResults, workspace, workspaceBytes);
        } catch (Throwable t) {
            throw Binder.rethrow(t);
        }
    }

    public static int cudnnGetConvolutionBackwardFilterWorkspaceSize(MemorySegment handle, MemorySegment xDesc,
            MemorySegment dyDesc, MemorySegment convDesc, MemorySegment dwDesc, int algo, MemorySegment bytes) {
        try {
            return (int) h_cudnnGetConvolutionBackwardFilterWorkspaceSize.invokeExact(handle, xDesc, dyDesc, convDesc,
                    dwDesc, algo, bytes);
        } catch (Throwable t) {
            throw Binder.rethrow(t);
        }
    }

    public static int cudnnConvolutionBackwardFilter(MemorySegment handle, MemorySegment alpha, MemorySegment xDesc,
            MemorySegment x, MemorySegment dyDesc, MemorySegment dy, MemorySegment convDesc, int algo,
            MemorySegment workspace, long workspaceBytes, MemorySegment beta, MemorySegment dwDesc, MemorySegment dw) {
        try {
            return (int) h_cudnnConvolutionBackwardFilter.invokeExact(handle, alpha, xDesc, x, dyDesc, dy, convDesc,
                    algo, workspace, workspaceBytes, beta, dwDesc, dw);
        } catch (Throwable t) {
            throw Binder.rethrow(t);
        }
    }

    public static int cudnnConvolutionBackwardBias(MemorySegment handle, MemorySegment alpha, MemorySegment dyDesc,
            MemorySegment dy, MemorySegment beta, MemorySegment dbDesc, MemorySegment db) {
        try {
            return (int) h_cudnnConvolutionBackwardBias.invokeExact(handle, alpha, dyDesc, dy, beta, dbDesc, db);
        } catch (Throwable t) {
            throw Binder.rethrow(t);
        }
    }

    public static int cudnnAddTensor(MemorySegment handle, MemorySegment alpha, MemorySegment aDesc, MemorySegment a,
            MemorySegment beta, MemorySegment cDesc, MemorySegment c) {
        try {
            return (int) h_cudnnAddTensor.invokeExact(handle, alpha, aDesc, a, beta, cDesc, c);
        } catch (Throwable t) {
            throw Binder.rethrow(t);
        }
    }

    public static int cudnnCreatePoolingDescriptor(MemorySegment descriptor) {
        try {
            return (int) h_cudnnCreatePoolingDescriptor.invokeExact(descriptor);
        } catch (Throwable t) {
            throw Binder.rethrow(t);
        }
    }

    public static int cudnnSetPooling2dDescriptor(MemorySegment descriptor, int mode, int nanPropagation, int windowH,
            int windowW, int padH, int padW, int strideH, int strideW) {
        try {
            return (int) h_cudnnSetPooling2dDescriptor.invokeExact(descriptor, mode, nanPropagation, windowH, windowW,
                    padH, padW, strideH, strideW);
        } catch (Throwable t) {
            throw Binder.rethrow(t);
        }
    }

    public static int cudnnGetPooling2dForwardOutputDim(MemorySegment poolDesc, MemorySegment xDesc, MemorySegment n,
            MemorySegment c, MemorySegment h, MemorySegment w) {
        try {
            return (int) h_cudnnGetPooling2dForwardOutputDim.invokeExact(poolDesc, xDesc, n, c, h, w);
        } catch (Throwable t) {
            throw Binder.rethrow(t);
        }
    }

    public static int cudnnDestroyPoolingDescriptor(MemorySegment descriptor) {
        try {
            return (int) h_cudnnDestroyPoolingDescriptor.invokeExact(descriptor);
        } catch (Throwable t) {
            throw Binder.rethrow(t);
        }
    }

    public static int cudnnPoolingForward(MemorySegment handle, MemorySegment poolDesc, MemorySegment alpha,
            MemorySegment xDesc, MemorySegment x, MemorySegment beta, MemorySegment yDesc, MemorySegment y) {
        try {
            return (int) h_cudnnPoolingForward.invokeExact(handle, poolDesc, alpha, xDesc, x, beta, yDesc, y);
        } catch (Throwable t) {
            throw Binder.rethrow(t);
        }
    }

    public static int cudnnPoolingBackward(MemorySegment handle, MemorySegment poolDesc, MemorySegment alpha,
            MemorySegment yDesc, MemorySegment y, MemorySegment dyDesc, MemorySegment dy, MemorySegment xDesc,
            MemorySegment x, MemorySegment beta, MemorySegment dxDesc, MemorySegment dx) {
        try {
            return (int) h_cudnnPoolingBackward.invokeExact(handle, poolDesc, alpha, yDesc, y, dyDesc, dy, xDesc, x,
                    beta, dxDesc, dx);
        } catch (Throwable t) {
            throw Binder.rethrow(t);
        }
    }

    public static int cudnnCreateActivationDescriptor(MemorySegment descriptor) {
        try {
            return (int) h_cudnnCreateActivationDescriptor.invokeExact(descriptor);
        } catch (Throwable t) {
            throw Binder.rethrow(t);
        }
    }

    public static int cudnnSetActivationDescriptor(MemorySegment descriptor, int mode, int nanPropagation,
            double coef) {
        try {
            return (int) h_cudnnSetActivationDescriptor.invokeExact(descriptor, mode, nanPropagation, coef);
        } catch (Throwable t) {
            throw Binder.rethrow(t);
        }
    }

    public static int cudnnDestroyActivationDescriptor(MemorySegment descriptor) {
        try {
            return (int) h_cudnnDestroyActivationDescriptor.invokeExact(descriptor);
        } catch (Throwable t) {
            throw Binder.rethrow(t);
        }
    }

    public static int cudnnActivationForward(MemorySegment handle, MemorySegment activationDesc, MemorySegment alpha,
            MemorySegment xDesc, MemorySegment x, MemorySegment beta, MemorySegment yDesc, MemorySegment y) {
        try {
            return (int) h_cudnnActivationForward.invokeExact(handle, activationDesc, alpha, xDesc, x, beta, yDesc, y);
        } catch (Throwable t) {
            throw Binder.rethrow(t);
        }
    }

    public static int cudnnActivationBackward(MemorySegment handle, MemorySegment activationDesc, MemorySegment alpha,
            MemorySegment yDesc, MemorySegment y, MemorySegment dyDesc, MemorySegment dy, MemorySegment xDesc,
            MemorySegment x, MemorySegment beta, MemorySegment dxDesc, MemorySegment dx) {
        try {
            return (int) h_cudnnActivationBackward.invokeExact(handle, activationDesc, alpha, yDesc, y, dyDesc, dy,
                    xDesc, x, beta, dxDesc, dx);
        } catch (Throwable t) {
            throw Binder.rethrow(t);
        }
    }

    public static int cudnnSoftmaxForward(MemorySegment handle, int algo, int mode, MemorySegment alpha,
            MemorySegment xDesc, MemorySegment x, MemorySegment beta, MemorySegment yDesc, MemorySegment y) {
        try {
            return (int) h_cudnnSoftmaxForward.invokeExact(handle, algo, mode, alpha, xDesc, x, beta, yDesc, y);
        } catch (Throwable t) {
            throw Binder.rethrow(t);
        }
    }

    public static int cudnnSoftmaxBackward(MemorySegment handle, int algo, int mode, MemorySegment alpha,
            MemorySegment yDesc, MemorySegment y, MemorySegment dyDesc, MemorySegment dy, MemorySegment beta,
            MemorySegment dxDesc, MemorySegment dx) {
        try {
            return (int) h_cudnnSoftmaxBackward.invokeExact(handle, algo, mode, alpha, yDesc, y, dyDesc, dy, beta,
                    dxDesc, dx);
        } catch (Throwable t) {
            throw Binder.rethrow(t);
        }
    }

    // ---------------------------------------------------------------- batch normalisation (not run on a GPU yet)

    /**
     * {@code cudnnBatchNormalizationForwardTraining(handle, mode, alpha, beta, xDesc, x, yDesc, y,
     * bnScaleBiasMeanVarDesc, bnScale, bnBias, exponentialAverageFactor, resultRunningMean,
     * resultRunningVariance, epsilon, resultSaveMean, resultSaveInvVariance)}.
     */
    public static int cudnnBatchNormalizationForwardTraining(MemorySegment handle, int mode, MemorySegment alpha,
            MemorySegment beta, MemorySegment xDesc, MemorySegment x, MemorySegment yDesc, MemorySegment y,
            MemorySegment bnDesc, MemorySegment bnScale, MemorySegment bnBias, double exponentialAverageFactor,
            MemorySegment resultRunningMean, MemorySegment resultRunningVariance, double epsilon,
            MemorySegment resultSaveMean, MemorySegment resultSaveInvVariance) {
        try {
            return (int) h_cudnnBatchNormalizationForwardTraining.invokeExact(handle, mode, alpha, beta, xDesc, x,
                    yDesc, y, bnDesc, bnScale, bnBias, exponentialAverageFactor, resultRunningMean,
                    resultRunningVariance, epsilon, resultSaveMean, resultSaveInvVariance);
        } catch (Throwable t) {
            throw Binder.rethrow(t);
        }
    }

    /**
     * {@code cudnnBatchNormalizationForwardInference(handle, mode, alpha, beta, xDesc, x, yDesc, y,
     * bnScaleBiasMeanVarDesc, bnScale, bnBias, estimatedMean, estimatedVariance, epsilon)}.
     */
    public static int cudnnBatchNormalizationForwardInference(MemorySegment handle, int mode, MemorySegment alpha,
            MemorySegment beta, MemorySegment xDesc, MemorySegment x, MemorySegment yDesc, MemorySegment y,
            MemorySegment bnDesc, MemorySegment bnScale, MemorySegment bnBias, MemorySegment estimatedMean,
            MemorySegment estimatedVariance, double epsilon) {
        try {
            return (int) h_cudnnBatchNormalizationForwardInference.invokeExact(handle, mode, alpha, beta, xDesc, x,
                    yDesc, y, bnDesc, bnScale, bnBias, estimatedMean, estimatedVariance, epsilon);
        } catch (Throwable t) {
            throw Binder.rethrow(t);
        }
    }

    /**
     * {@code cudnnBatchNormalizationBackward(handle, mode, alphaDataDiff, betaDataDiff, alphaParamDiff,
     * betaParamDiff, xDesc, x, dyDesc, dy, dxDesc, dx, dBnScaleBiasDesc, bnScale, dBnScaleResult,
     * dBnBiasResult, epsilon, savedMean, savedInvVariance)}.
     */
    public static int cudnnBatchNormalizationBackward(MemorySegment handle, int mode, MemorySegment alphaDataDiff,
            MemorySegment betaDataDiff, MemorySegment alphaParamDiff, MemorySegment betaParamDiff,
            MemorySegment xDesc, MemorySegment x, MemorySegment dyDesc, MemorySegment dy, MemorySegment dxDesc,
            MemorySegment dx, MemorySegment bnDesc, MemorySegment bnScale, MemorySegment dBnScaleResult,
            MemorySegment dBnBiasResult, double epsilon, MemorySegment savedMean, MemorySegment savedInvVariance) {
        try {
            return (int) h_cudnnBatchNormalizationBackward.invokeExact(handle, mode, alphaDataDiff, betaDataDiff,
                    alphaParamDiff, betaParamDiff, xDesc, x, dyDesc, dy, dxDesc, dx, bnDesc, bnScale, dBnScaleResult,
                    dBnBiasResult, epsilon, savedMean, savedInvVariance);
        } catch (Throwable t) {
            throw Binder.rethrow(t);
        }
    }
}
