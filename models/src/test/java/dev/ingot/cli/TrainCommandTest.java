package dev.ingot.cli;

import dev.ingot.cli.CliRun.Result;
import static dev.ingot.cli.CliRun.run;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ingot.data.SharedData;
import dev.ingot.nn.TestBackend;
import dev.ingot.nn.checkpoint.Checkpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code ingot train} and {@code ingot evaluate} end to end through {@link IngotCli#run}, on a
 * small slice of the real MNIST: the files they write, their keys, resuming, and the errors a user
 * can make.
 */
class TrainCommandTest {

    private static Supplier<String> show(Result r) {
        return () -> "exit " + r.code() + "\nstdout:\n" + r.out() + "\nstderr:\n" + r.err();
    }

    private static String[] train(Path output, Path data, String... more) {
        List<String> args = new java.util.ArrayList<>(List.of("train", "--model", "mnist-mlp", "--batch-size", "64",
                "--backend", TestBackend.name(), "--seed", "5", "--output", output.toString(), "--data-dir",
                data.toString(), "--limit-train", "640", "--no-download", "--no-progress"));
        args.addAll(List.of(more));
        return args.toArray(String[]::new);
    }

    @Test
    void trainWritesCheckpointMetricsAndCurvesThenEvaluateReadsTheCheckpoint(@TempDir Path dir) throws IOException {
        Path data = SharedData.require("mnist");
        Result r = run(train(dir, data, "--epochs", "2"));
        assertEquals(0, r.code(), show(r));
        assertTrue(r.out().contains("epoch 2/2: loss"), show(r));
        assertTrue(r.out().contains("val_accuracy"), show(r));
        assertTrue(r.out().contains("confusion matrix"), show(r));

        JsonNode m = new ObjectMapper().readTree(dir.resolve("metrics.json").toFile());
        for (String key : List.of("model", "backend", "seed", "batch_size", "wall_seconds", "history", "test_loss",
                "test_accuracy", "test_per_class", "confusion_matrix", "validation")) {
            assertTrue(m.has(key), "metrics.json has '" + key + "': " + m);
        }
        assertEquals("mnist-mlp", m.get("model").asText());
        assertEquals(TestBackend.name(), m.get("backend").asText());
        assertEquals(5, m.get("seed").asLong());
        assertEquals(64, m.get("batch_size").asInt());
        assertEquals(2, m.get("history").size());
        for (JsonNode e : m.get("history")) {
            for (String key : List.of("epoch", "train_loss", "train_accuracy", "validation_loss", "validation_accuracy",
                    "images_per_second", "seconds")) {
                assertTrue(e.hasNonNull(key), "epoch entry has '" + key + "': " + e);
            }
        }
        double accuracy = m.get("test_accuracy").asDouble();
        assertTrue(accuracy > 0.5, "640 images and 2 epochs already beat chance (10%) by far: " + accuracy);
        assertEquals(m.get("history").get(1).get("validation_accuracy").asDouble(), accuracy, 0,
                "the final test score is the last validation on the test set");

        BufferedImage png = ImageIO.read(dir.resolve("training-curves.png").toFile());
        assertNotNull(png, "training-curves.png is a PNG");
        assertEquals(1280, png.getWidth());

        Path checkpoint = dir.resolve("checkpoint.safetensors");
        assertEquals("mnist-mlp", Checkpoint.read(checkpoint).require("ingot.model"));
        Result ev = run("evaluate", "--checkpoint", checkpoint.toString(), "--backend", TestBackend.name(),
                "--data-dir", data.toString(), "--no-download");
        assertEquals(0, ev.code(), show(ev));
        assertTrue(ev.out().contains(String.format(java.util.Locale.ROOT, "accuracy %.2f%%", 100 * accuracy)), show(ev));
        assertTrue(ev.out().contains("precision") && ev.out().contains("recall"), show(ev));
        assertTrue(ev.out().contains("confusion matrix"), show(ev));
    }

    @Test
    void aCurvePictureThatCannotBeWrittenIsAWarningNotAFailedRun(@TempDir Path dir) throws IOException {
        Path data = SharedData.require("mnist");
        // A folder where the PNG should go: every write of the picture fails, as it does without AWT.
        Files.createDirectories(dir.resolve("training-curves.png").resolve("in-the-way"));
        Result r = run(train(dir, data, "--epochs", "2"));
        assertEquals(0, r.code(), show(r));
        assertTrue(r.out().contains("epoch 2/2: loss"), show(r));
        assertTrue(Files.isRegularFile(dir.resolve("metrics.json")) && Files.isRegularFile(dir.resolve("checkpoint.safetensors")),
                show(r));
        assertTrue(r.err().contains("warning: training-curves.png not written"), show(r));
        assertEquals(1, r.err().split("not written", -1).length - 1, "warned once, not after every epoch: " + show(r));
        assertTrue(r.out().contains("wrote checkpoint.safetensors and metrics.json in"), show(r));
    }

    @Test
    void noCurvesSkipsThePicture(@TempDir Path dir) throws IOException {
        Path data = SharedData.require("mnist");
        Result r = run(train(dir, data, "--epochs", "1", "--no-curves"));
        assertEquals(0, r.code(), show(r));
        assertTrue(Files.isRegularFile(dir.resolve("metrics.json")), show(r));
        assertTrue(Files.notExists(dir.resolve("training-curves.png")), show(r));
        assertTrue(!r.err().contains("warning"), show(r));
    }

    @Test
    void resumeContinuesTheRunInTheOutputFolder(@TempDir Path dir) throws IOException {
        Path data = SharedData.require("mnist");
        Result first = run(train(dir, data, "--epochs", "1", "--no-validation"));
        assertEquals(0, first.code(), show(first));

        Result again = run(train(dir, data, "--epochs", "2", "--no-validation"));
        assertEquals(1, again.code(), show(again));
        assertTrue(again.err().contains("add --resume"), show(again));

        Result resumed = run(train(dir, data, "--epochs", "2", "--no-validation", "--resume"));
        assertEquals(0, resumed.code(), show(resumed));
        assertTrue(resumed.out().contains("resuming"), show(resumed));
        JsonNode m = new ObjectMapper().readTree(dir.resolve("metrics.json").toFile());
        assertEquals(2, m.get("history").size(), "the history holds the epoch from before the resume");
        assertTrue(m.get("history").get(0).get("validation_loss").isNull(), "no validation was asked for");
        assertTrue(m.get("test_accuracy").isNumber(), "the test set is scored at the end");
        assertEquals(2, Checkpoint.read(dir.resolve("checkpoint.safetensors")).progress().epoch());

        String[] args = train(dir, data, "--epochs", "3", "--resume");
        args[java.util.Arrays.asList(args).indexOf("--seed") + 1] = "6";
        Result otherSeed = run(args);
        assertEquals(1, otherSeed.code(), show(otherSeed));
        assertTrue(otherSeed.err().contains("--seed 6 differs from the checkpoint's 5"), show(otherSeed));
    }

    @Test
    void mistakesGetOneClearMessage(@TempDir Path dir) throws IOException {
        Result unknown = run("train", "--model", "resnet", "--output", dir.toString());
        assertEquals(1, unknown.code(), show(unknown));
        assertTrue(unknown.err().contains("no model called 'resnet'") && unknown.err().contains("mnist-cnn"),
                show(unknown));
        assertTrue(!unknown.err().contains("\tat "), "no stack trace for a user error: " + show(unknown).get());

        Result noData = run("train", "--model", "mnist-mlp", "--output", dir.resolve("o").toString(), "--data-dir",
                dir.resolve("empty").toString(), "--no-download", "--backend", TestBackend.name());
        assertEquals(1, noData.code(), show(noData));
        assertTrue(noData.err().contains("mnist"), show(noData));

        Result missing = run("train", "--model", "mnist-mlp", "--output", dir.resolve("none").toString(), "--resume",
                "--backend", TestBackend.name());
        assertEquals(1, missing.code(), show(missing));
        assertTrue(missing.err().contains("no " + dir.resolve("none").resolve("checkpoint.safetensors")), show(missing));

        Path bad = dir.resolve("bad.safetensors");
        Files.write(bad, new byte[] {1, 2, 3});
        Result corrupt = run("evaluate", "--checkpoint", bad.toString());
        assertEquals(1, corrupt.code(), show(corrupt));
        assertTrue(corrupt.err().contains(bad + ": corrupt checkpoint at byte offset"), show(corrupt));
    }
}
