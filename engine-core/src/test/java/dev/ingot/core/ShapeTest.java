package dev.ingot.core;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ShapeTest {

    @Test
    void sizeRankAndDimensions() {
        Shape s = Shape.of(64, 3, 32, 32);
        assertEquals(4, s.rank());
        assertEquals(64L * 3 * 32 * 32, s.size());
        assertEquals(3, s.dim(1));
        assertEquals(32, s.dim(-1));
        assertEquals(64, s.dim(-4));
        assertEquals(3L * 32 * 32, s.sizeFrom(1));
        assertEquals(1, s.sizeFrom(4));
    }

    @Test
    void scalarHasRankZeroAndOneElement() {
        assertEquals(0, Shape.scalar().rank());
        assertEquals(1, Shape.scalar().size());
        assertSame(Shape.scalar(), Shape.of());
        assertEquals("[]", Shape.scalar().toString());
    }

    @Test
    void rejectsZeroAndNegativeSizesNamingTheDimension() {
        IllegalArgumentException zero = assertThrows(IllegalArgumentException.class, () -> Shape.of(2, 0, 3));
        assertTrue(zero.getMessage().contains("[2, 0, 3]") && zero.getMessage().contains("size 0 in dimension 1"),
                zero.getMessage());
        IllegalArgumentException negative = assertThrows(IllegalArgumentException.class, () -> Shape.of(-4));
        assertTrue(negative.getMessage().contains("size -4 in dimension 0"), negative.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Shape.of((int[]) null));
    }

    @Test
    void rejectsSizesBeyondALongAsIllegalArgument() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Shape.of(65536, 65536, 65536, 65536));
        assertTrue(e.getMessage().contains("[65536, 65536, 65536, 65536]"), e.getMessage());
    }

    @Test
    void dimOutOfRangeNamesTheShape() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Shape.of(2, 3).dim(2));
        assertTrue(e.getMessage().contains("dimension 2") && e.getMessage().contains("[2, 3]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Shape.of(2, 3).dim(-3));
    }

    @Test
    void equalityIsByDimensions() {
        assertEquals(Shape.of(2, 3), Shape.of(2, 3));
        assertEquals(Shape.of(2, 3).hashCode(), Shape.of(2, 3).hashCode());
        assertNotEquals(Shape.of(2, 3), Shape.of(3, 2));
        assertNotEquals(Shape.of(6), Shape.of(2, 3));
        assertNotEquals(Shape.of(1), Shape.scalar());
    }

    @Test
    void isImmutable() {
        int[] dims = {2, 3};
        Shape s = Shape.of(dims);
        dims[0] = 99;
        assertEquals(2, s.dim(0));
        s.dims()[1] = 99;
        assertEquals(3, s.dim(1));
    }

    @Test
    void printsLikeAnArray() {
        assertEquals("[64, 3, 32, 32]", Shape.of(64, 3, 32, 32).toString());
        assertEquals("[7]", Shape.of(7).toString());
    }

    @Test
    void dtypeSizes() {
        assertEquals(4, DType.FLOAT32.byteSize());
        assertEquals(4, DType.INT32.byteSize());
        assertEquals("float32", DType.FLOAT32.toString());
        assertEquals("int32", DType.INT32.toString());
    }
}
