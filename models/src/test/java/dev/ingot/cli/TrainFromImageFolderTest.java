package dev.ingot.cli;

import dev.ingot.cli.CliRun.Result;
import static dev.ingot.cli.CliRun.run;
import dev.ingot.nn.TestBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code ingot train --dataset} and {@code ingot pack} end to end on a folder of real PNG and JPEG files. */
class TrainFromImageFolderTest {

    /** Ten classes of 28x28 grey digits-like blobs: class k is a bright square at a k-dependent place. */
    private static void tree(Path root, String split, int perClass) throws IOException {
        for (int k = 0; k < 10; k++) {
            Path dir = Files.createDirectories(root.resolve(split).resolve("class" + k));
            for (int i = 0; i < perClass; i++) {
                BufferedImage image = new BufferedImage(32, 30, BufferedImage.TYPE_BYTE_GRAY);
                for (int y = 0; y < 8; y++) {
                    for (int x = 0; x < 8; x++) {
                        image.getRaster().setSample(2 * k + x + (i % 3), 4 + y + 2 * (k % 4), 0, 250);
                    }
                }
                ImageIO.write(image, i % 2 == 0 ? "png" : "jpg", dir.resolve(i + (i % 2 == 0 ? ".png" : ".jpg")).toFile());
            }
        }
    }

    @Test
    void trainsFromAnImageFolderAndFromItsPack(@TempDir Path dir) throws IOException {
        Path root = dir.resolve("digits");
        tree(root, "train", 6);
        tree(root, "test", 2);
        Result r = run("train", "--model", "mnist-mlp", "--dataset", root.toString(), "--image-size", "28",
                "--augment", "rotate:5,hflip:0", "--epochs", "2", "--batch-size", "16", "--backend", TestBackend.name(),
                "--seed", "3", "--output", dir.resolve("run").toString(), "--no-progress");
        assertEquals(0, r.code(), r.show());
        assertTrue(r.out().contains("60 training images, 20 validation images, 10 classes, 1x28x28"), r.show());
        assertTrue(r.out().contains("data pipeline:"), r.show());
        assertTrue(r.out().contains("epoch 2/2: loss"), r.show());
        assertTrue(Files.exists(dir.resolve("run/checkpoint.safetensors")));
        String metrics = Files.readString(dir.resolve("run/metrics.json"));
        assertTrue(metrics.contains("\"dataset\" : " + new com.fasterxml.jackson.databind.ObjectMapper()
                .writeValueAsString(root.toAbsolutePath().toString())), "metrics.json names the folder that trained: " + metrics);
        assertTrue(metrics.contains("the dataset's validation images after every epoch"), metrics);
        Result e = run("evaluate", "--checkpoint", dir.resolve("run/checkpoint.safetensors").toString(), "--backend",
                TestBackend.name());
        assertEquals(0, e.code(), e.show());
        assertTrue(e.out().contains("on digits/test"), e.show());
        String trainAccuracy = r.out().substring(r.out().lastIndexOf("accuracy ")).split("\\s")[1];
        assertTrue(e.out().contains("accuracy " + trainAccuracy), "evaluate agrees with the run's last validation ("
                + trainAccuracy + "):\n" + e.show());

        Path pack = dir.resolve("digits.pack");
        Result p = run("pack", root.toString(), "--output", pack.toString(), "--image-size", "28", "--channels", "1");
        assertEquals(0, p.code(), p.show());
        assertTrue(p.out().contains("packed 80 images (train, test)"), p.show());
        Result fromPack = run("train", "--model", "mnist-mlp", "--dataset", pack.toString(), "--epochs", "1",
                "--batch-size", "16", "--backend", TestBackend.name(), "--seed", "3", "--output",
                dir.resolve("run2").toString(), "--no-progress");
        assertEquals(0, fromPack.code(), fromPack.show());
    }

    @Test
    void aClassCountTheModelCannotTakeAndAMissingValidationSetAreClearErrors(@TempDir Path dir) throws IOException {
        Path root = dir.resolve("digits");
        tree(root, "all", 2);
        Result noValidation = run("train", "--model", "mnist-mlp", "--dataset", root.resolve("all").toString(),
                "--backend", TestBackend.name(), "--output", dir.resolve("a").toString(), "--no-progress");
        assertNotEquals(0, noValidation.code());
        assertTrue(noValidation.err().contains("--validation-split"), noValidation.show());
        Files.walk(root.resolve("all/class9")).sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        Result nine = run("train", "--model", "mnist-mlp", "--dataset", root.resolve("all").toString(),
                "--validation-split", "0.25", "--image-size", "28", "--backend", TestBackend.name(), "--output",
                dir.resolve("b").toString(), "--no-progress");
        assertNotEquals(0, nine.code());
        assertTrue(nine.err().contains("9 classes") && nine.err().contains("outputs 10"), nine.show());
    }

    @Test
    void augmentAppliesToABuiltInDatasetThroughThePipeline(@TempDir Path dir) {
        Path data = dev.ingot.data.SharedData.require("mnist");
        Result r = run("train", "--model", "mnist-mlp", "--batch-size", "64", "--backend", TestBackend.name(), "--seed", "5",
                "--output", dir.toString(), "--data-dir", data.toString(), "--limit-train", "640", "--no-download",
                "--no-progress", "--epochs", "1", "--augment", "pad-crop:2,rotate:10");
        assertEquals(0, r.code(), r.show());
        assertTrue(r.out().contains("training transforms: pad-crop:2,rotate:10.0"), r.show());
        assertTrue(r.out().contains("data pipeline:"), r.show());
    }

    @Test
    void aResNetTakesTheFoldersClassCountAndImageSizeAndEvaluateRebuildsIt(@TempDir Path dir) throws IOException {
        Path root = dir.resolve("three");
        for (String split : new String[]{"train", "val"}) {
            for (int k = 0; k < 3; k++) {
                Path classDir = Files.createDirectories(root.resolve(split).resolve("k" + k));
                for (int i = 0; i < (split.equals("train") ? 8 : 2); i++) {
                    BufferedImage image = new BufferedImage(20, 20, BufferedImage.TYPE_3BYTE_BGR);
                    for (int y = 0; y < 20; y++) {
                        for (int x = 0; x < 20; x++) {
                            image.setRGB(x, y, (k == 0 ? 0xff0000 : k == 1 ? 0x00ff00 : 0x0000ff) ^ ((x * y + i) & 0x1f));
                        }
                    }
                    ImageIO.write(image, "jpg", classDir.resolve(i + ".jpg").toFile());
                }
            }
        }
        Result r = run("train", "--model", "cifar10-resnet20", "--dataset", root.toString(), "--image-size", "16",
                "--epochs", "1", "--batch-size", "8", "--backend", TestBackend.name(), "--seed", "1", "--output",
                dir.resolve("run").toString(), "--no-progress");
        assertEquals(0, r.code(), r.show());
        assertTrue(r.out().contains("24 training images, 6 validation images, 3 classes, 3x16x16"), r.show());
        assertTrue(r.out().contains("training transforms: resize:16,center-crop:16,pad-crop:4,hflip"), r.show());
        Result e = run("evaluate", "--checkpoint", dir.resolve("run/checkpoint.safetensors").toString(), "--backend",
                TestBackend.name());
        assertEquals(0, e.code(), e.show());
        assertTrue(e.out().contains("on three/val"), e.show());
    }
}
