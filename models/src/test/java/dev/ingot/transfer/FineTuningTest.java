package dev.ingot.transfer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.ingot.core.Backend;
import dev.ingot.core.Shape;
import dev.ingot.core.spec.AdamSpec;
import dev.ingot.data.Dataset;
import dev.ingot.models.ResNets;
import dev.ingot.nn.Adam;
import dev.ingot.nn.Buffer;
import dev.ingot.nn.CrossEntropyLoss;
import dev.ingot.nn.Graph;
import dev.ingot.nn.Parameter;
import dev.ingot.nn.TestBackend;
import dev.ingot.nn.Trainer;
import dev.ingot.nn.TrainingListener;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The fine-tuning stages on a CIFAR ResNet-8: with the backbone frozen, training moves the head
 * only and leaves every backbone weight and BatchNorm running statistic exactly as loaded; with
 * two parameter groups, both groups move.
 */
class FineTuningTest {
    private static final Backend backend = TestBackend.shared();

    private static Dataset noise(int n) {
        SplittableRandom rnd = new SplittableRandom(3);
        float[] images = new float[n * 3 * 32 * 32];
        for (int i = 0; i < images.length; i++) {
            images[i] = (float) rnd.nextDouble();
        }
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = rnd.nextInt(4);
        }
        return new Dataset("noise", 3, 32, 32, images, labels, List.of("a", "b", "c", "d"));
    }

    private static Map<String, float[]> snapshot(Graph m) {
        Map<String, float[]> s = new HashMap<>();
        m.parameters().forEach(p -> s.put(p.name(), p.value().toFloatArray()));
        m.buffers().forEach(b -> s.put(b.name(), b.value().toFloatArray()));
        return s;
    }

    @Test
    void frozenBackboneMovesOnlyTheHeadThenGroupsMoveEverything() {
        try (Graph m = ResNets.cifarResNet(1, 4)) {
            m.build(backend, Shape.of(3, 32, 32), 5);
            List<String> backbone = m.parameters().stream().map(Parameter::name).filter(n -> !n.startsWith("fc.")).toList();
            m.freeze(backbone.toArray(String[]::new));
            Map<String, float[]> before = snapshot(m);
            try (Trainer t = new Trainer(m, new CrossEntropyLoss(), new Adam(AdamSpec.withLearningRate(1e-2f)), 1)) {
                t.fit(noise(64), 1, 32, null, TrainingListener.NONE);
            }
            Map<String, float[]> afterHead = snapshot(m);
            for (String name : backbone) {
                assertArrayEquals(before.get(name), afterHead.get(name), name + " moved while frozen");
            }
            for (Buffer b : m.buffers()) {
                assertArrayEquals(before.get(b.name()), afterHead.get(b.name()), b.name() + " updated while frozen");
            }
            assertFalse(Arrays.equals(before.get("fc.weight"), afterHead.get("fc.weight")), "the head did not train");

            m.unfreeze(backbone.toArray(String[]::new));
            try (Trainer t = new Trainer(m, new CrossEntropyLoss(), new ParameterGroups("fc.",
                    new Adam(AdamSpec.withLearningRate(1e-2f)), new Adam(AdamSpec.withLearningRate(1e-3f))), 2)) {
                t.fit(noise(64), 1, 32, null, TrainingListener.NONE);
            }
            Map<String, float[]> afterAll = snapshot(m);
            assertFalse(Arrays.equals(afterHead.get("conv1.weight"), afterAll.get("conv1.weight")), "backbone did not train");
            assertFalse(Arrays.equals(afterHead.get("bn1.running_mean"), afterAll.get("bn1.running_mean")),
                    "BatchNorm statistics did not update once unfrozen");
            assertFalse(Arrays.equals(afterHead.get("fc.weight"), afterAll.get("fc.weight")), "head did not train");
        }
    }
}
