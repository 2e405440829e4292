package dev.ingot.nn;

import dev.ingot.core.Shape;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Layers whose weights cannot exist are refused by name before anything is allocated (issue 19). */
class LayerSizeLimitTest {

    @Test
    void aLinearLayerWithMoreThanTwoToTheThirtyOneWeightsIsRefusedByName() {
        long before = TestBackend.shared().bytesInUse();
        // 65,536 x 65,536 = 2^32 weights: the initialiser's array size used to wrap to a negative number.
        Sequential model = new Sequential(new Linear(1 << 16));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> model.build(TestBackend.shared(), Shape.of(1 << 16), 1));
        assertTrue(e.getMessage().contains("linear: weights of shape [65536, 65536] have 4294967296 elements"),
                e.getMessage());
        model.close();
        assertEquals(before, TestBackend.shared().bytesInUse());
    }

    @Test
    void aConvolutionWithTooManyWeightsIsRefusedByName() {
        Sequential model = new Sequential(new Conv2d(1 << 16, 3));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> model.build(TestBackend.shared(), Shape.of(1 << 12, 8, 8), 1));
        assertTrue(e.getMessage().contains("conv2d: weights of shape"), e.getMessage());
        model.close();
    }
}
