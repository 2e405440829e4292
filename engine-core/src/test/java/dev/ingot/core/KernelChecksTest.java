package dev.ingot.core;

import dev.ingot.core.spec.Conv2dGeometry;
import dev.ingot.core.spec.Conv2dSpec;
import dev.ingot.core.spec.GemmGeometry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The shared argument checks on their own (the tests module runs them again through every backend):
 * the geometry they return, and the messages they throw.
 */
class KernelChecksTest {
    private final ArrayBackend arrays = new ArrayBackend();
    private final Backend backend = arrays.backend();
    private final TensorScope scope = TensorScope.open();

    @AfterEach
    void close() {
        scope.close();
    }

    private Tensor t(int... dims) {
        return backend.zeros(Shape.of(dims));
    }

    @Test
    void gemmGeometryForEveryTransposition() {
        assertEquals(new GemmGeometry(2, 5, 3, false, false), KernelChecks.gemm(backend, false, false, t(2, 3), t(3, 5), t(2, 5)));
        assertEquals(new GemmGeometry(2, 5, 3, true, false), KernelChecks.gemm(backend, true, false, t(3, 2), t(3, 5), t(2, 5)));
        assertEquals(new GemmGeometry(2, 5, 3, false, true), KernelChecks.gemm(backend, false, true, t(2, 3), t(5, 3), t(2, 5)));
        assertEquals(new GemmGeometry(2, 5, 3, true, true), KernelChecks.gemm(backend, true, true, t(3, 2), t(5, 3), t(2, 5)));
    }

    @Test
    void gemmInnerDimensionsMessageShowsTransposes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> KernelChecks.gemm(backend, true, false, t(2, 3), t(3, 5), t(3, 5)));
        assertTrue(e.getMessage().contains("op(a) is 3x2 (a [2, 3], transposed)")
                && e.getMessage().contains("op(b) is 3x5"), e.getMessage());
    }

    @Test
    void convolutionGeometry() {
        Conv2dGeometry g = KernelChecks.conv2dForward(backend, t(2, 3, 7, 7), t(4, 3, 3, 3), t(4), Conv2dSpec.of(2, 1),
                t(2, 4, 4, 4));
        assertEquals(4, g.p());
        assertEquals(4, g.k());
    }

    @Test
    void labelOutOfRangeMessage() {
        assertEquals("softmaxCrossEntropy: 'labels' has 12 at row 3, expected a class index in [0, 10)",
                KernelChecks.labelOutOfRange("softmaxCrossEntropy", 3, 12, 10).getMessage());
    }

    @Test
    void elementwiseAllowsAliasingButMatrixKernelsDoNot() {
        Tensor x = t(2, 2);
        KernelChecks.elementwise(backend, "add", new String[] {"a", "b", "out"}, x, x, x);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> KernelChecks.gemm(backend, false, false, x, t(2, 2), x.view(Shape.of(2, 2))));
        assertTrue(e.getMessage().contains("output 'c' shares memory with input 'a'"), e.getMessage());
    }

    @Test
    void foreignTensorMessageNamesBothBackends() {
        Backend other = new ArrayBackend("other").backend();
        Tensor foreign = other.zeros(Shape.of(2));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> KernelChecks.fill(backend, foreign));
        assertTrue(e.getMessage().contains("fill: 'dst' [2] float32 on other belongs to backend 'other'")
                && e.getMessage().contains("not to this 'array' backend"), e.getMessage());
    }

    @Test
    void allocationReturnsTheElementCountAndNamesWhatIsWrong() {
        assertEquals(6, KernelChecks.allocation(backend, "zeros", Shape.of(2, 3), DType.INT32, 6, "the test's limit"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> KernelChecks.allocation(backend, "zeros", null, DType.FLOAT32, 6, "the test's limit"));
        assertEquals("zeros: shape and dtype must not be null, got null, float32", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> KernelChecks.allocation(backend, "zeros", Shape.of(2), null, 6, "the test's limit"));
        assertEquals("zeros: shape and dtype must not be null, got [2], null", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> KernelChecks.allocation(backend, "fromHost", Shape.of(7), DType.FLOAT32, 6, "the test's limit"));
        assertEquals("fromHost: shape [7] has 7 elements; a tensor of backend 'array' holds at most 6"
                + " (the test's limit)", e.getMessage());
    }

    @Test
    void allocationOnAClosedBackendIsRefusedFirst() {
        // A backend that is closed and answers nothing else: the check must ask nothing more of it.
        Backend closed = (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[] {Backend.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "isClosed" -> true;
                    case "name" -> "shut";
                    default -> throw new AssertionError("the check called " + method.getName());
                });
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> KernelChecks.allocation(closed, "zeros", null, null, 6, "the test's limit"));
        assertTrue(e.getMessage().startsWith("zeros: backend 'shut' is closed"), e.getMessage());
    }
}
