package dev.ingot.cpu;

import dev.ingot.core.Availability;
import dev.ingot.core.Backend;
import dev.ingot.core.BackendProvider;
import dev.ingot.cpu.parallel.Parallel;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Finds the CPU backend: always available where the Vector API module is present. */
public final class CpuBackendProvider implements BackendProvider {

    @Override
    public String name() {
        return "cpu";
    }

    @Override
    public int priority() {
        return 10;
    }

    @Override
    public Availability probe() {
        Map<String, String> details = new LinkedHashMap<>();
        details.put("java", Runtime.version() + " (" + System.getProperty("java.vendor") + ")");
        details.put("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
        try {
            details.put("vector", CpuBackend.vectorDescription());
        } catch (LinkageError e) {
            return Availability.unavailable(List.of("the Java Vector API is missing: run the JVM with"
                    + " --add-modules=jdk.incubator.vector (" + e + ")"), details);
        }
        details.put("threads", Integer.toString(Parallel.shared().threads()));
        return Availability.available(details);
    }

    @Override
    public Backend create() {
        return new CpuBackend();
    }
}
