package dev.ingot.cli;

import dev.ingot.cli.CliRun.Result;
import static dev.ingot.cli.CliRun.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ingot.data.SharedData;
import dev.ingot.nn.TestBackend;
import dev.ingot.nn.checkpoint.TorchFixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ingot finetune} from PyTorch weights (the fixture's CIFAR ResNet-8) on a slice of the real
 * CIFAR-10, then {@code predict} and {@code export} from the checkpoint it writes.
 */
class FinetuneCommandTest {

    @Test
    void finetuneThenPredictAndExportTheCheckpoint(@TempDir Path tmp) throws Exception {
        Path data = SharedData.require("cifar-10");
        var dir = TorchFixtures.dir();
        Assumptions.assumeTrue(dir.isPresent(), () -> "PyTorch fixtures unavailable: " + TorchFixtures.whyNot());
        Path fixtures = dir.get();
        Path out = tmp.resolve("run");
        Result r = run("finetune", "--weights", fixtures.resolve("cifar-resnet8.safetensors").toString(), "--arch",
                "cifar-resnet8", "--dataset", "cifar10", "--data-dir", data.toString(), "--limit-train", "512",
                "--limit-test", "256", "--batch-size", "64", "--head-epochs", "1", "--epochs", "1", "--backend",
                TestBackend.name(), "--output", out.toString(), "--no-download");
        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("stage 1: backbone frozen") && r.out().contains("stage 2"), r.out());
        for (String f : new String[] {"checkpoint.safetensors", "metrics.json"}) {
            assertTrue(Files.isRegularFile(out.resolve(f)), f + " missing: " + r.out());
        }
        String metrics = Files.readString(out.resolve("metrics.json"));
        assertTrue(metrics.contains("\"epochs_done\" : 2"), metrics);

        // evaluate finds the built-in dataset the checkpoint recorded (cifar10) and scores its test set
        Result ev = run("evaluate", "--checkpoint", out.resolve("checkpoint.safetensors").toString(), "--data-dir",
                data.toString(), "--no-download", "--backend", TestBackend.name());
        assertEquals(0, ev.code(), ev.out() + ev.err());
        assertTrue(ev.out().startsWith("cifar-resnet8 (") && ev.out().contains("2 epochs trained") && ev.out().contains(
                "10000 images: loss") && ev.out().contains("confusion matrix"), ev.out());

        Result p = run("predict", "--checkpoint", out.resolve("checkpoint.safetensors").toString(), "--top", "3",
                "--json", "--backend", TestBackend.name(), fixtures.resolve("image0.png").toString());
        assertEquals(0, p.code(), p.err());
        assertTrue(p.out().startsWith("{\"image\":") && p.out().contains("\"probabilities\":["), p.out());

        Path onnx = tmp.resolve("model.onnx");
        Result e = run("export", "--checkpoint", out.resolve("checkpoint.safetensors").toString(), "--format", "onnx",
                "--output", onnx.toString());
        assertEquals(0, e.code(), e.err());
        assertTrue(Files.size(onnx) > 100_000, e.out());
    }
}
