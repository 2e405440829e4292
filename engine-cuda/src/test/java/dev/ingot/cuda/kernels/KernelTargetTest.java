package dev.ingot.cuda.kernels;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What NVRTC is asked to build for a device: a CUBIN for its own SM when NVRTC knows it, else PTX. */
class KernelTargetTest {
    private static final List<Integer> NVRTC_13 = List.of(75, 80, 86, 87, 88, 89, 90, 100, 103, 110, 120, 121);

    @Test
    void aKnownArchitectureGetsItsOwnCubin() {
        assertEquals(new KernelModules.Target("sm_90", true), KernelModules.target(9, 0, NVRTC_13));
        assertEquals(new KernelModules.Target("sm_86", true), KernelModules.target(8, 6, NVRTC_13));
    }

    @Test
    void aNewerArchitectureGetsPtxOfTheNewestOneBelowIt() {
        assertEquals(new KernelModules.Target("compute_90", false), KernelModules.target(9, 5, List.of(80, 86, 90)));
    }

    @Test
    void anArchitectureOlderThanEverySupportedOneIsRefusedWithAReason() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> KernelModules.target(6, 1, NVRTC_13));
        assertTrue(e.getMessage().contains("6.1") && e.getMessage().contains("[75,"), e.getMessage());
    }
}
