package dev.ingot.nn;

import dev.ingot.core.Backend;
import dev.ingot.core.Shape;
import dev.ingot.core.Tensor;
import dev.ingot.core.spec.AdamSpec;
import dev.ingot.core.spec.SgdSpec;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The recipe optimisers (Nesterov SGD with decoupled decay, Adam's PyTorch form, AdamW, parameter
 * groups, gradient clipping, EMA and lookahead) and the new schedules, each against its formula
 * computed in double on the host, the way PyTorch writes it.
 */
class RecipeOptimizerTest {
    private static final Backend backend = TestBackend.shared();
    private static final float[] P0 = {1f, -2f, 0.5f, 0.25f};
    private static final float[] G = {0.3f, 0.1f, -0.2f, 0.05f};

    /** A weight of rank 2 and a "bias" of rank 1, both starting at P0 with gradient G. */
    private record Params(Tensor w, Tensor gw, Tensor b, Tensor gb, List<Parameter> list) implements AutoCloseable {
        static Params make() {
            Tensor w = backend.fromHost(Shape.of(2, 2), P0), gw = backend.fromHost(Shape.of(2, 2), G);
            Tensor b = backend.fromHost(Shape.of(4), P0), gb = backend.fromHost(Shape.of(4), G);
            return new Params(w, gw, b, gb, List.of(new Parameter("w", w, gw), new Parameter("b", b, gb)));
        }

        void resetGrads() {
            gw.copyFrom(G);
            gb.copyFrom(G);
        }

        @Override
        public void close() {
            w.close();
            gw.close();
            b.close();
            gb.close();
        }
    }

