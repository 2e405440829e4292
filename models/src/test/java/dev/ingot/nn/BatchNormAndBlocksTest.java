package dev.ingot.nn;

import dev.ingot.core.Backend;
import dev.ingot.core.Shape;
import dev.ingot.core.Tensor;
import dev.ingot.core.spec.BatchNormSpec;
import dev.ingot.core.spec.Conv2dSpec;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** BatchNorm2d's modes, buffers and freezing; concat in a graph; 'same' padding's rule. */
class BatchNormAndBlocksTest {
    private static final Backend backend = TestBackend.shared();

    @Test
    void trainingUpdatesRunningStatisticsAndInferenceUsesThem() {
        int n = 4, c = 2, h = 3, w = 3, m = n * h * w;
        float[] xs = GradientCheck.uniform(new SplittableRandom(1), n * c * h * w, -1, 3);
        try (BatchNorm2d bn = new BatchNorm2d(new BatchNormSpec(1e-5f, 0.1f));
             Tensor x = backend.fromHost(Shape.of(n, c, h, w), xs)) {
            bn.build(backend, Shape.of(c, h, w), new SplittableRandom(0));
            assertEquals(List.of("weight", "bias"), bn.parameters().stream().map(Parameter::name).toList());
            assertEquals(List.of("running_mean", "running_var"), bn.buffers().stream().map(Buffer::name).toList());
            float[] y = bn.forward(x, Mode.training(1)).toFloatArray();
            for (int ch = 0; ch < c; ch++) {
                double mean = 0, sq = 0, ymean = 0;
                for (int i = 0; i < n; i++) {
                    for (int k = 0; k < h * w; k++) {
                        double v = xs[(i * c + ch) * h * w + k];
                        mean += v;
                        sq += v * v;
                        ymean += y[(i * c + ch) * h * w + k];
                    }
                }
                mean /= m;
                double var = sq / m - mean * mean;
                assertEquals(0, ymean / m, 1e-5, "normalised output has mean 0 in channel " + ch);
                assertEquals(0.1 * mean, bn.buffers().get(0).value().toFloatArray()[ch], 1e-5);
                assertEquals(0.9 + 0.1 * var * m / (m - 1), bn.buffers().get(1).value().toFloatArray()[ch], 1e-5,
                        "running variance takes the unbiased batch variance");
            }
            float[] rm = bn.buffers().get(0).value().toFloatArray(), rv = bn.buffers().get(1).value().toFloatArray();
            float[] yi = bn.forward(x, Mode.INFERENCE).toFloatArray();
            for (int i = 0; i < xs.length; i++) {
                int ch = (i / (h * w)) % c;
                assertEquals((xs[i] - rm[ch]) / Math.sqrt(rv[ch] + 1e-5), yi[i], 1e-5, "inference uses running stats");
            }
            assertArrayEquals(rm, bn.buffers().get(0).value().toFloatArray(), "inference leaves them alone");
        }
    }

