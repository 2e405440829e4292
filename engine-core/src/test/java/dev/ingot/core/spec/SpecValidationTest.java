package dev.ingot.core.spec;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every spec record rejects impossible hyper-parameters when made, with a message naming the value. */
class SpecValidationTest {

    private static void rejects(Executable make, String... fragments) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, make);
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), "message should contain '" + f + "': " + e.getMessage());
        }
    }

    @Test
    void conv2dSpec() {
        assertEquals(new Conv2dSpec(1, 1, 0, 0, 1, 1), Conv2dSpec.DEFAULT);
        assertEquals(new Conv2dSpec(2, 2, 1, 1, 1, 1), Conv2dSpec.of(2, 1));
        assertEquals(new Conv2dSpec(1, 1, 2, 2, 3, 3), Conv2dSpec.of(1, 2, 3));
        assertEquals("stride 2x1, pad 0x1, dilation 1x2", new Conv2dSpec(2, 1, 0, 1, 1, 2).toString());
        rejects(() -> new Conv2dSpec(0, 1, 0, 0, 1, 1), "stride", "0x1");
        rejects(() -> new Conv2dSpec(1, 1, -1, 0, 1, 1), "padding", "-1x0");
        rejects(() -> new Conv2dSpec(1, 1, 0, 0, 1, 0), "dilation", "1x0");
    }

    @Test
    void pool2dSpec() {
        assertEquals(new Pool2dSpec(2, 2, 2, 2, 0, 0), Pool2dSpec.of(2));
        assertEquals(new Pool2dSpec(3, 3, 2, 2, 1, 1), Pool2dSpec.of(3, 2, 1));
        assertEquals("window 3x3, stride 2x2, pad 1x1", Pool2dSpec.of(3, 2, 1).toString());
        rejects(() -> new Pool2dSpec(0, 2, 1, 1, 0, 0), "window", "0x2");
        rejects(() -> new Pool2dSpec(2, 2, 1, 0, 0, 0), "stride", "1x0");
        rejects(() -> Pool2dSpec.of(3, 1, 2), "padding", "half the window", "2x2");
        rejects(() -> new Pool2dSpec(2, 2, 1, 1, -1, 0), "padding");
    }

    @Test
    void adamSpec() {
        AdamSpec keras = AdamSpec.keras();
        assertEquals(new AdamSpec(1e-3f, 0.9f, 0.999f, 1e-7f), keras);
        assertEquals(new AdamSpec(0.01f, 0.9f, 0.999f, 1e-7f), AdamSpec.withLearningRate(0.01f));
        rejects(() -> new AdamSpec(0, 0.9f, 0.999f, 1e-7f), "learning rate", "0.0");
        rejects(() -> new AdamSpec(Float.NaN, 0.9f, 0.999f, 1e-7f), "learning rate", "NaN");
        rejects(() -> new AdamSpec(Float.POSITIVE_INFINITY, 0.9f, 0.999f, 1e-7f), "learning rate");
        rejects(() -> new AdamSpec(1e-3f, 1f, 0.999f, 1e-7f), "betas", "1.0");
        rejects(() -> new AdamSpec(1e-3f, 0.9f, -0.1f, 1e-7f), "betas", "-0.1");
        rejects(() -> new AdamSpec(1e-3f, 0.9f, 0.999f, 0), "epsilon");
    }

    @Test
    void sgdSpec() {
        new SgdSpec(0.1f, 0, false);
        new SgdSpec(0.1f, 0.9f, true);
        rejects(() -> new SgdSpec(-0.1f, 0, false), "learning rate", "-0.1");
        rejects(() -> new SgdSpec(0.1f, 1f, false), "momentum", "1.0");
        rejects(() -> new SgdSpec(0.1f, Float.NaN, false), "momentum");
        rejects(() -> new SgdSpec(0.1f, 0, true), "Nesterov");
    }

    @Test
    void dropoutSpec() {
        assertEquals(1.25f, new DropoutSpec(0.2f, 0).scale());
        assertEquals(1f, new DropoutSpec(0, 0).scale());
        rejects(() -> new DropoutSpec(1f, 0), "rate", "1.0");
        rejects(() -> new DropoutSpec(-0.1f, 0), "rate", "-0.1");
        rejects(() -> new DropoutSpec(Float.NaN, 0), "rate", "NaN");
    }
}
