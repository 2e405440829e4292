package dev.ingot.cli;

import dev.ingot.cli.CliRun.Result;
import static dev.ingot.cli.CliRun.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ingot.core.Backend;
import dev.ingot.core.Shape;
import dev.ingot.data.Dataset;
import dev.ingot.data.Datasets;
import dev.ingot.data.SharedData;
import dev.ingot.data.Split;
import dev.ingot.nn.Buffer;
import dev.ingot.nn.Graph;
import dev.ingot.nn.Parameter;
import dev.ingot.nn.TestBackend;
import dev.ingot.nn.checkpoint.Checkpoint;
import dev.ingot.nn.checkpoint.SafeTensors;
import dev.ingot.nn.checkpoint.StoredTensor;
import dev.ingot.nn.checkpoint.TorchFixtures;
import dev.ingot.transfer.Architectures;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Transfer learning on an image folder: {@code ingot finetune --dataset DIR} and
 * {@code ingot train --init-weights} on a small JPEG tree of real CIFAR-10 test images written here
 * with javax.imageio, then {@code ingot predict} on those JPEGs with the checkpoint's preprocessing.
 */
class TransferFromImageFolderTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String[] CLASSES = {"airplane", "automobile", "bird"};

    /**
     * ROOT/train/&lt;class&gt;/*.jpg and ROOT/test/&lt;class&gt;/*.jpg for CIFAR-10 classes 0-2: the first
     * {@code perClassTrain} then the next {@code perClassTest} test-set images of each class.
     */
    static void cifarJpegTree(Path root, int perClassTrain, int perClassTest) throws IOException {
        Dataset test = Datasets.load("cifar10", Split.TEST, SharedData.require("cifar-10"), false);
        int[] seen = new int[CLASSES.length];
        int plane = 32 * 32;
        for (int i = 0; i < test.size(); i++) {
            int label = test.labels()[i];
            if (label >= CLASSES.length || seen[label] >= perClassTrain + perClassTest) {
                continue;
            }
            String split = seen[label] < perClassTrain ? "train" : "test";
            Path dir = Files.createDirectories(root.resolve(split).resolve(CLASSES[label]));
            BufferedImage image = new BufferedImage(32, 32, BufferedImage.TYPE_INT_RGB);
            int base = i * 3 * plane;
            for (int p = 0; p < plane; p++) {
                int r = Math.round(test.images()[base + p] * 255f);
                int g = Math.round(test.images()[base + plane + p] * 255f);
                int b = Math.round(test.images()[base + 2 * plane + p] * 255f);
                image.setRGB(p % 32, p / 32, (r << 16) | (g << 8) | b);
            }
            ImageIO.write(image, "jpg", dir.resolve(String.format("%05d.jpg", i)).toFile());
            seen[label]++;
        }
    }

    /**
     * A seeded Ingot cifar-resnet20 written as PyTorch writes its state dict: the same names, Linear
     * weights as (out, in), BatchNorm running statistics beside the parameters.
     */
    private static Path torchLayoutResNet20(Path file, int classes) throws IOException {
        Map<String, StoredTensor> dict = new LinkedHashMap<>();
        try (Backend b = TestBackend.open(); Graph net = Architectures.create("cifar-resnet20", classes)) {
            net.build(b, Shape.of(3, 32, 32), 7);
            for (Parameter p : net.parameters()) {
                Shape s = p.value().shape();
                float[] v = p.value().toFloatArray();
                if (s.rank() == 2) {
                    float[] t = new float[v.length];
                    for (int r = 0; r < s.dim(0); r++) {
                        for (int c = 0; c < s.dim(1); c++) {
                            t[c * s.dim(0) + r] = v[r * s.dim(1) + c];
                        }
                    }
                    dict.put(p.name(), new StoredTensor(Shape.of(s.dim(1), s.dim(0)), t));
                } else {
                    dict.put(p.name(), new StoredTensor(s, v));
                }
            }
            for (Buffer buffer : net.buffers()) {
                dict.put(buffer.name(), new StoredTensor(buffer.value().shape(), buffer.value().toFloatArray()));
            }
        }
        SafeTensors.writeStored(file, Map.of(), dict);
        return file;
    }

    private static double meanAbsDifference(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += Math.abs(a[i] - b[i]);
        }
        return s / a.length;
    }

    @Test
    void finetunesOnAJpegFolderAndPredictsWithTheCheckpointsPreprocessing(@TempDir Path tmp) throws Exception {
        Path tree = tmp.resolve("cifar-jpeg");
        cifarJpegTree(tree, 16, 6);
        var dir = TorchFixtures.dir();
        Assumptions.assumeTrue(dir.isPresent(), () -> "PyTorch fixtures unavailable: " + TorchFixtures.whyNot());
        Path weights = dir.get().resolve("cifar-resnet8.safetensors");
        Path out = tmp.resolve("run");
        Result r = run("finetune", "--weights", weights.toString(), "--arch", "cifar-resnet8", "--dataset",
                tree.toString(), "--image-size", "24", "--augment", "hflip,normalize:cifar10", "--head-epochs", "1",
                "--epochs", "1", "--batch-size", "16", "--workers", "1", "--backend", TestBackend.name(), "--output",
                out.toString());
        assertEquals(0, r.code(), r.show());
        assertTrue(r.out().contains("48 training images, 18 validation images, 3 classes, 3x24x24"), r.show());
        assertTrue(r.out().contains("new 3-class head 'fc.'") && r.out().contains("PyTorch state dict"), r.show());
        assertTrue(r.out().contains("stage 1: backbone frozen") && r.out().contains("[all] epoch 1"), r.show());
        Checkpoint c = Checkpoint.read(out.resolve("checkpoint.safetensors"));
        assertEquals("24", c.metadata().get("ingot.image_size"));
        assertEquals("3", c.metadata().get("ingot.classes"));
        assertTrue(c.metadata().get("ingot.transforms").contains("normalize:0.4914"), c.metadata().toString());
        String metrics = Files.readString(out.resolve("metrics.json"));
        assertTrue(metrics.contains("\"epochs_done\" : 2") && metrics.contains("\"train_images\" : 48"), metrics);

        // evaluate takes the finetune checkpoint: the recorded folder, size and normalisation, the same report as finetune's
        String finetuneReport = r.out().substring(r.out().indexOf("test set: ") + "test set: ".length(),
                r.out().indexOf("\nwrote "));
        Result scored = run("evaluate", "--checkpoint", out.resolve("checkpoint.safetensors").toString(), "--batch-size",
                "16", "--workers", "1", "--backend", TestBackend.name());
        assertEquals(0, scored.code(), scored.show());
        assertTrue(scored.out().startsWith("cifar-resnet8 (") && scored.out().contains("2 epochs trained"), scored.show());
        assertTrue(scored.out().contains(finetuneReport), "finetune printed:\n" + finetuneReport + "\n" + scored.show());
        Result explicitFolder = run("evaluate", "--checkpoint", out.resolve("checkpoint.safetensors").toString(),
                "--dataset", tree.toString(), "--batch-size", "16", "--workers", "2", "--backend", TestBackend.name());
        assertEquals(0, explicitFolder.code(), explicitFolder.show());
        assertTrue(explicitFolder.out().contains(finetuneReport), explicitFolder.show());

        // predict decodes the JPEG as training did and takes the checkpoint's size and normalisation by default
        Path jpeg;
        try (var files = Files.list(tree.resolve("test").resolve("bird"))) {
            jpeg = files.sorted().findFirst().orElseThrow();
        }
        String checkpoint = out.resolve("checkpoint.safetensors").toString();
        Result p = run("predict", "--checkpoint", checkpoint, "--top", "3", "--json", "--backend", TestBackend.name(),
                jpeg.toString());
        assertEquals(0, p.code(), p.show());
        JsonNode line = JSON.readTree(p.out().strip());
        assertEquals(jpeg.toString(), line.get("image").asText());
        assertEquals(3, line.get("classes").size());
        double sum = 0;
        for (JsonNode q : line.get("probabilities")) {
            sum += q.asDouble();
        }
        assertEquals(1.0, sum, 1e-5, p.out());
        Result explicit = run("predict", "--checkpoint", checkpoint, "--top", "3", "--json", "--image-size", "24",
                "--mean", "0.4914,0.4822,0.4465", "--std", "0.2470,0.2435,0.2616", "--backend", TestBackend.name(),
                jpeg.toString());
        assertEquals(p.out(), explicit.out(), "the defaults are the checkpoint's --image-size 24 and CIFAR-10 mean/std");
        Result unnormalised = run("predict", "--checkpoint", checkpoint, "--top", "3", "--json", "--mean", "0,0,0",
                "--std", "1,1,1", "--backend", TestBackend.name(), jpeg.toString());
        assertEquals(0, unnormalised.code(), unnormalised.show());
        assertNotEquals(p.out(), unnormalised.out(), "--mean/--std override the checkpoint's normalisation");

        // a finetune checkpoint is also a starting point for another finetune (Ingot layout, new head)
        Result again = run("finetune", "--weights", checkpoint, "--arch", "cifar-resnet8", "--dataset", tree.toString(),
                "--image-size", "24", "--head-epochs", "1", "--epochs", "0", "--batch-size", "16", "--workers", "1",
                "--backend", TestBackend.name(), "--output", tmp.resolve("again").toString());
        assertEquals(0, again.code(), again.show());
        assertTrue(again.out().contains("(Ingot checkpoint)"), again.show());
    }

    @Test
    void finetuneDatasetErrorsSayWhat(@TempDir Path tmp) {
        Result missing = run("finetune", "--weights", "pom.xml", "--arch", "cifar-resnet8", "--dataset",
                tmp.resolve("nowhere").toString(), "--output", tmp.resolve("run").toString());
        assertEquals(1, missing.code(), missing.show());
        assertTrue(missing.err().contains("no such image folder or pack, and not a built-in dataset"), missing.show());
    }

    @Test
    void trainStartsFromInitWeightsAndAsksForANewHeadWhenTheClassesDiffer(@TempDir Path tmp) throws Exception {
        Path tree = tmp.resolve("cifar-jpeg");
        cifarJpegTree(tree, 8, 4);
        Path tenClasses = torchLayoutResNet20(tmp.resolve("resnet20-10.safetensors"), 10);
        String[] common = {"train", "--model", "cifar10-resnet20", "--dataset", tree.toString(), "--epochs", "1",
            "--batch-size", "12", "--workers", "1", "--no-progress", "--no-curves", "--backend", TestBackend.name()};

        Result refused = run(concat(common, "--init-weights", tenClasses.toString(), "--output",
                tmp.resolve("refused").toString()));
        assertEquals(1, refused.code(), refused.show());
        assertTrue(refused.err().contains("the head 'fc.' does not fit") && refused.err().contains("fc.weight: file [10, 64],"
                + " model needs [3, 64]") && refused.err().contains("add --new-head"), refused.show());

        Path fromWeights = tmp.resolve("from-weights");
        Result r = run(concat(common, "--init-weights", tenClasses.toString(), "--new-head", "--output",
                fromWeights.toString()));
        assertEquals(0, r.code(), r.show());
        assertTrue(r.out().contains("from " + tenClasses + " (PyTorch state dict); new head 'fc.' freshly initialised"),
                r.show());
        Path fromScratch = tmp.resolve("from-scratch");
        Result scratch = run(concat(common, "--output", fromScratch.toString()));
        assertEquals(0, scratch.code(), scratch.show());

        // after two steps the stem is still close to the weights it started from, far from a random start
        float[] init = SafeTensors.read(tenClasses).tensor("conv1.weight").values();
        float[] trained = Checkpoint.read(fromWeights.resolve("checkpoint.safetensors")).tensors().get("conv1.weight")
                .values();
        float[] scratchTrained = Checkpoint.read(fromScratch.resolve("checkpoint.safetensors")).tensors()
                .get("conv1.weight").values();
        double moved = meanAbsDifference(init, trained);
        double random = meanAbsDifference(init, scratchTrained);
        assertTrue(moved < 0.25 * random, "conv1 moved " + moved + " from its initial weights; a random start is "
                + random + " away");
        assertEquals(tenClasses.toAbsolutePath().toString(), Checkpoint.read(fromWeights.resolve(
                "checkpoint.safetensors")).metadata().get("ingot.init_weights"));

        // Ingot's own checkpoint with the same classes: head included, no --new-head needed
        Result own = run(concat(common, "--init-weights", fromWeights.resolve("checkpoint.safetensors").toString(),
                "--output", tmp.resolve("from-checkpoint").toString()));
        assertEquals(0, own.code(), own.show());
        assertTrue(own.out().contains("(Ingot checkpoint), head 'fc.' included"), own.show());

        Result both = run(concat(common, "--init-weights", tenClasses.toString(), "--resume", "--output",
                fromWeights.toString()));
        assertEquals(1, both.code(), both.show());
        assertTrue(both.err().contains("--init-weights starts a new run"), both.show());
        Result lonely = run(concat(common, "--new-head", "--output", tmp.resolve("x").toString()));
        assertEquals(1, lonely.code(), lonely.show());
        assertTrue(lonely.err().contains("--new-head goes with --init-weights"), lonely.show());
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
