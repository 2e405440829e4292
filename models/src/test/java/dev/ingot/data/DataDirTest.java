package dev.ingot.data;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

class DataDirTest {

    @Test
    void theCommandLineWinsThenTheEnvironmentThenTheHomeFolder() {
        assertEquals(Path.of("/data/cli"), DataDir.resolve("/data/cli", "/data/env", "/home/u"));
        assertEquals(Path.of("/data/env"), DataDir.resolve(null, "/data/env", "/home/u"));
        assertEquals(Path.of("/data/env"), DataDir.resolve("  ", "/data/env", "/home/u"));
        assertEquals(Path.of("/home/u/.ingot/datasets"), DataDir.resolve(null, null, "/home/u"));
        assertEquals(Path.of("/home/u/.ingot/datasets"), DataDir.resolve("", "", "/home/u"));
    }

    @Test
    void pathsComeBackAbsoluteNormalisedAndWithTildeExpanded() {
        assertEquals(Path.of("/home/u/data"), DataDir.resolve("~/data", null, "/home/u"));
        assertEquals(Path.of("/home/u"), DataDir.resolve("~", null, "/home/u"));
        assertEquals(Path.of("/shared/data"), DataDir.resolve(null, "/work/checkout/../../shared/data/", "/home/u"));
        assertEquals(Path.of("relative").toAbsolutePath(), DataDir.resolve("relative", null, "/home/u"));
    }
}