    /** Frozen (Keras trainable=False): inference mode in training passes, running stats untouched, dx of that form. */
    @Test
    void frozenBatchNormRunsInInferenceModeAndStillPassesGradients() {
        Graph.Builder g = Graph.builder();
        Graph.Node x = g.input();
        Graph.Node a = g.apply("conv", new Conv2d(3, 3, 3, Conv2dSpec.of(1, 1)), x);
        Graph.Node b = g.apply("bn", new BatchNorm2d(), a);
        Graph.Node f = g.apply("flatten", new Flatten(), b);
        Graph model = g.build(g.apply("fc", new Linear(2), f));
        try (model) {
            model.build(backend, Shape.of(2, 4, 4), 3);
            assertEquals(2, model.freeze("bn."));
            assertEquals(List.of("bn.running_mean", "bn.running_var"),
                    model.buffers().stream().map(Buffer::name).toList());
            float[] before = model.buffers().get(1).value().toFloatArray();
            try (Tensor in = backend.fromHost(Shape.of(3, 2, 4, 4),
                    GradientCheck.uniform(new SplittableRandom(2), 96, -1, 1))) {
                float[] train = model.forward(in, Mode.training(1)).toFloatArray();
                float[] infer = model.forward(in, Mode.INFERENCE).toFloatArray();
                assertArrayEquals(infer, train, "a frozen BatchNorm computes the same in both modes");
            }
            assertArrayEquals(before, model.buffers().get(1).value().toFloatArray(), "running stats untouched");
        }
        Graph.Builder g2 = Graph.builder();
        Graph.Node x2 = g2.input();
        Graph.Node c2 = g2.apply("conv", new Conv2d(3, 3, 3, Conv2dSpec.of(1, 1)), x2);
        Graph.Node bn2 = g2.apply("bn", new BatchNorm2d(), c2);
        Graph frozenBn = g2.build(g2.apply("fc", new Linear(2), g2.apply("flatten", new Flatten(), bn2)));
        frozenBn.build(backend, Shape.of(2, 4, 4), 5).freeze("bn.");
        ModelGradientCheck.check(backend, frozenBn, Shape.of(2, 4, 4), 3, 5, 1e-2, 1e-3, 3e-3);
    }

    /** Two branches of different widths concatenated, one of them also added to the input (fan-out of x). */
    @Test
    void concatGraphGradientsMatchFiniteDifferences() {
        Graph.Builder g = Graph.builder();
        Graph.Node x = g.input();
        Graph.Node a = g.apply("a", new Conv2d(2, 3, 3, Conv2dSpec.of(1, 1)), x);
        Graph.Node b = g.apply("b", new Conv2d(3, 1, 1, Conv2dSpec.DEFAULT), x);
        Graph.Node cat = g.concat("cat", a, b, a);
        Graph.Node c = g.apply("c", new Conv2d(2, 1, 1, Conv2dSpec.DEFAULT), cat);
        Graph.Node s = g.add("s", c, a);
        Graph.Node f = g.apply("flatten", new Flatten(), g.apply("bn", new BatchNorm2d(), s));
        Graph model = g.build(g.apply("fc", new Linear(3), f));
        ModelGradientCheck.check(backend, model, Shape.of(2, 4, 5), 3, 7, 1e-2, 2e-3, 1e-2);
    }

    @Test
    void samePaddingKeepsTheSizeAndRejectsAnOddTotal() {
        try (Conv2d conv = new Conv2d(4, 3, 3, Conv2dSpec.DEFAULT).samePadding();
             Conv2d strided = new Conv2d(4, 3, 3, new Conv2dSpec(2, 2, 0, 0, 1, 1)).samePadding()) {
            assertEquals(Shape.of(4, 9, 8), conv.build(backend, Shape.of(2, 9, 8), new SplittableRandom(1)));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> strided.build(backend, Shape.of(2, 8, 8), new SplittableRandom(1)));
            assertTrue(e.getMessage().contains("odd total") && e.getMessage().contains("height 8"), e.getMessage());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Conv2d(4, 3, 3, Conv2dSpec.of(1, 1)).samePadding());
        assertTrue(e.getMessage().contains("same"), e.getMessage());
    }

    /** A basic block with a strided projection and a bottleneck, gradient-checked through the graph. */
    @Test
    void residualBlocksGradientsMatchFiniteDifferences() {
        Graph.Builder g = Graph.builder();
        Graph.Node x = g.input();
        Graph.Node h = new BasicBlock(2, 3, 2).applyTo(g, "basic", x);
        h = new Bottleneck(3, 2, 1).applyTo(g, "bottleneck", h);
        Graph model = g.build(g.apply("fc", new Linear(2), g.apply("avgpool", new GlobalAvgPool2d(), h)));
        // Inputs in [-1, 1], BatchNorm outputs ~N(0, 1): ReLU kinks are crossed by a 1e-3 step rarely.
        ModelGradientCheck.check(backend, model, Shape.of(2, 6, 5), 4, 17, 1e-3, 3e-3, 2e-2);
    }
}
