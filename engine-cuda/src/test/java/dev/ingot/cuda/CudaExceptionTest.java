package dev.ingot.cuda;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Sticky device faults: the first one says the context is gone, every later failure points back at it. */
class CudaExceptionTest {

    @Test
    void aFaultThatIsNotStickyLeavesTheContextUsable() {
        CudaException.ContextFaults faults = new CudaException.ContextFaults();
        CudaException e = new CudaException(faults, "CUDA driver", "cuMemAlloc_v2", 2, "CUDA_ERROR_OUT_OF_MEMORY",
                "out of memory", "1 GiB");
        assertFalse(e.contextUnusable());
        assertFalse(e.getMessage().contains("unusable"), e.getMessage());
        CudaException cudnn = new CudaException(faults, "cuDNN", "cudnnConvolutionForward", 2000,
                "CUDNN_STATUS_BAD_PARAM", "", "");
        assertFalse(cudnn.contextUnusable());
    }

    @Test
    void theFirstStickyFaultSaysSoAndEveryLaterFailureNamesIt() {
        CudaException.ContextFaults faults = new CudaException.ContextFaults();
        CudaException fault = new CudaException(faults, "CUDA driver", "cuStreamSynchronize", 700,
                "CUDA_ERROR_ILLEGAL_ADDRESS", "an illegal memory access was encountered", "synchronize");
        assertTrue(fault.contextUnusable());
        assertTrue(fault.getMessage().startsWith("cuStreamSynchronize failed: CUDA_ERROR_ILLEGAL_ADDRESS (700)"),
                fault.getMessage());
        assertTrue(fault.getMessage().contains("The CUDA context is now unusable")
                && fault.getMessage().contains("later failures are consequences of this one"), fault.getMessage());

        // cuDNN only reports EXECUTION_FAILED after the driver's fault: the message must lead back to the fault.
        CudaException later = new CudaException(faults, "cuDNN", "cudnnConvolutionForward", 5000,
                "CUDNN_STATUS_EXECUTION_FAILED", "", "x [2, 3, 8, 8]");
        assertTrue(later.contextUnusable());
        assertTrue(later.getMessage().contains("probably a consequence")
                && later.getMessage().contains("cuStreamSynchronize failed: CUDA_ERROR_ILLEGAL_ADDRESS"), later.getMessage());

        // A second sticky error is a consequence too, not a new first fault.
        CudaException again = new CudaException(faults, "CUDA driver", "cuMemcpyDtoH_v2", 719,
                "CUDA_ERROR_LAUNCH_FAILED", "", "");
        assertTrue(again.getMessage().contains("probably a consequence")
                && again.getMessage().contains("CUDA_ERROR_ILLEGAL_ADDRESS"), again.getMessage());
    }

    @Test
    void stickyMeansADriverFaultOfTheDocumentedKinds() {
        for (int status : new int[] {700, 702, 709, 710, 714, 715, 716, 717, 718, 719}) {
            assertTrue(CudaException.isSticky("CUDA driver", status), "CUresult " + status);
        }
        for (int status : new int[] {1, 2, 100, 201, 209, 218, 999}) {
            assertFalse(CudaException.isSticky("CUDA driver", status), "CUresult " + status);
        }
        assertFalse(CudaException.isSticky("cuDNN", 700), "only the driver's codes are CUresult values");
    }

    @Test
    void theProcessWideRecordIsUntouchedByTheseTests() {
        // The tests above use their own records: a made-up fault must never poison a real GPU run in this JVM.
        assertTrue(CudaException.firstContextFault() == null
                || !CudaException.firstContextFault().contains("[synchronize]"), CudaException.firstContextFault());
    }
}
