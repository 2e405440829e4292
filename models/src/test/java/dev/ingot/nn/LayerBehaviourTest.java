package dev.ingot.nn;

import dev.ingot.core.Backend;
import dev.ingot.core.Shape;
import dev.ingot.core.Tensor;
import dev.ingot.core.spec.AdamSpec;
import dev.ingot.core.spec.SgdSpec;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Initialisation, dropout, optimizer updates, buffer reuse and the errors of misuse. */
class LayerBehaviourTest {
    private static final Backend backend = TestBackend.shared();

    @Test
    void glorotUniformKernelsAndZeroBiases() {
        try (Sequential m = new Sequential(new Conv2d(16, 3), new Flatten(), new Linear(50))
                .build(backend, Shape.of(8, 10, 10), 3)) {
            float[] conv = m.parameter("0.conv2d.weight").value().toFloatArray();
            assertUniform(conv, Initializers.glorotLimit(8 * 9, 16 * 9));
            float[] dense = m.parameter("2.linear.weight").value().toFloatArray();
            assertEquals(16 * 8 * 8 * 50, dense.length, "Keras layout (in, out)");
            assertUniform(dense, Initializers.glorotLimit(16 * 8 * 8, 50));
            assertArrayEquals(new float[16], m.parameter("0.conv2d.bias").value().toFloatArray());
            assertArrayEquals(new float[50], m.parameter("2.linear.bias").value().toFloatArray());
            assertEquals(List.of("0.conv2d.weight", "0.conv2d.bias", "2.linear.weight", "2.linear.bias"),
                    m.parameters().stream().map(Parameter::name).toList());
        }
    }

    /** Within [-limit, limit), mean near 0, variance near limit^2 / 3. */
    private static void assertUniform(float[] v, double limit) {
        double sum = 0, sq = 0;
        for (float x : v) {
            assertTrue(Math.abs(x) <= limit, x + " outside +-" + limit);
            sum += x;
            sq += x * x;
        }
        double mean = sum / v.length, var = sq / v.length - mean * mean;
        assertEquals(0, mean, 4 * limit / Math.sqrt(3 * v.length), "mean");
        assertEquals(limit * limit / 3, var, 0.1 * limit * limit / 3, "variance");
    }

    @Test
    void initialWeightsFollowTheSeedAndDifferPerLayer() {
        float[] a = firstKernel(7), b = firstKernel(7), c = firstKernel(8);
        assertArrayEquals(a, b);
        assertTrue(!java.util.Arrays.equals(a, c));
        try (Sequential m = new Sequential(new Linear(4), new Linear(4)).build(backend, Shape.of(4), 7)) {
            assertTrue(!java.util.Arrays.equals(m.parameter("0.linear.weight").value().toFloatArray(),
                    m.parameter("1.linear.weight").value().toFloatArray()), "each layer its own stream");
        }
    }

    private static float[] firstKernel(long seed) {
        try (Sequential m = new Sequential(new Linear(20)).build(backend, Shape.of(30), seed)) {
            return m.parameters().getFirst().value().toFloatArray();
        }
    }

    @Test
    void dropoutDropsAtItsRateInTrainingAndNothingInInference() {
        int n = 64, f = 250;
        float[] ones = new float[n * f];
        java.util.Arrays.fill(ones, 1f);
        try (Dropout d = new Dropout(0.2f); Tensor x = backend.fromHost(Shape.of(n, f), ones)) {
            d.build(backend, Shape.of(f), new SplittableRandom(0));
            assertSame(x, d.forward(x, Mode.INFERENCE), "inference lets the input through untouched");
            float[] y = d.forward(x, Mode.training(1)).toFloatArray();
            long kept = 0;
            for (float v : y) {
                assertTrue(v == 0f || v == 1.25f, "kept values scale by 1/(1-0.2): " + v);
                kept += v != 0 ? 1 : 0;
            }
            assertEquals(0.8, (double) kept / y.length, 0.01);
            assertArrayEquals(y, d.forward(x, Mode.training(1)).toFloatArray(), "same seed, same mask");
            assertTrue(!java.util.Arrays.equals(y, d.forward(x, Mode.training(2)).toFloatArray()), "new seed, new mask");
        }
    }

