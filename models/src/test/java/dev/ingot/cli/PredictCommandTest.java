package dev.ingot.cli;

import dev.ingot.cli.CliRun.Result;
import static dev.ingot.cli.CliRun.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ingot.nn.TestBackend;
import dev.ingot.nn.checkpoint.SafeTensors;
import dev.ingot.nn.checkpoint.TorchFixtures;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * {@code ingot predict} on PNG files written by tests/python/torchvision_fixture.py, with PyTorch
 * weights: its probabilities must be PyTorch's for the same images after torchvision's
 * {@code ToTensor} + {@code Normalize}.
 */
class PredictCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void jsonProbabilitiesMatchTorch() throws Exception {
        var dir = TorchFixtures.dir();
        Assumptions.assumeTrue(dir.isPresent(), () -> "PyTorch fixtures unavailable: " + TorchFixtures.whyNot());
        Path d = dir.get();
        Result r = run("predict", "--arch", "cifar-resnet8", "--weights", d.resolve("cifar-resnet8.safetensors").toString(),
                "--classes", "10", "--mean", "0.4914,0.4822,0.4465", "--std", "0.247,0.243,0.261", "--top", "3",
                "--json", "--backend", TestBackend.name(), d.resolve("image0.png").toString(),
                d.resolve("image1.png").toString());
        assertEquals(0, r.code(), r.err());
        String[] lines = r.out().strip().split("\n");
        assertEquals(2, lines.length, r.out());
        float[] torch = SafeTensors.read(d.resolve("images-probabilities.safetensors")).tensor("probabilities").values();
        double maxErr = 0;
        for (int i = 0; i < 2; i++) {
            JsonNode line = JSON.readTree(lines[i]);
            assertTrue(line.get("image").asText().endsWith("image" + i + ".png"), lines[i]);
            assertEquals(3, line.get("classes").size());
            int base = i * 10;
            int[] order = IntStream.range(0, 10).boxed()
                    .sorted(Comparator.comparingDouble((Integer k) -> -torch[base + k])).mapToInt(k -> k).toArray();
            for (int k = 0; k < 3; k++) {
                int c = line.get("classes").get(k).asInt();
                double p = line.get("probabilities").get(k).asDouble();
                maxErr = Math.max(maxErr, Math.abs(p - torch[base + c]));
                assertEquals(order[k], c, "rank " + k + " of image " + i + ": " + lines[i]);
            }
        }
        System.out.printf("[predict] max probability error vs torch %.3g%n", maxErr);
        assertTrue(maxErr < 1e-5, "max probability error " + maxErr);

        Result text = run("predict", "--arch", "cifar-resnet8", "--weights",
                d.resolve("cifar-resnet8.safetensors").toString(), "--classes", "10", "--top", "2", "--backend",
                TestBackend.name(), d.resolve("image0.png").toString());
        assertEquals(0, text.code(), text.err());
        assertTrue(text.out().strip().matches(".*image0\\.png:  \\d \\d\\.\\d{4}  \\d \\d\\.\\d{4}"), text.out());
    }

    @Test
    void badArgumentsSayWhat() {
        Result r = run("predict", "--arch", "resnet18", "x.png");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("--checkpoint FILE, or --arch NAME --weights FILE"), r.err());
        Result wrong = run("predict", "--arch", "vgg16", "--weights", "pom.xml", "x.png");
        assertEquals(1, wrong.code());
        assertTrue(wrong.err().contains("no architecture called 'vgg16'"), wrong.err());
    }
}
