package dev.ingot.data;

import org.junit.jupiter.api.Assumptions;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The real datasets the tests read: {@code $INGOT_DATA_DIR} when set, else the system property
 * {@code ingot.test.dataDir} that models/pom.xml sets to {@code ../shared/data} beside the checkout.
 * A test whose data is absent is skipped, saying where it looked.
 */
public final class SharedData {
    private SharedData() {
    }

    /** The data folder holding {@code sub} (e.g. "mnist"); skips the test when it is absent. */
    public static Path require(String sub) {
        String env = System.getenv(DataDir.ENVIRONMENT_VARIABLE);
        String property = System.getProperty("ingot.test.dataDir");
        String chosen = env != null && !env.isBlank() ? env : property;
        Assumptions.assumeTrue(chosen != null && !chosen.isBlank(),
                "no real dataset folder: set INGOT_DATA_DIR or the system property ingot.test.dataDir");
        Path dir = Path.of(chosen).toAbsolutePath().normalize();
        Assumptions.assumeTrue(Files.isDirectory(dir.resolve(sub)),
                "real dataset folder " + dir.resolve(sub) + " is absent (from "
                        + (env != null && !env.isBlank() ? "INGOT_DATA_DIR" : "ingot.test.dataDir") + ")");
        return dir;
    }
}
