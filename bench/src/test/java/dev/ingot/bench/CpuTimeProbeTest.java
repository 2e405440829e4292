package dev.ingot.bench;

import dev.ingot.core.Shape;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * CpuTimeProbe's ResNet-20 op list matches the network, and {@code --layers resnet20-rest} runs every
 * op at a tiny batch (timings are not checked: speed is the probe's business, never a unit test's).
 */
class CpuTimeProbeTest {

    @Test
    void resnet20ParameterShapesAddUpToTheNetworksParameterCount() {
        long count = CpuTimeProbe.resnet20ParameterShapes().stream().mapToLong(Shape::size).sum();
        assertEquals(TrainingStepBenchmark.RESNET20_PARAMETERS, count);
        assertEquals(65, CpuTimeProbe.resnet20ParameterShapes().size());
    }

    @Test
    void measureCountsAtLeastOneCall() {
        CpuTimeProbe.Timing t = CpuTimeProbe.measure("nothing", 0, 0, () -> { });
        assertTrue(t.calls() >= 1, "calls " + t.calls());
        assertTrue(t.cpuSeconds() >= 0 && t.wallSeconds() >= 0, t.toString());
    }

    @Test
    void resnet20RestRunsEveryOpAndPrintsThePerStepTotal() {
        PrintStream stdout = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            CpuTimeProbe.main(new String[] {"--layers", "resnet20-rest", "2", "0.001"});
        } finally {
            System.setOut(stdout);
        }
        String text = out.toString(StandardCharsets.UTF_8);
        for (String line : new String[] {"16x32x32 batchNorm fwd+bwd", "64x8x8 global avg pool bwd",
                "sgd momentum+wd, 65 tensors", "per step: total outside convs"}) {
            assertTrue(text.contains(line), "no '" + line + "' in:\n" + text);
        }
    }
}
