package dev.ingot.nn;

import dev.ingot.core.Backend;
import dev.ingot.core.Shape;
import dev.ingot.core.Tensor;
import dev.ingot.core.spec.SgdSpec;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** SGD's coupled weight decay and the learning-rate schedules, against the formulas on the host. */
class OptimizerScheduleTest {
    private static final Backend backend = TestBackend.shared();

    /** PyTorch SGD(lr, momentum, weight_decay) with a constant rate: v = m v + (g + wd p); p -= lr v. */
    @Test
    void weightDecayIsAddedToTheGradientAsPyTorchDoes() {
        float lr = 0.1f, m = 0.9f, wd = 0.01f;
        float[] p0 = {1f, -2f, 0.5f}, g = {0.3f, 0.1f, -0.2f};
        try (Tensor value = backend.fromHost(Shape.of(3), p0); Tensor grad = backend.fromHost(Shape.of(3), g);
             SGD sgd = new SGD(new SgdSpec(lr, m, false), wd, null)) {
            List<Parameter> ps = List.of(new Parameter("p", value, grad));
            double[] p = {p0[0], p0[1], p0[2]}, v = new double[3];
            for (int step = 0; step < 3; step++) {
                grad.copyFrom(g);
                sgd.step(ps);
                for (int i = 0; i < 3; i++) {
                    v[i] = m * v[i] + g[i] + wd * p[i];
                    p[i] -= lr * v[i];
                }
            }
            float[] got = value.toFloatArray();
            for (int i = 0; i < 3; i++) {
                assertEquals(p[i], got[i], 1e-6, "element " + i);
            }
            assertEquals("0.01", sgd.config().get("weight_decay"));
        }
    }

    @Test
    void schedulesFollowTheirFormulas() {
        LearningRateSchedule cos = LearningRateSchedule.cosine(0.1f, 100, 0f);
        assertEquals(0.1f, cos.learningRate(0));
        assertEquals(0.05, cos.learningRate(50), 1e-7);
        assertEquals(0f, cos.learningRate(100));
        assertEquals(0f, cos.learningRate(1000));
        LearningRateSchedule warm = cos.withWarmup(10);
        assertEquals(0.01, warm.learningRate(0), 1e-8);
        assertEquals(0.1, warm.learningRate(9), 1e-8);
        assertEquals(0.1f, warm.learningRate(10));
        assertEquals(0.05, warm.learningRate(60), 1e-7);
        LearningRateSchedule step = LearningRateSchedule.stepDecay(0.1f, 30, 0.1f);
        assertEquals(0.1f, step.learningRate(29));
        assertEquals(0.01, step.learningRate(30), 1e-9);
        assertEquals(0.001, step.learningRate(60), 1e-9);
        assertEquals("cosine", warm.config().get("schedule"));
        assertEquals("10", warm.config().get("warmup_steps"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LearningRateSchedule.cosine(0.1f, 0, 0f));
        assertTrue(e.getMessage().contains("steps"), e.getMessage());
    }

    /** The schedule is read at the optimizer's step count, which a checkpoint restores. */
    @Test
    void sgdUsesTheScheduledRateOfEachStep() {
        try (Tensor value = backend.fromHost(Shape.of(1), new float[] {0f});
             Tensor grad = backend.fromHost(Shape.of(1), new float[] {1f});
             SGD sgd = new SGD(new SgdSpec(1f, 0f, false), 0f, LearningRateSchedule.stepDecay(1f, 1, 0.5f))) {
            List<Parameter> ps = List.of(new Parameter("p", value, grad));
            sgd.step(ps);
            sgd.step(ps);
            sgd.step(ps);
            assertEquals(-(1 + 0.5 + 0.25), value.toFloatArray()[0], 1e-7);
            sgd.restoreSteps(1);
            assertEquals(0.5f, sgd.learningRate());
        }
    }
}
