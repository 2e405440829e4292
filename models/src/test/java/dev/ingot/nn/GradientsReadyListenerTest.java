package dev.ingot.nn;

import dev.ingot.core.Backend;
import dev.ingot.core.Shape;
import dev.ingot.core.Tensor;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The hook data-parallel training overlaps its all-reduce on: told once per layer, in the order
 * backward runs them, at a moment when that layer's gradients already have their final values.
 */
class GradientsReadyListenerTest {
    private static final Backend backend = TestBackend.shared();

    /** Runs one backward pass with a listener that snapshots each layer's gradients when told. */
    private static List<Layer> check(Model model, Shape input) {
        List<Layer> told = new ArrayList<>();
        Map<Layer, List<float[]>> atNotice = new IdentityHashMap<>();
        model.gradientsReadyListener(layer -> {
            told.add(layer);
            atNotice.put(layer, layer.parameters().stream().map(p -> p.grad().toFloatArray()).toList());
        });
        int n = 3;
        float[] pixels = GradientCheck.uniform(new SplittableRandom(7), (int) (n * input.size()), 0, 1);
        try (Tensor x = backend.fromHost(batchOf(n, input), pixels)) {
            Tensor y = model.forward(x, Mode.training(1));
            float[] g = GradientCheck.uniform(new SplittableRandom(8), (int) y.size(), -1, 1);
            try (Tensor dy = backend.fromHost(y.shape(), g)) {
                model.backward(dy);
            }
        }
        for (Layer layer : told) {
            List<float[]> then = atNotice.get(layer);
            for (int i = 0; i < then.size(); i++) {
                assertArrayEquals(layer.parameters().get(i).grad().toFloatArray(), then.get(i),
                        layer.describe() + ": gradient changed after the listener was told it was final");
            }
        }
        model.gradientsReadyListener(null);
        return told;
    }

    private static Shape batchOf(int n, Shape sample) {
        int[] d = new int[sample.rank() + 1];
        d[0] = n;
        System.arraycopy(sample.dims(), 0, d, 1, sample.rank());
        return Shape.of(d);
    }

    @Test
    void sequentialTellsEachLayerInReverseOrderOnce() {
        Sequential seq = new Sequential(new Conv2d(4, 3), new ReLU(), new Flatten(), new Linear(3));
        try (seq) {
            seq.build(backend, Shape.of(1, 9, 8), 5);
            List<Layer> told = check(seq, Shape.of(1, 9, 8));
            List<Layer> reversed = new ArrayList<>(seq.layers());
            java.util.Collections.reverse(reversed);
            assertEquals(reversed, told);
        }
    }

    @Test
    void graphTellsEachLayerNodeAfterItsBackwardWithFanOutAndResidualSums() {
        try (Graph graph = GraphTest.fanOutGraph()) {
            graph.build(backend, Shape.of(2, 5, 4), 1);
            List<Layer> told = check(graph, Shape.of(2, 5, 4));
            List<String> names = told.stream().map(Layer::describe).toList();
            assertEquals(5, told.size(), names.toString()); // fc, flatten, c, b, a: every layer node, once
            assertEquals(told.size(), new java.util.HashSet<>(told).size(), names.toString());
        }
    }
}
