package dev.ingot.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ingot.data.SharedData;
import dev.ingot.nn.TestBackend;
import dev.ingot.nn.TrainingProgress;
import dev.ingot.nn.checkpoint.Checkpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A training process stopped by a signal (what Ctrl-C or {@code kill} sends) finishes its step,
 * saves a checkpoint in the middle of the epoch and exits; {@code --resume} then completes the run.
 */
class InterruptTest {

    @Test
    void terminatedRunSavesMidEpochAndResumes(@TempDir Path dir) throws Exception {
        Path data = SharedData.require("mnist");
        Path checkpoint = dir.resolve("checkpoint.safetensors");
        String javaBin = ProcessHandle.current().info().command().orElse("java");
        List<String> command = List.of(javaBin, "--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                "-Djava.awt.headless=true", "-cp", System.getProperty("java.class.path"), IngotCli.class.getName(),
                "train", "--model", "mnist-cnn", "--limit-train", "2000", "--epochs", "1", "--batch-size", "32",
                "--seed", "9", "--backend", TestBackend.name(), "--output", dir.toString(), "--data-dir",
                data.toString(), "--no-download", "--no-validation", "--checkpoint-every", "3");
        // Output goes to a file, read once the process has ended (no reader thread racing the exit).
        Path log = dir.resolve("train.log");
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            // The first periodic checkpoint (after 3 of 63 steps) shows training is under way.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (!Files.exists(checkpoint) && p.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertTrue(Files.exists(checkpoint), "no periodic checkpoint appeared: " + Files.readString(log));
            p.destroy(); // SIGTERM: the JVM runs its shutdown hooks, as on Ctrl-C (SIGINT)
            assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the process stopped");
        } finally {
            p.destroyForcibly();
        }
        String output = Files.readString(log);
        assertTrue(p.exitValue() != 0, "a stopped run does not report success:\n" + output);
        assertTrue(output.contains("stopped at epoch 1, step") && output.contains("continue with --resume"), output);

        TrainingProgress saved = Checkpoint.read(checkpoint).progress();
        assertEquals(0, saved.epoch());
        assertTrue(saved.step() >= 3 && saved.step() < 63, "saved in the middle of the epoch: " + saved);
        JsonNode partial = new ObjectMapper().readTree(dir.resolve("metrics.json").toFile());
        assertTrue(!partial.get("completed").asBoolean());

        int code = IngotCli.run("train", "--model", "mnist-cnn", "--limit-train", "2000", "--epochs", "1",
                "--backend", TestBackend.name(), "--output", dir.toString(), "--data-dir", data.toString(),
                "--no-download", "--no-validation", "--no-progress", "--resume");
        assertEquals(0, code);
        JsonNode done = new ObjectMapper().readTree(dir.resolve("metrics.json").toFile());
        assertTrue(done.get("completed").asBoolean());
        assertEquals(1, done.get("history").size());
        assertEquals(9, done.get("seed").asLong(), "the resumed run keeps the checkpoint's seed");
        assertTrue(done.get("test_accuracy").asDouble() > 0.8, done.toString());
    }
}
