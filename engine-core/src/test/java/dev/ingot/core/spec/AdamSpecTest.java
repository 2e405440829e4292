package dev.ingot.core.spec;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The bias-corrected Adam step size {@code a_t = lr * sqrt(1 - beta2^t) / (1 - beta1^t)}. */
class AdamSpecTest {

    @Test
    void firstStepOfKerasDefaults() {
        AdamSpec keras = AdamSpec.keras();
        double b1 = 0.9f, b2 = 0.999f, lr = 1e-3f;
        assertEquals((float) (lr * Math.sqrt(1 - b2) / (1 - b1)), keras.stepSize(1));
        assertEquals(3.1623e-4, keras.stepSize(1), 1e-7);
    }

    @Test
    void approachesTheLearningRate() {
        // With Keras' betas a_t first falls (1 - beta1^t grows faster than sqrt(1 - beta2^t)), then
        // rises towards the learning rate once both corrections fade.
        AdamSpec keras = AdamSpec.keras();
        assertTrue(keras.stepSize(2) < keras.stepSize(1));
        assertTrue(keras.stepSize(10_000) > keras.stepSize(1000));
        assertEquals(1e-3, keras.stepSize(100_000), 1e-9);
    }

    @Test
    void stepsStartAtOne() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AdamSpec.keras().stepSize(0));
        assertTrue(e.getMessage().contains("got 0"), e.getMessage());
    }

    @Test
    void otherHyperParameters() {
        AdamSpec spec = new AdamSpec(0.01f, 0.8f, 0.99f, 1e-5f);
        double b1 = 0.8f, b2 = 0.99f, lr = 0.01f;
        for (long t : new long[] {1, 2, 5, 1000}) {
            assertEquals((float) (lr * Math.sqrt(1 - Math.pow(b2, t)) / (1 - Math.pow(b1, t))), spec.stepSize(t));
        }
    }
}