    @Test
    void sequentialGivesEachDropoutLayerItsOwnMask() {
        Mode step = Mode.training(99);
        assertTrue(step.forLayer(1).seed() != step.forLayer(3).seed());
        assertEquals(Mode.INFERENCE, Mode.INFERENCE.forLayer(4));
    }

    @Test
    void adamUpdateMatchesKerasFormula() {
        float[] p0 = {0.5f, -1f, 2f}, g = {0.1f, -0.2f, 0.3f};
        AdamSpec spec = AdamSpec.keras();
        try (Tensor value = backend.fromHost(Shape.of(3), p0); Tensor grad = backend.fromHost(Shape.of(3), g);
             Adam adam = new Adam(spec)) {
            List<Parameter> ps = List.of(new Parameter("p", value, grad));
            adam.step(ps);
            adam.step(ps);
            double[] m = new double[3], v = new double[3], p = new double[3];
            for (int i = 0; i < 3; i++) {
                p[i] = p0[i];
            }
            for (int t = 1; t <= 2; t++) {
                double a = 1e-3 * Math.sqrt(1 - Math.pow(0.999, t)) / (1 - Math.pow(0.9, t));
                for (int i = 0; i < 3; i++) {
                    m[i] = 0.9 * m[i] + 0.1 * g[i];
                    v[i] = 0.999 * v[i] + 0.001 * g[i] * g[i];
                    p[i] -= a * m[i] / (Math.sqrt(v[i]) + 1e-7);
                }
            }
            float[] got = value.toFloatArray();
            for (int i = 0; i < 3; i++) {
                assertEquals(p[i], got[i], 1e-6, "parameter " + i);
            }
            assertEquals(2, adam.steps());
            assertArrayEquals(new float[] {(float) m[0], (float) m[1], (float) m[2]},
                    adam.state(ps).get("m.p").toFloatArray(), 1e-7f);
        }
    }

    @Test
    void sgdMomentumUpdateMatchesKerasFormula() {
        float[] p0 = {1f, -1f}, g = {0.5f, 0.25f};
        try (Tensor value = backend.fromHost(Shape.of(2), p0); Tensor grad = backend.fromHost(Shape.of(2), g);
             SGD sgd = new SGD(new SgdSpec(0.1f, 0.9f, false))) {
            List<Parameter> ps = List.of(new Parameter("p", value, grad));
            sgd.step(ps);
            sgd.step(ps);
            // v1 = -0.1 g, p1 = p0 + v1; v2 = 0.9 v1 - 0.1 g, p2 = p1 + v2  =>  p2 = p0 - 0.29 g
            assertArrayEquals(new float[] {1f - 0.29f * 0.5f, -1f - 0.29f * 0.25f}, value.toFloatArray(), 1e-6f);
        }
    }

    @Test
    void buffersAreReusedPerBatchShape() {
        try (Sequential m = new Sequential(new Conv2d(2, 3), new ReLU(), new Flatten(), new Linear(3))
                .build(backend, Shape.of(1, 6, 6), 1);
             Tensor x8 = backend.zeros(Shape.of(8, 1, 6, 6)); Tensor x3 = backend.zeros(Shape.of(3, 1, 6, 6));
             Tensor dy8 = backend.zeros(Shape.of(8, 3)); Tensor dy3 = backend.zeros(Shape.of(3, 3))) {
            Tensor first = m.forward(x8, Mode.training(1));
            m.backward(dy8);
            long bytes = backend.bytesInUse();
            for (int i = 0; i < 3; i++) {
                assertSame(first, m.forward(x8, Mode.training(i)), "same batch size, same output buffer");
                m.backward(dy8);
            }
            assertEquals(bytes, backend.bytesInUse(), "no new tensor memory in steady state");
            m.forward(x3, Mode.training(1));
            m.backward(dy3);
            long withPartial = backend.bytesInUse();
            // Issue 19: one set of buffers per layer, the batch size in use (a cache per batch size
            // grew by 48 % from the first partial batch on).
            assertTrue(withPartial < bytes, "a partial batch's buffers replace the full batch's");
            m.forward(x8, Mode.training(1));
            m.backward(dy8);
            assertEquals(bytes, backend.bytesInUse(), "and the full batch's come back in their place");
        }
    }

