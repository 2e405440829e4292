package dev.ingot.core;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Public API misuse that used to escape as NullPointerException or ArrayIndexOutOfBounds (issue 19). */
class TypedErrorsTest {

    @Test
    void shapeSizeFromCountsFromTheEndAndRejectsTheImpossible() {
        Shape s = Shape.of(2, 3, 4);
        assertEquals(4, s.sizeFrom(-1));
        assertEquals(24, s.sizeFrom(-3));
        assertEquals(12, s.sizeFrom(1));
        assertEquals(1, s.sizeFrom(3));
        for (int bad : new int[] {-4, 4, Integer.MIN_VALUE, Integer.MAX_VALUE}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.sizeFrom(bad));
            assertTrue(e.getMessage().startsWith("sizeFrom(" + bad + "): shape [2, 3, 4]"), e.getMessage());
        }
    }

    @Test
    void tensorViewAndToOfNothingAreTypedErrors() {
        try (Backend b = new ArrayBackend().backend(); Tensor t = b.zeros(Shape.of(2, 3))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.view(null));
            assertTrue(e.getMessage().startsWith("view: newShape must not be null"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> t.to(null));
            assertTrue(e.getMessage().startsWith("to: target backend must not be null"), e.getMessage());
            t.close();
            IllegalStateException closed = assertThrows(IllegalStateException.class, () -> t.view(Shape.of(6)));
            assertTrue(closed.getMessage().contains("view"), closed.getMessage());
        }
    }
}
