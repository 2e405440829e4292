package dev.ingot.cuda;

import dev.ingot.core.BackendException;

import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A CUDA library call returned an error. The message names the call, the library's own name for
 * the status ({@code CUDA_ERROR_ILLEGAL_ADDRESS}, {@code CUDNN_STATUS_BAD_PARAM},
 * {@code CUBLAS_STATUS_INVALID_VALUE}, {@code NVRTC_ERROR_COMPILATION}), its description, and what
 * Ingot was doing (shapes, algorithm), e.g.
 * {@code cudnnConvolutionForward failed: CUDNN_STATUS_BAD_PARAM (2000): ... [x [64, 3, 32, 32], w [32, 3, 3, 3], algo 1]}.
 *
 * <p>Some driver errors are <em>sticky</em>: after a kernel faults on the device (illegal address,
 * launch failure, ...) the CUDA context is unusable, and every later call in the process fails with
 * the same error, whatever it does. The first such error says so, and every CUDA failure after it
 * names that first fault and says it is probably a consequence, so that a log of a hundred failed
 * tests points at the one that matters. {@link #contextUnusable()} tells callers (the backend
 * refuses new work once it is set).
 */
public class CudaException extends BackendException {
    /**
     * CUresult codes after which the context is unusable (the CUDA driver API's documentation of
     * each: "the context cannot be used, so it must be destroyed (and a new one should be created)").
     */
    static final Set<Integer> STICKY_DRIVER_ERRORS = Set.of(
            700, // CUDA_ERROR_ILLEGAL_ADDRESS
            702, // CUDA_ERROR_LAUNCH_TIMEOUT
            709, // CUDA_ERROR_CONTEXT_IS_DESTROYED
            710, // CUDA_ERROR_ASSERT
            714, // CUDA_ERROR_HARDWARE_STACK_ERROR
            715, // CUDA_ERROR_ILLEGAL_INSTRUCTION
            716, // CUDA_ERROR_MISALIGNED_ADDRESS
            717, // CUDA_ERROR_INVALID_ADDRESS_SPACE
            718, // CUDA_ERROR_INVALID_PC
            719); // CUDA_ERROR_LAUNCH_FAILED

    /** The first sticky fault of this process ({@link #FAULTS}), or of a test's own record. */
    static final class ContextFaults {
        private final AtomicReference<String> first = new AtomicReference<>();

        /** Records {@code description} if it is the first sticky fault; returns the first one (or null). */
        String record(boolean sticky, String description) {
            if (sticky) {
                first.compareAndSet(null, description);
            }
            return first.get();
        }

        String first() {
            return first.get();
        }
    }

    /** This process's record: CUDA contexts are per process, and so is a sticky fault's reach. */
    static final ContextFaults FAULTS = new ContextFaults();

    private final String library;
    private final String call;
    private final int status;
    private final String statusName;
    private final boolean contextUnusable;

    public CudaException(String library, String call, int status, String statusName, String description,
                         String context) {
        this(FAULTS, library, call, status, statusName, description, context);
    }

    CudaException(ContextFaults faults, String library, String call, int status, String statusName,
                  String description, String context) {
        this(faults, library, call, status, statusName, call + " failed: " + statusName + " (" + status + ")"
                + (description == null || description.isBlank() ? "" : ": " + description)
                + (context == null || context.isBlank() ? "" : " [" + context + "]") + " (" + library + ")");
    }

    private CudaException(ContextFaults faults, String library, String call, int status, String statusName,
                          String basic) {
        this(library, call, status, statusName, basic, isSticky(library, status), faults.record(
                isSticky(library, status), basic));
    }

    private CudaException(String library, String call, int status, String statusName, String basic, boolean sticky,
                          String firstFault) {
        super(basic + stickyNote(basic, sticky, firstFault));
        this.library = library;
        this.call = call;
        this.status = status;
        this.statusName = statusName;
        this.contextUnusable = firstFault != null;
    }

    /** Whether {@code status} of {@code library} leaves the CUDA context unusable. */
    static boolean isSticky(String library, int status) {
        return "CUDA driver".equals(library) && STICKY_DRIVER_ERRORS.contains(status);
    }

    private static String stickyNote(String basic, boolean sticky, String firstFault) {
        if (firstFault == null) {
            return "";
        }
        if (sticky && firstFault.equals(basic)) {
            return ". The CUDA context is now unusable: every later CUDA call in this process fails, and later"
                    + " failures are consequences of this one; start a new process (with -Dingot.cuda.debugSync=true"
                    + " to name the op that faulted)";
        }
        return ". The CUDA context has been unusable since an earlier fault, so this failure is probably a"
                + " consequence of it: " + firstFault;
    }

    /** The first sticky fault of this process, or null while the context is healthy. */
    public static String firstContextFault() {
        return FAULTS.first();
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

    /**
     * Whether the CUDA context was unusable when this was thrown (this error or an earlier one was
     * sticky): nothing more can run on the device in this process.
     */
    public boolean contextUnusable() {
        return contextUnusable;
    }
}
