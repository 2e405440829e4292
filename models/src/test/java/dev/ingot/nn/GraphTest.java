package dev.ingot.nn;

import dev.ingot.core.Backend;
import dev.ingot.core.Shape;
import dev.ingot.core.Tensor;
import dev.ingot.core.spec.AdamSpec;
import dev.ingot.core.spec.Conv2dSpec;
import dev.ingot.data.Dataset;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link Graph}: wiring, gradients through fan-out and residual sums, training, errors. */
class GraphTest {
    private static final Backend backend = TestBackend.shared();
    private static final Dataset TRAIN = SyntheticData.bands("bands-train", 150, 1, 9, 8, 3, 1);
    private static final Dataset TEST = SyntheticData.bands("bands-test", 61, 1, 9, 8, 3, 2);

    /**
     * conv -> (fan-out) a; a -> conv b; a + b (residual) -> conv c; c + a + b (three-way sum, a and b
     * used twice) -> flatten -> linear. No ReLU: L is smooth in every weight, so central differences are exact
     * up to rounding.
     */
    static Graph fanOutGraph() {
        Graph.Builder g = Graph.builder();
        Graph.Node x = g.input();
        Graph.Node a = g.apply("a", new Conv2d(3, 3, 3, Conv2dSpec.of(1, 1)), x);
        Graph.Node b = g.apply("b", new Conv2d(3, 3, 3, Conv2dSpec.of(1, 1)).withoutBias(), a);
        Graph.Node s = g.add("s", a, b);
        Graph.Node c = g.apply("c", new Conv2d(3, 1, 1, Conv2dSpec.DEFAULT), s);
        Graph.Node t = g.add("t", c, a, b);
        Graph.Node f = g.apply("flatten", new Flatten(), t);
        return g.build(g.apply("fc", new Linear(4), f));
    }

    @Test
    void gradientsThroughFanOutAndResidualSumsMatchFiniteDifferences() {
        ModelGradientCheck.check(backend, fanOutGraph(), Shape.of(2, 5, 4), 3, 31, 1e-2, 2e-3, 5e-3);
    }

    @Test
    void namesParametersByNode() {
        try (Graph model = fanOutGraph().build(backend, Shape.of(2, 5, 4), 1)) {
            assertEquals(List.of("a.weight", "a.bias", "b.weight", "c.weight", "c.bias", "fc.weight", "fc.bias"),
                    model.parameters().stream().map(Parameter::name).toList());
            assertEquals(List.of("input", "a", "b", "s", "c", "t", "flatten", "fc"), model.nodeNames());
            assertEquals(Shape.of(4), model.outputShape());
            assertTrue(model.summary().contains("a, b"), model.summary());
        }
    }

    /** The chain as a graph computes what the same chain as a Sequential computes, given the same weights. */
    @Test
    void aChainGraphMatchesSequential() {
        Graph.Builder g = Graph.builder();
        Graph.Node h = g.input();
        h = g.apply(new Conv2d(4, 3), h);
        h = g.apply(new ReLU(), h);
        h = g.apply(new Flatten(), h);
        Graph graph = g.build(g.apply(new Linear(3), h));
        Sequential seq = new Sequential(new Conv2d(4, 3), new ReLU(), new Flatten(), new Linear(3));
        try (graph; seq) {
            graph.build(backend, Shape.of(1, 9, 8), 5);
            seq.build(backend, Shape.of(1, 9, 8), 6);
            for (int i = 0; i < seq.parameters().size(); i++) {
                seq.parameters().get(i).value().copyFrom(graph.parameters().get(i).value().toFloatArray());
            }
            float[] pixels = GradientCheck.uniform(new java.util.SplittableRandom(3), 4 * 72, 0, 1);
            try (Tensor x = backend.fromHost(Shape.of(4, 1, 9, 8), pixels);
                 Tensor dy = backend.fromHost(Shape.of(4, 3), new float[] {1, -2, 3, 0.5f, 1, 0, -1, 2, 0, 1, 1, 1})) {
                assertArrayEquals(seq.forward(x, Mode.training(1)).toFloatArray(),
                        graph.forward(x, Mode.training(1)).toFloatArray());
                seq.backward(dy);
                graph.backward(dy);
                for (int i = 0; i < seq.parameters().size(); i++) {
                    assertArrayEquals(seq.parameters().get(i).grad().toFloatArray(),
                            graph.parameters().get(i).grad().toFloatArray(), graph.parameters().get(i).name());
                }
            }
        }
    }

    static Graph residualCnn() {
        Graph.Builder g = Graph.builder();
        Graph.Node x = g.input();
        Graph.Node a = g.apply("conv1", new Conv2d(4, 3, 3, Conv2dSpec.of(1, 1)), x);
        Graph.Node r = g.apply("relu1", new ReLU(), a);
        Graph.Node b = g.apply("conv2", new Conv2d(4, 3, 3, Conv2dSpec.of(1, 1)), r);
        Graph.Node s = g.apply("relu2", new ReLU(), g.add("residual", b, a));
        Graph.Node p = g.apply("pool", new MaxPool2d(2), s);
        Graph.Node f = g.apply("flatten", new Flatten(), p);
        return g.build(g.apply("fc", new Linear(3), f));
    }

