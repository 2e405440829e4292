package dev.ingot.core;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TensorScopeTest {
    private final ArrayBackend arrays = new ArrayBackend();
    private final Backend backend = arrays.backend();

    @AfterEach
    void noScopeLeftOpen() {
        assertNull(TensorScope.current(), "a test left a scope open on this thread");
        assertEquals(0, backend.bytesInUse(), "a test left tensors open");
    }

    @Test
    void closesTheTensorsMadeInsideIt() {
        Tensor a;
        Tensor b;
        try (TensorScope scope = TensorScope.open()) {
            assertSame(scope, TensorScope.current());
            a = backend.zeros(Shape.of(4));
            b = backend.fromHost(Shape.of(2), new float[] {1, 2});
            assertEquals(2, scope.size());
            assertEquals(24, backend.bytesInUse());
        }
        assertTrue(a.isClosed() && b.isClosed());
        assertEquals(0, backend.bytesInUse());
    }

    @Test
    void tensorsMadeOutsideAnyScopeBelongToTheCaller() {
        Tensor outside = backend.zeros(Shape.of(3));
        try (TensorScope scope = TensorScope.open()) {
            assertEquals(0, scope.size());
        }
        assertFalse(outside.isClosed());
        outside.close();
    }

    @Test
    void nestedScopesCloseOnlyTheirOwn() {
        try (TensorScope outer = TensorScope.open()) {
            Tensor o = backend.zeros(Shape.of(1));
            Tensor i;
            try (TensorScope inner = TensorScope.open()) {
                assertSame(inner, TensorScope.current());
                i = backend.zeros(Shape.of(1));
                assertEquals(1, inner.size());
                assertEquals(1, outer.size());
            }
            assertTrue(i.isClosed());
            assertFalse(o.isClosed());
            assertSame(outer, TensorScope.current(), "closing the inner scope makes the outer one current again");
        }
    }

    @Test
    void keepMovesATensorToTheEnclosingScope() {
        try (TensorScope outer = TensorScope.open()) {
            Tensor kept;
            try (TensorScope inner = TensorScope.open()) {
                kept = inner.keep(backend.zeros(Shape.of(2)));
                assertEquals(0, inner.size());
            }
            assertFalse(kept.isClosed());
            assertEquals(1, outer.size());
        }
        assertEquals(0, backend.bytesInUse());
    }

    @Test
    void keepAtTheOutermostScopeHandsTheTensorToTheCaller() {
        Tensor kept;
        try (TensorScope scope = TensorScope.open()) {
            kept = scope.keep(backend.zeros(Shape.of(2)));
        }
        assertFalse(kept.isClosed());
        kept.close();
    }

    @Test
    void keepOfAForeignTensorIsRejected() {
        Tensor outside = backend.zeros(Shape.of(2));
        try (TensorScope scope = TensorScope.open()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> scope.keep(outside));
            assertTrue(e.getMessage().contains("does not belong to this scope"), e.getMessage());
        }
        outside.close();
    }

    @Test
    void detachTakesATensorOutOfItsScope() {
        Tensor detached;
        try (TensorScope scope = TensorScope.open()) {
            detached = backend.zeros(Shape.of(2)).detach();
            assertEquals(0, scope.size());
        }
        assertFalse(detached.isClosed());
        detached.close();
    }

    @Test
    void tensorsClosedEarlyLeaveTheScope() {
        try (TensorScope scope = TensorScope.open()) {
            Tensor t = backend.zeros(Shape.of(2));
            t.close();
            assertEquals(0, scope.size());
        }
        assertEquals(1, arrays.releases.get(), "closed once, by its owner, not again by the scope");
    }

    @Test
    void mustBeClosedInReverseOrder() {
        TensorScope outer = TensorScope.open();
        TensorScope inner = TensorScope.open();
        IllegalStateException e = assertThrows(IllegalStateException.class, outer::close);
        assertTrue(e.getMessage().contains("reverse order"), e.getMessage());
        inner.close();
        outer.close();
    }

    @Test
    void mustBeClosedByTheThreadThatOpenedIt() throws Exception {
        TensorScope scope = TensorScope.open();
        try {
            CompletableFuture<Void> other = CompletableFuture.runAsync(scope::close);
            ExecutionException e = assertThrows(ExecutionException.class, () -> other.get(10, TimeUnit.SECONDS));
            assertInstanceOf(IllegalStateException.class, e.getCause());
            assertTrue(e.getCause().getMessage().contains("thread that opened it"), e.getCause().getMessage());
        } finally {
            scope.close();
        }
    }

    @Test
    void closeIsIdempotent() {
        TensorScope scope = TensorScope.open();
        backend.zeros(Shape.of(1));
        scope.close();
        scope.close();
        assertNull(TensorScope.current());
        assertEquals(1, arrays.releases.get());
    }

    @Test
    void scopesAreConfinedToTheirThread() throws Exception {
        try (TensorScope _ = TensorScope.open()) {
            Tensor fromOtherThread = CompletableFuture.supplyAsync(() -> backend.zeros(Shape.of(3))).get(10, TimeUnit.SECONDS);
            assertEquals(0, TensorScope.current().size(), "a tensor made on another thread does not join this scope");
            fromOtherThread.close();
        }
    }
}
