package dev.ingot.reliability;

import dev.ingot.core.Backend;
import dev.ingot.core.Shape;
import dev.ingot.core.Tensor;
import dev.ingot.core.TensorScope;
import dev.ingot.core.spec.AdamSpec;
import dev.ingot.core.spec.Conv2dSpec;
import dev.ingot.core.spec.SgdSpec;
import dev.ingot.reference.ReferenceBackend;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Regressions of the defects an outside test found (issue 19), on the reference and every
 * backend that runs here: optimizer state aliasing the parameter or gradient (views included),
 * a closed backend, convolutions with huge strides that crashed or zeroed the CPU kernels, and
 * geometries that overflowed an int.
 */
class RejectionRegressionTest {

    static List<Supplier<Backend>> backends() {
        List<Supplier<Backend>> all = new ArrayList<>();
        all.add(named("reference", ReferenceBackend::new));
        for (String name : ReliabilityBackends.available()) {
            all.add(named(name, () -> ReliabilityBackends.open(name)));
        }
        return all;
    }

    private static Supplier<Backend> named(String name, Supplier<Backend> s) {
        return new Supplier<>() {
            @Override
            public Backend get() {
                return s.get();
            }

            @Override
            public String toString() {
                return name;
            }
        };
    }

    private static float[] ramp(int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = 0.1f * (i + 1);
        }
        return v;
    }

    @ParameterizedTest(name = "[{0}]")
    @MethodSource("backends")
    void optimizerStateMustNotAliasParameterOrGradient(Supplier<Backend> factory) {
        try (Backend b = factory.get(); TensorScope scope = TensorScope.open()) {
            Tensor p = b.fromHost(Shape.of(2, 3), ramp(6));
            Tensor g = b.fromHost(Shape.of(2, 3), ramp(6));
            Tensor m = b.zeros(Shape.of(2, 3));
            Tensor v = b.zeros(Shape.of(2, 3));
            Tensor pView = p.view(Shape.of(2, 3));
            Tensor gView = g.view(Shape.of(2, 3));
            Object[][] aliased = {{p, g, p, v, "'m' shares memory with 'param'"},
                    {p, g, m, pView, "'v' shares memory with 'param'"},
                    {p, g, gView, v, "'m' shares memory with 'grad'"},
                    {p, g, m, g, "'v' shares memory with 'grad'"},
                    {p, g, m, m, "'v' shares memory with 'm'"}};
            for (Object[] c : aliased) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> b.adamStep(
                        (Tensor) c[0], (Tensor) c[1], (Tensor) c[2], (Tensor) c[3], AdamSpec.keras(), 1));
                assertTrue(e.getMessage().startsWith("adamStep: ") && e.getMessage().contains((String) c[4]),
                        e.getMessage());
            }
            assertArrayEquals(ramp(6), p.toFloatArray(), "a rejected step writes nothing");
            SgdSpec momentum = new SgdSpec(0.1f, 0.9f, false);
            for (Tensor velocity : new Tensor[] {pView, gView}) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> b.sgdStep(p, g, velocity, momentum));
                assertTrue(e.getMessage().startsWith("sgdStep: ") && e.getMessage().contains("'velocity' shares memory"),
                        e.getMessage());
            }
            b.adamStep(p, g, m, v, AdamSpec.keras(), 1); // separate tensors are fine
        }
    }

    @ParameterizedTest(name = "[{0}]")
    @MethodSource("backends")
    void aClosedBackendRunsNothing(Supplier<Backend> factory) {
        Backend b = factory.get();
        Tensor x = b.fromHost(Shape.of(4), ramp(4));
        Tensor y = b.zeros(Shape.of(4));
        b.close();
        assertTrue(b.isClosed());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> b.reluForward(x, y));
        assertTrue(e.getMessage().startsWith("reluForward: backend '" + b.name() + "' is closed"), e.getMessage());
        e = assertThrows(IllegalStateException.class, () -> b.zeros(Shape.of(2)));
        assertTrue(e.getMessage().startsWith("zeros: backend '"), e.getMessage());
        x.close();
        y.close();
    }

    /**
     * Valid geometries whose strides, paddings or dilations are near 2^31: the CPU kernels threw
     * ArrayIndexOutOfBoundsException (col2im), "fromIndex > toIndex" (im2col) or returned zeros
     * where the reference computes values.
     */
    @ParameterizedTest(name = "[{0}]")
    @MethodSource("backends")
    void convolutionsWithHugeStridesMatchTheReference(Supplier<Backend> factory) {
        int max = Integer.MAX_VALUE;
        int bigPad = (1 << 30) - 3;
        Conv2dSpec[] specs = {new Conv2dSpec(max, max, 0, 0, 1, 1), new Conv2dSpec(max, max, 1, 1, 1, 1),
                new Conv2dSpec(1 << 29, max, bigPad, 1, 1, 1), new Conv2dSpec(3, max - 1, 1, 1, 1, 1),
                new Conv2dSpec(max, 1 << 30, 0, 1, 4, 1)};
        try (Backend b = factory.get(); Backend ref = new ReferenceBackend()) {
            for (Conv2dSpec spec : specs) {
                Shape xs = Shape.of(2, 2, 5, 6), ws = Shape.of(3, 2, 2, 2);
                int p = (int) ((5 + 2L * spec.padH() - spec.dilationH() - 1) / spec.strideH() + 1);
                int q = (int) ((6 + 2L * spec.padW() - spec.dilationW() - 1) / spec.strideW() + 1);
                Shape ys = Shape.of(2, 3, p, q);
                float[][] expected = convAllPasses(ref, xs, ws, ys, spec);
                float[][] actual = convAllPasses(b, xs, ws, ys, spec);
                for (int i = 0; i < 3; i++) {
                    NonFiniteParityTest.same("conv pass " + i + " with " + spec + " on " + b.name(), expected[i],
                            actual[i]);
                }
                assertTrue(Arrays.stream(boxed(expected[0])).anyMatch(f -> f != 0f), "the case computes something: " + spec);
            }
        }
    }

    private static Float[] boxed(float[] v) {
        Float[] out = new Float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = v[i];
        }
        return out;
    }

    private static float[][] convAllPasses(Backend b, Shape xs, Shape ws, Shape ys, Conv2dSpec spec) {
        try (TensorScope scope = TensorScope.open()) {
            Tensor x = b.fromHost(xs, ramp((int) xs.size()));
            Tensor w = b.fromHost(ws, ramp((int) ws.size()));
            Tensor y = b.zeros(ys);
            b.conv2dForward(x, w, null, spec, y);
            Tensor dy = b.fromHost(ys, ramp((int) ys.size()));
            Tensor dx = b.zeros(xs);
            b.conv2dBackwardData(dy, w, spec, dx);
            Tensor dw = b.zeros(ws);
            b.conv2dBackwardFilter(x, dy, spec, dw);
            return new float[][] {y.toFloatArray(), dx.toFloatArray(), dw.toFloatArray()};
        }
    }

    @ParameterizedTest(name = "[{0}]")
    @MethodSource("backends")
    void impossibleGeometriesAreRejectedNamingTheOp(Supplier<Backend> factory) {
        try (Backend b = factory.get(); TensorScope scope = TensorScope.open()) {
            Tensor x = b.zeros(Shape.of(1, 1, 5, 5));
            Tensor w = b.zeros(Shape.of(1, 1, 2, 2));
            Tensor y = b.zeros(Shape.of(1, 1, 7, 7));
            // dilation 2^31-1: the extent wrapped around in int and "gave" a 7x7 output.
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> b.conv2dForward(x, w,
                    null, new Conv2dSpec(1, 1, 1, 1, Integer.MAX_VALUE, Integer.MAX_VALUE), y));
            assertTrue(e.getMessage().startsWith("conv2dForward: "), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> b.conv2dForward(x, w, null,
                    Conv2dSpec.of(1, Integer.MAX_VALUE / 2 + 1), y));
            assertTrue(e.getMessage().startsWith("conv2dForward: ") && e.getMessage().contains("padded input"),
                    e.getMessage());
            assertEquals(0f, y.toFloatArray()[0], "a rejected call writes nothing");
        }
    }
}
