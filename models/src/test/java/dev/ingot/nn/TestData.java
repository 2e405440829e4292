package dev.ingot.nn;

import org.junit.jupiter.api.Assumptions;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the real datasets are for tests: {@code $INGOT_DATA_DIR}, else the system property
 * {@code ingot.test.dataDir} (models/pom.xml points it at {@code ../shared/data} beside the
 * checkout). A test that needs a dataset that is not there is skipped, saying where it looked.
 */
public final class TestData {
    private TestData() {
    }

    public static Path dir() {
        String env = System.getenv("INGOT_DATA_DIR");
        String dir = env != null && !env.isBlank() ? env : System.getProperty("ingot.test.dataDir");
        Assumptions.assumeTrue(dir != null, "no dataset folder: set INGOT_DATA_DIR or -Dingot.test.dataDir");
        return Path.of(dir).toAbsolutePath().normalize();
    }

    /** The data folder, after checking that {@code dataset}'s folder ({@code mnist}, {@code cifar-10}) exists. */
    public static Path dirWith(String folder) {
        Path d = dir();
        Assumptions.assumeTrue(Files.isDirectory(d.resolve(folder)), "no " + d.resolve(folder) + ": dataset missing");
        return d;
    }
}
