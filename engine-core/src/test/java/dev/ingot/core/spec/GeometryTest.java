package dev.ingot.core.spec;

import dev.ingot.core.Shape;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Output sizes of convolutions and poolings, and the rejection of impossible ones. */
class GeometryTest {

    private static Shape convOut(Shape x, Shape w, Conv2dSpec spec) {
        return Conv2dGeometry.of("test", x, w, spec).outputShape();
    }

    @Test
    void convolutionOutputSizes() {
        // The reference models: Keras 'valid' 3x3.
        assertEquals(Shape.of(32, 32, 26, 26), convOut(Shape.of(32, 1, 28, 28), Shape.of(32, 1, 3, 3), Conv2dSpec.DEFAULT));
        assertEquals(Shape.of(32, 64, 11, 11), convOut(Shape.of(32, 32, 13, 13), Shape.of(64, 32, 3, 3), Conv2dSpec.DEFAULT));
        assertEquals(Shape.of(32, 32, 30, 30), convOut(Shape.of(32, 3, 32, 32), Shape.of(32, 3, 3, 3), Conv2dSpec.DEFAULT));
        // 'same' padding keeps the size; stride 2 halves it, rounding down (P = (H + 2p - R) / s + 1).
        assertEquals(Shape.of(1, 4, 7, 7), convOut(Shape.of(1, 2, 7, 7), Shape.of(4, 2, 3, 3), Conv2dSpec.of(1, 1)));
        assertEquals(Shape.of(1, 4, 4, 4), convOut(Shape.of(1, 2, 7, 7), Shape.of(4, 2, 3, 3), Conv2dSpec.of(2, 1)));
        assertEquals(Shape.of(1, 4, 2, 2), convOut(Shape.of(1, 2, 8, 8), Shape.of(4, 2, 3, 3), Conv2dSpec.of(3, 0)));
        assertEquals(Shape.of(1, 4, 3, 3), convOut(Shape.of(1, 2, 9, 9), Shape.of(4, 2, 3, 3), Conv2dSpec.of(3, 0)));
        // Dilation 2 makes a 3x3 kernel span 5x5.
        assertEquals(Shape.of(1, 4, 3, 5), convOut(Shape.of(1, 2, 7, 9), Shape.of(4, 2, 3, 3), Conv2dSpec.of(1, 0, 2)));
        // Asymmetric everything: P = (9 + 4 - 5) / 2 + 1 = 5, Q = (12 + 2 - 2*(3-1) - 1) / 1 + 1 = 10.
        Conv2dGeometry g = Conv2dGeometry.of("test", Shape.of(2, 3, 9, 12), Shape.of(4, 3, 5, 3),
                new Conv2dSpec(2, 1, 2, 1, 1, 2));
        assertEquals(5, g.p());
        assertEquals(10, g.q());
        assertEquals(Shape.of(2, 3, 9, 12), g.inputShape());
        assertEquals(Shape.of(4, 3, 5, 3), g.weightShape());
        assertEquals(2L * 2 * 4 * 5 * 10 * 3 * 5 * 3, g.flops());
    }

    @Test
    void convolutionRejectsImpossibleShapes() {
        IllegalArgumentException rank = assertThrows(IllegalArgumentException.class,
                () -> convOut(Shape.of(3, 5, 5), Shape.of(1, 3, 3, 3), Conv2dSpec.DEFAULT));
        assertTrue(rank.getMessage().contains("test: input x must be rank 4") && rank.getMessage().contains("[3, 5, 5]"));
        IllegalArgumentException wrank = assertThrows(IllegalArgumentException.class,
                () -> convOut(Shape.of(1, 3, 5, 5), Shape.of(3, 3, 3), Conv2dSpec.DEFAULT));
        assertTrue(wrank.getMessage().contains("weight w must be rank 4"), wrank.getMessage());
        IllegalArgumentException channels = assertThrows(IllegalArgumentException.class,
                () -> convOut(Shape.of(1, 3, 5, 5), Shape.of(4, 2, 3, 3), Conv2dSpec.DEFAULT));
        assertTrue(channels.getMessage().contains("expected w of shape [4, 3, 3, 3]"), channels.getMessage());
        IllegalArgumentException large = assertThrows(IllegalArgumentException.class,
                () -> convOut(Shape.of(1, 1, 4, 4), Shape.of(1, 1, 3, 3), Conv2dSpec.of(1, 0, 2)));
        assertTrue(large.getMessage().contains("dilated extent 5x5") && large.getMessage().contains("padded input 4x4"),
                large.getMessage());
        // Padding makes room: the same kernel fits a padded input.
        assertEquals(Shape.of(1, 1, 2, 2), convOut(Shape.of(1, 1, 4, 4), Shape.of(1, 1, 3, 3), Conv2dSpec.of(1, 1, 2)));
        assertThrows(IllegalArgumentException.class, () -> convOut(Shape.of(1, 1, 4, 4), Shape.of(1, 1, 3, 3), null));
    }

    private static Shape poolOut(Shape x, Pool2dSpec spec) {
        return Pool2dGeometry.of("test", x, spec).outputShape();
    }

    @Test
    void poolingOutputSizes() {
        assertEquals(Shape.of(32, 32, 13, 13), poolOut(Shape.of(32, 32, 26, 26), Pool2dSpec.of(2)));
        assertEquals(Shape.of(32, 64, 5, 5), poolOut(Shape.of(32, 64, 11, 11), Pool2dSpec.of(2)), "odd sizes round down");
        assertEquals(Shape.of(32, 64, 6, 6), poolOut(Shape.of(32, 64, 13, 13), Pool2dSpec.of(2)));
        assertEquals(Shape.of(1, 2, 4, 4), poolOut(Shape.of(1, 2, 7, 7), Pool2dSpec.of(3, 2, 1)));
        assertEquals(Shape.of(1, 2, 7, 7), poolOut(Shape.of(1, 2, 7, 7), Pool2dSpec.of(3, 1, 1)));
        assertEquals(Shape.of(1, 1, 1, 1), poolOut(Shape.of(1, 1, 4, 4), Pool2dSpec.of(4, 1, 0)));
        // P = (5 + 2 - 2) / 1 + 1 = 6, Q = (6 + 2 - 3) / 2 + 1 = 3.
        assertEquals(Shape.of(1, 1, 6, 3), poolOut(Shape.of(1, 1, 5, 6), new Pool2dSpec(2, 3, 1, 2, 1, 1)));
    }

    @Test
    void poolingRejectsImpossibleShapes() {
        IllegalArgumentException large = assertThrows(IllegalArgumentException.class,
                () -> poolOut(Shape.of(1, 1, 2, 2), Pool2dSpec.of(3)));
        assertTrue(large.getMessage().contains("window 3x3") && large.getMessage().contains("padded input 2x2")
                && large.getMessage().contains("[1, 1, 2, 2]"), large.getMessage());
        IllegalArgumentException rank = assertThrows(IllegalArgumentException.class,
                () -> poolOut(Shape.of(2, 2), Pool2dSpec.of(2)));
        assertTrue(rank.getMessage().contains("rank 4") && rank.getMessage().contains("[2, 2]"), rank.getMessage());
        assertThrows(IllegalArgumentException.class, () -> poolOut(Shape.of(1, 1, 2, 2), null));
    }

    @Test
    void gemmGeometryFlops() {
        assertEquals(2L * 3 * 4 * 5, new GemmGeometry(3, 4, 5, false, true).flops());
    }
}
