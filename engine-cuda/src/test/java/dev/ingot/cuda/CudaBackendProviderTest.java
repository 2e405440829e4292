package dev.ingot.cuda;

import dev.ingot.core.Availability;
import dev.ingot.core.BackendProvider;
import dev.ingot.core.BackendUnavailableException;
import dev.ingot.core.Backends;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The provider as {@link Backends} sees it, on this machine (with or without a GPU). */
class CudaBackendProviderTest {

    @Test
    void isRegisteredAndOutranksTheCpu() {
        BackendProvider p = Backends.provider("cuda");
        assertEquals("cuda", p.name());
        assertTrue(p.priority() > 10, "the CPU backend's priority is 10; CUDA must win Backends.best()");
    }

    @Test
    void withoutCudaTheBackendSaysWhyAndWhereItLooked() {
        Availability a = Backends.provider("cuda").probe();
        assumeFalse(a.available(), "CUDA is available here; this test is for machines without it");
        String reasons = String.join("\n", a.reasons());
        assertTrue(reasons.contains("libcuda.so.1") || reasons.contains("cuInit") || reasons.contains("device"),
                "the reasons should name the driver library or the device problem: " + reasons);
        if (reasons.contains("libcuda.so.1")) {
            assertTrue(reasons.contains("looked in"), reasons);
            assertTrue(reasons.contains("/usr/local/cuda/lib64"), "the standard folders are listed: " + reasons);
            assertTrue(reasons.contains("INGOT_CUDA_LIBRARY_PATH"), "the fix is named: " + reasons);
        }
        BackendUnavailableException e = assertThrows(BackendUnavailableException.class, () -> Backends.get("cuda"));
        assertEquals("cuda", e.backend());
        assertTrue(e.getMessage().startsWith("backend 'cuda' is not available: "), e.getMessage());
        assertEquals(a.reasons(), e.reasons());
        String report = Backends.report();
        assertTrue(report.contains("cuda: NOT available"), report);
        assertTrue(report.contains("why not: "), report);
    }

    @Test
    void probeIsStableAndNeverThrows() {
        Availability first = new CudaBackendProvider().probe();
        Availability second = new CudaBackendProvider().probe();
        assertEquals(first, second);
        assertFalse(first.available() && !first.reasons().isEmpty());
    }

    @Test
    void withCudaTheProbeNamesLibrariesVersionsAndDevice() {
        Availability a = Backends.provider("cuda").probe();
        assumeTrue(a.available(), () -> "CUDA is not available here: " + a.reasons());
        for (String key : new String[] {"libcuda.so.1", "driver", "cuDNN", "cuBLAS", "NVRTC", "devices"}) {
            assertTrue(a.details().containsKey(key), "details lack " + key + ": " + a.details());
        }
        assertTrue(a.details().keySet().stream().anyMatch(k -> k.startsWith("libcudnn.so")), a.details().toString());
    }
}
