package dev.ingot.nn.checkpoint;

import dev.ingot.core.Backend;
import dev.ingot.nn.Parameter;
import dev.ingot.nn.Model;
import dev.ingot.nn.TestBackend;
import dev.ingot.nn.Trainer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code kill -9} during checkpointing never costs the last checkpoint: a child JVM saves in a loop
 * and is killed (SIGKILL, no shutdown hooks) at random moments; after every kill the checkpoint
 * file reads, with its checksums, as one whole save (every parameter holds the same save number,
 * no older than the last save the child reported). Temporary files of writes cut short are
 * removed by the next write, so none are left at the end.
 */
class CheckpointKillTest {
    static final int KILLS = Integer.getInteger("ingot.test.kills", 24);

    private static int savesIn(Path log) throws java.io.IOException {
        return (int) Files.readAllLines(log).stream().filter(l -> l.startsWith("saved ")).count();
    }

    @Test
    void killedWritersLeaveALoadableCheckpointAndNoTemporaryFiles(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("checkpoint.safetensors");
        Path logs = Files.createDirectories(dir.resolve("logs"));
        Path log = logs.resolve("writer.log");
        SplittableRandom random = new SplittableRandom(19);
        String javaBin = ProcessHandle.current().info().command().orElse("java");
        long number = 1;
        int killsInsideWrite = 0;
        Backend backend = TestBackend.shared();
        try (Trainer reader = CheckpointWriterProcess.newTrainer(backend); Model m = reader.model()) {
            for (int kill = 0; kill < KILLS; kill++) {
                Process p = new ProcessBuilder(javaBin, "--add-modules=jdk.incubator.vector",
                        "--enable-native-access=ALL-UNNAMED", "-Xmx256m", "-XX:TieredStopAtLevel=1",
                        "-cp", System.getProperty("java.class.path"), CheckpointWriterProcess.class.getName(),
                        file.toString(), Long.toString(number))
                        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
                long lastReported = number - 1;
                try {
                    // Let it save 0..3 times after starting, then kill it at a random moment.
                    int saves = random.nextInt(4);
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                    while (savesIn(log) < saves && p.isAlive() && System.nanoTime() < deadline) {
                        Thread.sleep(1);
                    }
                    assertTrue(p.isAlive(), "the writer died by itself: " + Files.readString(log));
                    Thread.sleep(random.nextInt(40));
                    p.destroyForcibly(); // SIGKILL: no shutdown hook, no finally block runs
                    assertTrue(p.waitFor(30, TimeUnit.SECONDS));
                } finally {
                    p.destroyForcibly();
                }
                for (String line : Files.readAllLines(log)) {
                    if (line.startsWith("saved ")) {
                        lastReported = Long.parseLong(line.substring("saved ".length()));
                    }
                }
                if (!Files.exists(file)) {
                    assertEquals(0, lastReported, "a save was reported but no checkpoint exists");
                    continue;
                }
                try (Stream<Path> files = Files.list(dir)) {
                    killsInsideWrite += (int) files.filter(f -> f.getFileName().toString().endsWith(".tmp")).count();
                }
                Checkpoint c = Checkpoint.read(file);
                assertTrue(c.headerChecked());
                long saved = Long.parseLong(c.require("save"));
                assertTrue(saved >= lastReported, "kill " + kill + ": the checkpoint holds save " + saved
                        + " but the child had reported save " + lastReported);
                c.restore(reader);
                for (Parameter param : reader.model().parameters()) {
                    for (float v : param.value().toFloatArray()) {
                        assertEquals((float) saved, v, "kill " + kill + ": parameter " + param.name()
                                + " is not from save " + saved);
                    }
                }
                number = saved + 1;
            }
            // One more save, as the next run's first checkpoint: it removes what the kills left.
            Checkpoint.save(file, reader, Map.of("ingot.model", "kill-test", "save", Long.toString(number)));
        }
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of("checkpoint.safetensors", "logs"), files.sorted().map(f -> f.getFileName().toString()).toList(),
                    "no temporary file is left behind");
        }
        System.out.println("checkpoint kill test: " + KILLS + " kill -9 of a writing JVM, " + (number - 1)
                + " saves, " + killsInsideWrite + " kills observed with a temporary file present; every checkpoint"
                + " loaded whole");
    }
}