    @Test
    void residualGraphLearnsAndSteadyStateAllocatesNothing() {
        long before = backend.bytesInUse();
        Graph model = residualCnn().build(backend, Shape.of(1, 9, 8), 9);
        Trainer trainer = new Trainer(model, new CrossEntropyLoss(), new Adam(AdamSpec.withLearningRate(1e-2f)), 9);
        History h = trainer.fit(TRAIN, 1, 16, TEST, null);
        long afterFirstEpoch = backend.bytesInUse();
        h = trainer.fit(TRAIN, 4, 16, TEST, null);
        assertEquals(afterFirstEpoch, backend.bytesInUse(), "epochs 2 to 4 reuse the buffers of epoch 1");
        assertTrue(h.last().validationAccuracy() > 0.9, "learns the bands: " + h);
        trainer.close();
        model.close();
        assertEquals(before, backend.bytesInUse(), "closing the trainer and the graph frees every tensor");
    }

    @Test
    void frozenParametersStayPutAndGetNoGradient() {
        try (Graph model = residualCnn().build(backend, Shape.of(1, 9, 8), 4);
             Trainer trainer = new Trainer(model, new CrossEntropyLoss(), new Adam(), 4)) {
            assertEquals(2, model.freeze("conv1."));
            float[] conv1 = model.parameter("conv1.weight").value().toFloatArray();
            float[] conv2 = model.parameter("conv2.weight").value().toFloatArray();
            trainer.fit(TRAIN, 1, 16, null, null);
            assertArrayEquals(conv1, model.parameter("conv1.weight").value().toFloatArray(), "frozen: unchanged");
            assertArrayEquals(new float[conv1.length], model.parameter("conv1.weight").grad().toFloatArray(),
                    "frozen: its gradient was never computed");
            assertTrue(!java.util.Arrays.equals(conv2, model.parameter("conv2.weight").value().toFloatArray()));
            assertEquals(4, model.trainableParameters().size());
            assertTrue(model.summary().contains("frozen parameters: 40"), model.summary());
            model.unfreeze("conv1.");
            assertEquals(6, model.trainableParameters().size());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> model.freeze("conv9"));
            assertTrue(e.getMessage().contains("conv9") && e.getMessage().contains("conv1.weight"), e.getMessage());
        }
    }

    @Test
    void badWiringIsRejectedWithTheNodeNamed() {
        Graph.Builder g = Graph.builder();
        Graph.Node x = g.input();
        Graph.Node a = g.apply("a", new Conv2d(3, 3), x);
        Graph.Node b = g.apply("b", new Conv2d(3, 1), x);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> g.apply("a", new ReLU(), a));
        assertTrue(e.getMessage().contains("'a'"), e.getMessage());
        Layer relu = new ReLU();
        g.apply("r", relu, a);
        e = assertThrows(IllegalArgumentException.class, () -> g.apply("r2", relu, b));
        assertTrue(e.getMessage().contains("already used"), e.getMessage());
        Graph.Node s = g.add("sum", a, b);
        Graph.Node out = g.apply("flat", new Flatten(), s);
        e = assertThrows(IllegalArgumentException.class, () -> g.build(out));
        assertTrue(e.getMessage().contains("[r]"), e.getMessage());

        Graph.Builder g2 = Graph.builder();
        Graph.Node x2 = g2.input();
        Graph.Node sum = g2.add("sum", g2.apply("a", new Conv2d(3, 3), x2), g2.apply("b", new Conv2d(3, 1), x2));
        Graph bad = g2.build(sum);
        e = assertThrows(IllegalArgumentException.class, () -> bad.build(backend, Shape.of(1, 6, 6), 1));
        assertTrue(e.getMessage().contains("'sum'") && e.getMessage().contains("a [3, 4, 4]")
                && e.getMessage().contains("b [3, 6, 6]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Graph.builder().add("s", x2));
        assertTrue(e.getMessage().contains("at least 2"), e.getMessage());
        try (Graph ok = fanOutGraph().build(backend, Shape.of(2, 5, 4), 1);
             Tensor wrong = backend.zeros(Shape.of(3, 2, 4, 5))) {
            e = assertThrows(IllegalArgumentException.class, () -> ok.forward(wrong, Mode.INFERENCE));
            assertTrue(e.getMessage().contains("[3, 2, 4, 5]") && e.getMessage().contains("[2, 5, 4]"), e.getMessage());
        }
        Graph.Builder g3 = Graph.builder();
        e = assertThrows(IllegalArgumentException.class, () -> g3.apply("a", new ReLU(), x2));
        assertTrue(e.getMessage().contains("another graph builder"), e.getMessage());
    }
}