    @Test
    void misuseIsReportedClearly() {
        Sequential unbuilt = new Sequential(new Linear(3));
        IllegalStateException notBuilt = assertThrows(IllegalStateException.class,
                () -> unbuilt.forward(null, Mode.INFERENCE));
        assertTrue(notBuilt.getMessage().contains("not built"), notBuilt.getMessage());

        IllegalArgumentException noFlatten = assertThrows(IllegalArgumentException.class,
                () -> new Sequential(new Conv2d(2, 3), new Linear(3)).build(backend, Shape.of(1, 5, 5), 1));
        assertTrue(noFlatten.getMessage().contains("layer 1 (Linear(3))")
                && noFlatten.getMessage().contains("put a Flatten layer before it"), noFlatten.getMessage());

        IllegalArgumentException tooSmall = assertThrows(IllegalArgumentException.class,
                () -> new Sequential(new Conv2d(2, 5)).build(backend, Shape.of(1, 3, 3), 1));
        assertTrue(tooSmall.getMessage().contains("larger than the padded input"), tooSmall.getMessage());

        try (Sequential m = new Sequential(new Flatten(), new Linear(3)).build(backend, Shape.of(1, 4, 4), 1);
             Tensor wrong = backend.zeros(Shape.of(2, 1, 4, 5)); Tensor right = backend.zeros(Shape.of(2, 1, 4, 4))) {
            IllegalArgumentException shape = assertThrows(IllegalArgumentException.class,
                    () -> m.forward(wrong, Mode.INFERENCE));
            assertTrue(shape.getMessage().contains("[2, 1, 4, 5]") && shape.getMessage().contains("[N, 1, 4, 4]"),
                    shape.getMessage());
            m.forward(right, Mode.INFERENCE);
            IllegalStateException noTape = assertThrows(IllegalStateException.class, () -> m.backward(null));
            assertTrue(noTape.getMessage().contains("training mode"), noTape.getMessage());
            Tensor y = m.forward(right, Mode.training(1));
            try (Tensor badGrad = backend.zeros(Shape.of(2, 4))) {
                IllegalArgumentException grad = assertThrows(IllegalArgumentException.class, () -> m.backward(badGrad));
                assertTrue(grad.getMessage().contains("[2, 4]") && grad.getMessage().contains(y.shape().toString()),
                        grad.getMessage());
            }
            IllegalStateException twice = assertThrows(IllegalStateException.class,
                    () -> m.build(backend, Shape.of(1, 4, 4), 1));
            assertTrue(twice.getMessage().contains("already built"), twice.getMessage());
        }
        Linear shared = new Linear(2);
        assertThrows(IllegalArgumentException.class, () -> new Sequential(shared, shared));
        assertThrows(IllegalArgumentException.class, () -> new Dropout(1f));
    }

    @Test
    void closedModelRefusesWork() {
        Sequential m = new Sequential(new Linear(2)).build(backend, Shape.of(3), 1);
        m.close();
        try (Tensor x = backend.zeros(Shape.of(1, 3))) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> m.forward(x, Mode.INFERENCE));
            assertTrue(e.getMessage().contains("closed"), e.getMessage());
        }
    }
}