    private static void assertClose(double[] expected, float[] actual, double tol, String what) {
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], tol, what + ", element " + i);
        }
    }

    /**
     * PyTorch SGD(nesterov=True, momentum=m) with decoupled decay p *= 1 - lr wd, then
     * buf = m buf + g; p -= lr (g + m buf); biases in a no-decay group at half the rate.
     */
    @Test
    void nesterovSgdWithDecoupledDecayAndGroupsFollowsPyTorch() {
        float lr = 0.1f, m = 0.85f, wd = 0.05f;
        ParameterGroups groups = ParameterGroups.of(
                List.of(new ParameterGroup("biases", ParameterGroup.biasesAndNorms(), 0.5f, 0f)), wd);
        try (Params ps = Params.make();
             SGD sgd = new SGD(new SgdSpec(lr, m, true), null, groups, WeightDecay.DECOUPLED)) {
            double[] w = toDouble(P0), b = toDouble(P0), bufW = new double[4], bufB = new double[4];
            for (int step = 0; step < 4; step++) {
                ps.resetGrads();
                sgd.step(ps.list());
                for (int i = 0; i < 4; i++) {
                    w[i] *= 1 - lr * wd;
                    bufW[i] = m * bufW[i] + G[i];
                    w[i] -= lr * (G[i] + m * bufW[i]);
                    bufB[i] = m * bufB[i] + G[i];
                    b[i] -= lr * 0.5 * (G[i] + m * bufB[i]);
                }
            }
            assertClose(w, ps.w().toFloatArray(), 1e-6, "decayed weight");
            assertClose(b, ps.b().toFloatArray(), 1e-6, "undecayed bias at half rate");
            assertEquals("decoupled", sgd.config().get("weight_decay_form"));
            assertEquals("0.0", sgd.config().get("group.biases.weight_decay"));
            assertSame(groups.groups().get(0), groups.groupOf(ps.list().get(1)));
            assertEquals("default", groups.groupOf(ps.list().get(0)).name());
        }
    }

    @Test
    void aGroupWithScaleZeroIsLeftAlone() {
        ParameterGroups groups = ParameterGroups.of(
                List.of(new ParameterGroup("frozen", ParameterGroup.namedFrom("b"), 0f, 0.1f)), 0f);
        try (Params ps = Params.make(); SGD sgd = new SGD(new SgdSpec(0.1f, 0.9f, false), null, groups,
                WeightDecay.COUPLED)) {
            sgd.step(ps.list());
            assertClose(toDouble(P0), ps.b().toFloatArray(), 0, "untouched");
            assertTrue(ps.w().toFloatArray()[0] != P0[0]);
        }
    }

    /** torch.optim.Adam / AdamW: m_hat = m/(1-b1^t), v_hat = v/(1-b2^t), p -= lr m_hat/(sqrt(v_hat)+eps). */
    @Test
    void adamWAndAdamsPyTorchFormFollowPyTorch() {
        float lr = 0.01f, wd = 0.1f;
        for (boolean decoupled : new boolean[] {false, true}) {
            try (Params ps = Params.make(); Adam adam = decoupled ? Adam.adamW(lr, wd)
                    : new Adam(new AdamSpec(lr, 0.9f, 0.999f, 1e-8f), Adam.Form.PYTORCH, null,
                            ParameterGroups.single(0f), WeightDecay.COUPLED)) {
                double[] p = toDouble(P0), mm = new double[4], vv = new double[4];
                for (int t = 1; t <= 5; t++) {
                    ps.resetGrads();
                    adam.step(ps.list());
                    for (int i = 0; i < 4; i++) {
                        if (decoupled) {
                            p[i] *= 1 - lr * wd;
                        }
                        mm[i] = 0.9 * mm[i] + 0.1 * G[i];
                        vv[i] = 0.999 * vv[i] + 0.001 * G[i] * G[i];
                        double mHat = mm[i] / (1 - Math.pow(0.9, t)), vHat = vv[i] / (1 - Math.pow(0.999, t));
                        p[i] -= lr * mHat / (Math.sqrt(vHat) + 1e-8);
                    }
                }
                assertClose(p, ps.w().toFloatArray(), 2e-6, decoupled ? "AdamW" : "Adam, PyTorch form");
                assertEquals(decoupled ? "adamw" : "adam", adam.config().get("type"));
            }
        }
    }

    /** AdamW with no decay on biases, at a scheduled rate: the bias follows plain Adam, the weight AdamW. */
    @Test
    void adamWGroupsAndScheduleFollowPyTorch() {
        LearningRateSchedule schedule = LearningRateSchedule.stepDecay(0.01f, 2, 0.5f);
        try (Params ps = Params.make(); Adam adam = new Adam(new AdamSpec(0.01f, 0.9f, 0.999f, 1e-8f),
                Adam.Form.PYTORCH, schedule, ParameterGroups.noDecayOnBiasesAndNorms(0.1f), WeightDecay.DECOUPLED)) {
            double[] w = toDouble(P0), b = toDouble(P0), mm = new double[4], vv = new double[4];
            for (int t = 1; t <= 4; t++) {
                ps.resetGrads();
                adam.step(ps.list());
                double lr = schedule.learningRate(t - 1);
                for (int i = 0; i < 4; i++) {
                    mm[i] = 0.9 * mm[i] + 0.1 * G[i];
                    vv[i] = 0.999 * vv[i] + 0.001 * G[i] * G[i];
                    double update = lr * (mm[i] / (1 - Math.pow(0.9, t)))
                            / (Math.sqrt(vv[i] / (1 - Math.pow(0.999, t))) + 1e-8);
                    w[i] = w[i] * (1 - lr * 0.1) - update;
                    b[i] -= update;
                }
            }
            assertClose(w, ps.w().toFloatArray(), 2e-6, "decayed weight");
            assertClose(b, ps.b().toFloatArray(), 2e-6, "undecayed bias");
            assertEquals("adamw", adam.config().get("type"));
            assertEquals("step", adam.config().get("schedule"));
        }
    }

    /**
     * The forms differ measurably where epsilon is not small beside sqrt(v): with a gradient of
     * 1e-6 and epsilon 1e-7, the first step of Keras' form is ~40 % shorter than PyTorch's.
     */
    @Test
    void kerasAndPyTorchFormsOfAdamDiffer() {
        float[] tiny = {1e-6f};
        float[] after = new float[2];
        Adam.Form[] forms = Adam.Form.values();
        for (int f = 0; f < 2; f++) {
            try (Tensor p = backend.fromHost(Shape.of(1), new float[] {0f});
                 Tensor g = backend.fromHost(Shape.of(1), tiny);
                 Adam adam = new Adam(AdamSpec.keras(), forms[f], null, ParameterGroups.single(0f),
                         WeightDecay.COUPLED)) {
                adam.step(List.of(new Parameter("p", p, g)));
                after[f] = p.toFloatArray()[0];
            }
        }
        // Keras: a_1 = lr sqrt(1-b2)/(1-b1); step = a_1 g/(|g| + eps) with |g| = sqrt(v) = sqrt(0.001) g.
        double keras = -1e-3 * Math.sqrt(0.001) / 0.1 * 0.1e-6 / (Math.sqrt(0.001) * 1e-6 + 1e-7);
        double pytorch = -1e-3 * 1e-6 / (1e-6 + 1e-7);
        assertEquals(keras, after[0], 1e-5 * Math.abs(keras));
        assertEquals(pytorch, after[1], 1e-5 * Math.abs(pytorch));
        assertTrue(Math.abs(after[0] / after[1] - 1) > 0.3, "forms differ: " + after[0] + " vs " + after[1]);
    }

    @Test
    void newSchedulesFollowTheirFormulas() {
        // airbench94: np.interp(step, [0, 0.23 T, T], [0.2, 1, 0]) * lr
        LearningRateSchedule tri = LearningRateSchedule.triangular(2f, 100, 0.23, 0.2f, 0f);
        assertEquals(0.4f, tri.learningRate(0), 1e-7);
        assertEquals(2f * (0.2 + 0.8 * 10 / 23.0), tri.learningRate(10), 1e-6);
        assertEquals(2f, tri.learningRate(23));
        assertEquals(2f * (1 - 0.5), tri.learningRate(23 + 77 / 2), 3e-2);
        assertEquals(2.0 * (100 - 60) / 77.0, tri.learningRate(60), 1e-6);
        assertEquals(0f, tri.learningRate(100));
        assertEquals(0f, tri.learningRate(150));
        // PyTorch OneCycleLR(max_lr=1, total_steps=101, pct_start=0.3): initial 0.04, peak at step 29.3, min 4e-6
        LearningRateSchedule one = LearningRateSchedule.oneCycle(1f, 101, 0.3);
        assertEquals(0.04, one.learningRate(0), 1e-7);
        double peak = 0.3 * 101 - 1;
        assertEquals(1 + (0.04 - 1) / 2 * (Math.cos(Math.PI * 10 / peak) + 1), one.learningRate(10), 1e-6);
        assertEquals(4e-6 + (1 - 4e-6) / 2 * (Math.cos(Math.PI * (60 - peak) / (100 - peak)) + 1),
                one.learningRate(60), 1e-6);
        assertEquals(4e-6, one.learningRate(100), 1e-9);
        LearningRateSchedule f = LearningRateSchedule.function("halving", t -> 1.0 / (1L << Math.min(t, 30)));
        assertEquals(0.25f, f.learningRate(2));
        assertEquals("halving", f.config().get("schedule_name"));
        LearningRateSchedule bad = LearningRateSchedule.function("negative", t -> -1);
        assertThrows(IllegalStateException.class, () -> bad.learningRate(0));
        assertThrows(IllegalArgumentException.class,
                () -> LearningRateSchedule.piecewiseLinear(1f, new long[] {0, 0}, new float[] {1, 1}));
    }

    /** A schedule that ends at 0 still steps (SgdSpec refuses a rate of 0). */
    @Test
    void sgdRunsThroughTheEndOfATriangle() {
        try (Params ps = Params.make();
             SGD sgd = new SGD(new SgdSpec(0.1f, 0.9f, true), LearningRateSchedule.triangular(0.1f, 4, 0.5, 0f, 0f),
                     ParameterGroups.single(0f), WeightDecay.DECOUPLED)) {
            for (int i = 0; i < 6; i++) {
                sgd.step(ps.list());
            }
            assertEquals(6, sgd.steps());
        }
    }

    @Test
    void gradientClippingScalesToTheGlobalNorm() {
        try (Params ps = Params.make();
             SGD inner = new SGD(new SgdSpec(1f, 0f, false));
             GradientClipping clip = new GradientClipping(inner, 0.1f)) {
            double norm = 0;
            for (float g : G) {
                norm += 2 * g * g;
            }
            norm = Math.sqrt(norm);
            clip.step(ps.list());
            assertEquals(norm, clip.lastNorm(), 1e-6);
            double factor = 0.1 / (norm + 1e-6);
            double[] expected = new double[4];
            for (int i = 0; i < 4; i++) {
                expected[i] = P0[i] - factor * G[i];
            }
            assertClose(expected, ps.w().toFloatArray(), 1e-6, "clipped step");
            assertEquals("0.1", clip.config().get("clip_global_norm"));
        }
        try (Params ps = Params.make(); GradientClipping loose = new GradientClipping(new SGD(new SgdSpec(1f, 0f,
                false)), 100f)) {
            loose.step(ps.list());
            assertEquals(P0[0] - G[0], ps.w().toFloatArray()[0], 1e-7, "under the limit, unchanged");
        }
    }

    /** a = d a + (1 - d) p every k steps, starting from the weights before the first step. */
    @Test
    void emaAveragesTheWeightsAndSwapsThemInForEvaluation() throws Exception {
        float d = 0.5f;
        try (Params ps = Params.make();
             ExponentialMovingAverage ema = new ExponentialMovingAverage(new SGD(new SgdSpec(1f, 0f, false)), d, 2,
                     false)) {
            double[] p = toDouble(P0), a = toDouble(P0);
            for (int step = 1; step <= 4; step++) {
                ps.resetGrads();
                ema.step(ps.list());
                for (int i = 0; i < 4; i++) {
                    p[i] -= G[i];
                    if (step % 2 == 0) {
                        a[i] = d * a[i] + (1 - d) * p[i];
                    }
                }
            }
            assertClose(p, ps.w().toFloatArray(), 1e-6, "raw weights");
            assertClose(a, ema.state(ps.list()).get("ema.w").toFloatArray(), 1e-6, "average");
            try (AutoCloseable swap = ema.averagedWeights(ps.list())) {
                assertClose(a, ps.w().toFloatArray(), 1e-6, "average swapped in");
            }
            assertClose(p, ps.w().toFloatArray(), 1e-6, "raw weights back");
        }
        try (Params ps = Params.make();
             ExponentialMovingAverage look = new ExponentialMovingAverage(new SGD(new SgdSpec(1f, 0f, false)), d, 1,
                     true)) {
            look.step(ps.list());
            double[] expected = new double[4];
            for (int i = 0; i < 4; i++) {
                expected[i] = d * P0[i] + (1 - d) * (P0[i] - G[i]);
            }
            assertClose(expected, ps.w().toFloatArray(), 1e-6, "lookahead pulls the weights onto the average");
            assertEquals("true", look.config().get("ema_lookahead"));
        }
    }

    private static double[] toDouble(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }
}
