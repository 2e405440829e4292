package dev.ingot.core;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TensorTest {
    private final ArrayBackend arrays = new ArrayBackend();
    private final Backend backend = arrays.backend();

    @AfterEach
    void nothingLeaks() {
        assertEquals(0, backend.bytesInUse(), "a test left tensors open");
    }

    @Test
    void holdsShapeDtypeBackendAndValues() {
        try (Tensor t = backend.fromHost(Shape.of(2, 3), new float[] {1, 2, 3, 4, 5, 6})) {
            assertEquals(Shape.of(2, 3), t.shape());
            assertEquals(DType.FLOAT32, t.dtype());
            assertSame(backend, t.backend());
            assertEquals(6, t.size());
            assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, t.toFloatArray());
            assertEquals(24, backend.bytesInUse());
            assertEquals("[2, 3] float32 on array", t.describe());
        }
        try (Tensor labels = backend.fromHost(Shape.of(3), new int[] {7, 8, 9})) {
            assertEquals(DType.INT32, labels.dtype());
            assertArrayEquals(new int[] {7, 8, 9}, labels.toIntArray());
        }
    }

    @Test
    void closeFreesOnceAndIsIdempotent() {
        Tensor t = backend.zeros(Shape.of(10));
        assertEquals(40, backend.bytesInUse());
        t.close();
        t.close();
        assertEquals(0, backend.bytesInUse());
        assertEquals(1, arrays.releases.get(), "storage released exactly once");
        assertTrue(t.isClosed());
        assertTrue(t.toString().contains("closed"));
    }

    @Test
    void useAfterCloseIsIllegalStateNamingTheTensor() {
        Tensor t = backend.zeros(Shape.of(2, 2));
        t.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, t::toFloatArray);
        assertTrue(e.getMessage().contains("[2, 2] float32") && e.getMessage().contains("closed"), e.getMessage());
        assertThrows(IllegalStateException.class, t::storage);
        assertThrows(IllegalStateException.class, () -> t.view(Shape.of(4)));
        assertThrows(IllegalStateException.class, () -> t.copyFrom(new float[4]));
        assertThrows(IllegalStateException.class, () -> t.to(backend));
        IllegalStateException named = assertThrows(IllegalStateException.class, () -> t.requireOpen("weights"));
        assertTrue(named.getMessage().contains("'weights'"), named.getMessage());
    }

    @Test
    void viewsShareMemoryAndOwnNothing() {
        try (Tensor owner = backend.fromHost(Shape.of(2, 3), new float[] {1, 2, 3, 4, 5, 6})) {
            Tensor flat = owner.view(Shape.of(6));
            assertTrue(flat.isView());
            assertFalse(owner.isView());
            assertTrue(flat.sharesMemoryWith(owner) && owner.sharesMemoryWith(flat));
            Tensor other = owner.view(Shape.of(3, 2));
            assertTrue(other.sharesMemoryWith(flat), "two views of one owner share memory");
            flat.copyFrom(new float[] {9, 9, 9, 9, 9, 9});
            assertArrayEquals(new float[] {9, 9, 9, 9, 9, 9}, owner.toFloatArray(), "writes through a view reach the owner");
            flat.close();
            assertEquals(24, backend.bytesInUse(), "closing a view frees nothing");
            assertFalse(owner.isClosed());
            assertArrayEquals(new float[] {9, 9, 9, 9, 9, 9}, other.toFloatArray());
        }
    }

    @Test
    void viewsDieWithTheirOwner() {
        Tensor owner = backend.zeros(Shape.of(4));
        Tensor view = owner.view(Shape.of(2, 2));
        Tensor viewOfView = view.view(Shape.of(1, 4));
        owner.close();
        assertTrue(view.isClosed() && viewOfView.isClosed());
        IllegalStateException e = assertThrows(IllegalStateException.class, view::toFloatArray);
        assertTrue(e.getMessage().contains("view of a tensor that was closed"), e.getMessage());
        assertThrows(IllegalStateException.class, viewOfView::toFloatArray);
    }

    @Test
    void viewOfAnotherSizeIsRejected() {
        try (Tensor t = backend.zeros(Shape.of(2, 3))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.view(Shape.of(5)));
            assertTrue(e.getMessage().contains("[2, 3]") && e.getMessage().contains("[5]"), e.getMessage());
        }
    }

    @Test
    void separateTensorsDoNotShareMemory() {
        try (Tensor a = backend.zeros(Shape.of(2)); Tensor b = backend.zeros(Shape.of(2))) {
            assertFalse(a.sharesMemoryWith(b));
            assertFalse(a.sharesMemoryWith(null));
        }
    }

    @Test
    void itemNeedsOneElement() {
        try (Tensor one = backend.fromHost(Shape.scalar(), new float[] {2.5f}); Tensor two = backend.zeros(Shape.of(2))) {
            assertEquals(2.5f, one.item());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, two::item);
            assertTrue(e.getMessage().contains("[2]"), e.getMessage());
        }
    }

    @Test
    void toAnotherBackendCopies() {
        Backend other = new ArrayBackend("other").backend();
        try (Tensor t = backend.fromHost(Shape.of(3), new float[] {1, 2, 3});
             Tensor copy = t.to(other);
             Tensor ints = backend.fromHost(Shape.of(2), new int[] {4, 5});
             Tensor intCopy = ints.to(other)) {
            assertSame(other, copy.backend());
            assertNotSame(t, copy);
            assertArrayEquals(new float[] {1, 2, 3}, copy.toFloatArray());
            assertArrayEquals(new int[] {4, 5}, intCopy.toIntArray());
        }
        assertEquals(0, other.bytesInUse());
    }

    @Test
    void detachOutsideAScopeIsANoOp() {
        try (Tensor t = backend.zeros(Shape.of(1))) {
            assertSame(t, t.detach());
        }
    }

    @Test
    void createRejectsNulls() {
        NullPointerException e = assertThrows(NullPointerException.class,
                () -> Tensor.create(null, Shape.of(1), DType.FLOAT32, null));
        assertTrue(e.getMessage().contains("backend"), e.getMessage());
        assertThrows(NullPointerException.class, () -> Tensor.create(backend, Shape.of(1), DType.FLOAT32, null));
    }
}
