package dev.ingot.nn;

import dev.ingot.core.Backend;
import dev.ingot.core.Shape;
import dev.ingot.core.Tensor;
import dev.ingot.core.spec.SgdSpec;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** airbench's pieces around an optimizer: a parameter frozen after N steps, and a lookahead whose decay follows a schedule. */
class ScheduledRecipeTest {
    private static final Backend backend = TestBackend.shared();

    private static Parameter param(String name, float value, float grad) {
        return new Parameter(name, backend.fromHost(Shape.of(1), new float[] {value}),
                backend.fromHost(Shape.of(1), new float[] {grad}));
    }

    private static void close(List<Parameter> ps) {
        for (Parameter p : ps) {
            p.value().close();
            p.grad().close();
        }
    }

    /** Plain SGD (lr 0.5, no momentum) on two parameters with gradient 1; "w." stops after 2 steps, the other goes on. */
    @Test
    void freezeAfterStepsStopsUpdatingTheNamedParameters() {
        List<Parameter> ps = List.of(param("w.bias", 0f, 1f), param("v.weight", 0f, 1f));
        try (Optimizer o = new FreezeAfterSteps(new SGD(new SgdSpec(0.5f, 0f, false)), "w.", 2)) {
            for (int i = 0; i < 5; i++) {
                o.step(ps);
            }
            assertEquals(-1f, ps.get(0).value().toFloatArray()[0], "2 steps of -0.5");
            assertEquals(-2.5f, ps.get(1).value().toFloatArray()[0], "5 steps of -0.5");
            assertEquals(5, o.steps());
            assertEquals("after 2 steps", o.config().get("freeze_w."));
        } finally {
            close(ps);
        }
        assertThrows(IllegalArgumentException.class, () -> new FreezeAfterSteps(new SGD(new SgdSpec(0.1f, 0f, false)), "", 2));
        assertThrows(IllegalArgumentException.class, () -> new FreezeAfterSteps(new SGD(new SgdSpec(0.1f, 0f, false)), "w", 0));
    }

    /**
     * Lookahead with decay d(t) = t / 10 every 2 steps and a final update at step 5 (d = 1: the
     * weights go back to the average). SGD lr 1, gradient 1, so each step subtracts 1; computed by
     * hand: t=1 p=-1; t=2 p=-2, a = 0.2*0 + 0.8*(-2) = -1.6, p = -1.6; t=3 p=-2.6; t=4 p=-3.6,
     * a = 0.4*(-1.6) + 0.6*(-3.6) = -2.8, p = -2.8; t=5 p=-3.8, d=1: a = -2.8, p = -2.8.
     */
    @Test
    void scheduledLookaheadFollowsItsDecayAndFinalStep() {
        List<Parameter> ps = List.of(param("p", 0f, 1f));
        try (ExponentialMovingAverage o = new ExponentialMovingAverage(new SGD(new SgdSpec(1f, 0f, false)), "t/10",
                t -> t == 5 ? 1.0 : t / 10.0, 2, 5, true)) {
            float[] expected = {-1f, -1.6f, -2.6f, -2.8f, -2.8f};
            for (int i = 0; i < 5; i++) {
                o.step(ps);
                assertEquals(expected[i], ps.get(0).value().toFloatArray()[0], 1e-6f, "after step " + (i + 1));
            }
            assertEquals("t/10", o.config().get("ema_decay"));
            assertEquals("5", o.config().get("ema_final_step"));
        } finally {
            close(ps);
        }
        List<Parameter> qs = List.of(param("q", 0f, 1f));
        try (ExponentialMovingAverage bad = new ExponentialMovingAverage(new SGD(new SgdSpec(1f, 0f, false)), "too big", t -> 2.0,
                1, 0, true)) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> bad.step(qs));
            assertTrue(e.getMessage().contains("'too big' gave 2.0 at step 1"), e.getMessage());
        } finally {
            close(qs);
        }
    }

    @Test
    void scaleLayerMultipliesBothWays() {
        try (Scale s = new Scale(0.5f)) {
            s.build(backend, Shape.of(3), new java.util.SplittableRandom(1));
            try (Tensor x = backend.fromHost(Shape.of(2, 3), new float[] {1, 2, 3, 4, 5, 6});
                 Tensor dy = backend.fromHost(Shape.of(2, 3), new float[] {2, 2, 2, 4, 4, 4})) {
                assertArrayEquals(new float[] {0.5f, 1, 1.5f, 2, 2.5f, 3}, s.forward(x, Mode.training(1)).toFloatArray());
                assertArrayEquals(new float[] {1, 1, 1, 2, 2, 2}, s.backward(dy, true).toFloatArray());
            }
        }
        assertThrows(IllegalArgumentException.class, () -> new Scale(0f));
    }
}
