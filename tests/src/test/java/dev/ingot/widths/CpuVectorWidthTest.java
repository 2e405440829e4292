package dev.ingot.widths;

import dev.ingot.core.Availability;
import dev.ingot.core.Backends;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Says which vectors the CPU backend ran this pass of the suite with. The build runs the parity
 * suite and the gradient checks once per vector width (native, {@code -XX:UseAVX=2},
 * {@code -XX:UseAVX=2 -XX:MaxVectorSize=16}; see tests/pom.xml), each pass setting
 * {@code ingot.test.maxVectorBits}: a pass whose JVM flags did not take fails here instead of
 * testing the native width again under another name.
 */
class CpuVectorWidthTest {

    @Test
    void cpuBackendRunsAtTheWidthThisPassAsksFor() {
        Availability cpu = Backends.provider("cpu").probe();
        String vector = cpu.details().getOrDefault("vector", "?");
        String pass = System.getProperty("ingot.test.pass", "default");
        System.out.println("[parity pass '" + pass + "'] cpu backend: " + vector);
        String most = System.getProperty("ingot.test.maxVectorBits", "");
        if (!most.isBlank()) {
            int bits = Integer.parseInt(vector.replaceAll("^FloatVector (\\d+)-bit.*$", "$1"));
            assertTrue(bits <= Integer.parseInt(most.trim()),
                    "pass '" + pass + "' should run with vectors of at most " + most + " bits, but the cpu backend has "
                            + vector);
        }
    }
}
