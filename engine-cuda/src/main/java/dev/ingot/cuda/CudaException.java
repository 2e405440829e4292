package dev.ingot.cuda;

import dev.ingot.core.BackendException;

/**
 * A CUDA library call returned an error. The message names the call, the library's own name for
 * the status ({@code CUDA_ERROR_ILLEGAL_ADDRESS}, {@code CUDNN_STATUS_BAD_PARAM},
 * {@code CUBLAS_STATUS_INVALID_VALUE}, {@code NVRTC_ERROR_COMPILATION}), its description, and what
 * Ingot was doing (shapes, algorithm), e.g.
 * {@code cudnnConvolutionForward failed: CUDNN_STATUS_BAD_PARAM (2000): ... [x [64, 3, 32, 32], w [32, 3, 3, 3], algo 1]}.
 */
public class CudaException extends BackendException {
    private final String library;
    private final String call;
    private final int status;
    private final String statusName;

    public CudaException(String library, String call, int status, String statusName, String description,
                         String context) {
        super(call + " failed: " + statusName + " (" + status + ")"
                + (description == null || description.isBlank() ? "" : ": " + description)
                + (context == null || context.isBlank() ? "" : " [" + context + "]") + " (" + library + ")");
        this.library = library;
        this.call = call;
        this.status = status;
        this.statusName = statusName;
    }

    /** "CUDA driver", "cuDNN", "cuBLAS" or "NVRTC". */
    public String library() {
        return library;
    }

    /** The C function that failed, e.g. {@code cuMemAlloc_v2}. */
    public String call() {
        return call;
    }

    /** The numeric status it returned. */
    public int status() {
        return status;
    }

    /** The library's name for that status. */
    public String statusName() {
        return statusName;
    }
}
