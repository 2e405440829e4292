package dev.ingot.parity;

import static dev.ingot.parity.SeededInputs.abs;
import static dev.ingot.parity.SeededInputs.uniform;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.ingot.core.Backend;
import dev.ingot.core.Shape;
import dev.ingot.core.Tensor;
import dev.ingot.core.spec.Pool2dGeometry;
import dev.ingot.core.spec.Pool2dSpec;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Average pooling that counts the padding (PyTorch's {@code AvgPool2d(count_include_pad=True)},
 * cuDNN's {@code COUNT_INCLUDE_PADDING}): every window sum is divided by {@code kernelH * kernelW},
 * forward and backward, on every backend against the reference, plus PyTorch's own numbers for a
 * small case worked by hand.
 */
class AvgPoolCountIncludePadParityTest {

    @RegisterExtension
    static final ParityBackends backends = new ParityBackends(ParityLedger.Suite.PARITY);

    record Case(String label, int n, int c, int h, int w, Pool2dSpec spec) {
        Pool2dGeometry geometry() {
            return Pool2dGeometry.of("case", Shape.of(n, c, h, w), spec);
        }

        @Override
        public String toString() {
            return label + ": x (" + n + "," + c + "," + h + "," + w + ") " + spec;
        }
    }

    static Stream<Arguments> cases() {
        return ParityCases.onEveryProvider(List.of(
                new Case("3x3 stride 1 pad 1", 2, 3, 7, 6, Pool2dSpec.of(3, 1, 1).withCountIncludePad()),
                new Case("3x3 stride 2 pad 1", 1, 5, 9, 11, Pool2dSpec.of(3, 2, 1).withCountIncludePad()),
                new Case("non-square", 1, 2, 5, 6, new Pool2dSpec(2, 3, 1, 2, 1, 1, true)),
                new Case("no padding (same as excluding)", 2, 4, 8, 8, Pool2dSpec.of(2).withCountIncludePad())));
    }

    /**
     * torch.nn.functional.avg_pool2d(torch.ones(1, 1, 3, 3), 3, 1, 1) is 4/9, 6/9, 4/9 / 6/9, 1, 6/9 / ...
     * with count_include_pad=True (its default); without, every window averages ones to 1.
     */
    static Stream<Arguments> ones() {
        return ParityCases.onEveryProvider(List.of("ones 3x3, count_include_pad"));
    }

    @ParameterizedTest(name = "[{0}] {1}")
    @MethodSource("ones")
    void matchesPyTorchOnOnes(BackendUnderTest target, String label) {
        Backend b = backends.open(target, "avgPool2dForward", label);
        float[] ones = {1, 1, 1, 1, 1, 1, 1, 1, 1};
        Case c = new Case("ones", 1, 1, 3, 3, Pool2dSpec.of(3, 1, 1).withCountIncludePad());
        float[] y = forward(b, c, ones);
        float f = 4f / 9, e = 6f / 9;
        assertArrayEquals(new float[] {f, e, f, e, 1, e, f, e, f}, y, 1e-6f);
        float[] excluded = forward(b, new Case("ones", 1, 1, 3, 3, Pool2dSpec.of(3, 1, 1)), ones);
        assertArrayEquals(ones, excluded, 1e-6f);
    }

    @ParameterizedTest(name = "[{0}] {1}")
    @MethodSource("cases")
    void forward(BackendUnderTest target, Case c) {
        Backend backend = backends.open(target, "avgPool2dForward", c);
        float[] x = uniform(SeededInputs.random("avgPool2dForward include pad " + c),
                (int) c.geometry().inputShape().size(), -2, 2);
        float[] expected = forward(backends.reference(), c, x);
        float[] actual = forward(backend, c, x);
        float[] scale = forward(backends.reference(), c, abs(x));
        ParityAssertions.assertClose("avgPool2dForward 'y' [" + c + "] on " + target, c.geometry().outputShape(),
                actual, expected, scale, Tolerances.avgPool2dForward(c.spec()));
    }

    @ParameterizedTest(name = "[{0}] {1}")
    @MethodSource("cases")
    void backward(BackendUnderTest target, Case c) {
        Backend backend = backends.open(target, "avgPool2dBackward", c);
        float[] dy = uniform(SeededInputs.random("avgPool2dBackward include pad " + c),
                (int) c.geometry().outputShape().size(), -2, 2);
        float[] expected = backward(backends.reference(), c, dy);
        float[] actual = backward(backend, c, dy);
        float[] scale = backward(backends.reference(), c, abs(dy));
        ParityAssertions.assertClose("avgPool2dBackward 'dx' [" + c + "] on " + target, c.geometry().inputShape(),
                actual, expected, scale, Tolerances.avgPool2dBackward(c.spec()));
    }

    private static float[] forward(Backend be, Case c, float[] xValues) {
        Pool2dGeometry g = c.geometry();
        Tensor x = be.fromHost(g.inputShape(), xValues);
        Tensor y = be.zeros(g.outputShape());
        be.fill(y, Float.NaN);
        be.avgPool2dForward(x, c.spec(), y);
        return y.toFloatArray();
    }

    private static float[] backward(Backend be, Case c, float[] dyValues) {
        Pool2dGeometry g = c.geometry();
        Tensor dy = be.fromHost(g.outputShape(), dyValues);
        Tensor dx = be.zeros(g.inputShape());
        be.fill(dx, Float.NaN);
        be.avgPool2dBackward(dy, c.spec(), dx);
        return dx.toFloatArray();
    }
}
