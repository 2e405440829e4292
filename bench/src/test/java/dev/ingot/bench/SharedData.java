package dev.ingot.bench;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The real datasets for tests: {@code INGOT_DATA_DIR} when set, else the system property
 * {@code ingot.test.dataDir} that bench/pom.xml sets to {@code ../shared/data} beside the checkout.
 */
final class SharedData {
    private SharedData() {
    }

    static Path folder() {
        String env = System.getenv("INGOT_DATA_DIR");
        String value = env != null && !env.isBlank() ? env : System.getProperty("ingot.test.dataDir");
        assertTrue(value != null && !value.isBlank(),
                "no real dataset folder: set INGOT_DATA_DIR or the system property ingot.test.dataDir");
        Path folder = Path.of(value);
        assertTrue(Files.isDirectory(folder.resolve("mnist")) && Files.isDirectory(folder.resolve("cifar-10")),
                "no mnist/ and cifar-10/ in " + folder.toAbsolutePath() + " (from "
                        + (env != null && !env.isBlank() ? "INGOT_DATA_DIR" : "ingot.test.dataDir") + ")");
        return folder;
    }
}
