package dev.ingot.core.spec;

import dev.ingot.core.Shape;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Geometry arithmetic near {@code Integer.MAX_VALUE}: sizes that overflowed an {@code int} (and
 * were accepted with nonsense outputs, or failed in {@link Shape} without naming the op) are
 * rejected naming the op; valid geometries with huge strides, paddings or dilations give the right
 * output size.
 */
class GeometryOverflowTest {
    private static final int MAX = Integer.MAX_VALUE;

    private static void rejected(String expectedPart, Runnable r) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, r::run);
        assertTrue(e.getMessage().startsWith("conv-op: ") || e.getMessage().startsWith("pool-op: "), e.getMessage());
        assertTrue(e.getMessage().contains(expectedPart), e.getMessage());
    }

    @Test
    void hugeDilationIsRejectedNotWrappedAround() {
        // dilation 2^31-1 on a 5x5 input with a 2x2 kernel: the dilated extent is 2^31, larger than the input
        // (computed in int it wrapped to a negative extent and "gave" a 7x7 output).
        rejected("dilated extent 2147483648x2147483648", () -> Conv2dGeometry.of("conv-op", Shape.of(1, 1, 5, 5),
                Shape.of(1, 1, 2, 2), new Conv2dSpec(1, 1, 1, 1, MAX, MAX)));
        rejected("dilated extent", () -> Conv2dGeometry.of("conv-op", Shape.of(1, 1, 5, 5),
                Shape.of(1, 1, 3, 3), new Conv2dSpec(1, 1, 0, 0, 1 << 30, 1)));
    }

    @Test
    void paddedSizesBeyondAnIntAreRejectedNamingTheOp() {
        rejected("padded input", () -> Conv2dGeometry.of("conv-op", Shape.of(1, 1, 5, 5), Shape.of(1, 1, 1, 1),
                Conv2dSpec.of(1, 1 << 30)));
        rejected("padded input", () -> Pool2dGeometry.of("pool-op", Shape.of(1, 1, 5, 5),
                new Pool2dSpec(MAX, MAX, 1, 1, MAX / 2, MAX / 2)));
        rejected("more elements than a long", () -> Conv2dGeometry.of("conv-op", Shape.of(1 << 20, 1, 1 << 20, 1 << 20),
                Shape.of(1 << 20, 1, 1, 1), Conv2dSpec.DEFAULT));
    }

    @Test
    void validGeometriesWithHugeStridesPaddingsAndDilations() {
        // The largest padding whose padded input still fits: (5 + 2*(2^30 - 3) - 1) / stride + 1.
        int pad = (1 << 30) - 3;
        Conv2dGeometry g = Conv2dGeometry.of("conv-op", Shape.of(1, 1, 5, 5), Shape.of(1, 1, 1, 1),
                new Conv2dSpec(MAX, MAX, pad, pad, 1, 1));
        assertEquals(1, g.p());
        g = Conv2dGeometry.of("conv-op", Shape.of(1, 1, 5, 5), Shape.of(1, 1, 1, 1), new Conv2dSpec(1 << 29, 1, pad, 0, 1, 1));
        assertEquals(4, g.p()); // padded height 2^31 - 1: taps 0, 2^29, 2^30, 3*2^29
        assertEquals(5, g.q());
        g = Conv2dGeometry.of("conv-op", Shape.of(1, 1, 5, 5), Shape.of(1, 1, 2, 1), new Conv2dSpec(MAX, 1, 0, 0, 4, 1));
        assertEquals(1, g.p());
        Pool2dGeometry pg = Pool2dGeometry.of("pool-op", Shape.of(1, 1, 7, 7), new Pool2dSpec(3, 3, MAX, MAX, 1, 1));
        assertEquals(1, pg.p());
    }
}
