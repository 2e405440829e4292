package dev.ingot.parity;

import dev.ingot.core.Backend;
import dev.ingot.core.Shape;
import dev.ingot.core.Tensor;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.stream.Stream;

import static dev.ingot.parity.SeededInputs.uniform;
import static dev.ingot.parity.Tolerances.U;

/**
 * Global average pooling forward and backward on every backend against the reference: 1x1 planes,
 * planes around the vector widths, ResNet-20's last stage (64 channels of 8x8) and ResNet-18's (512
 * of 7x7). Tolerances: the forward pass is a sum of H*W terms and one division (relative to the
 * mean of |x|); the backward pass one division, or a product by 1/(H*W) (two roundings).
 */
class GlobalAvgPoolParityTest {

    @RegisterExtension
    static final ParityBackends backends = new ParityBackends(ParityLedger.Suite.PARITY);

    static Stream<Arguments> cases() {
        return ParityCases.onEveryProvider(List.of(Shape.of(2, 3, 1, 1), Shape.of(2, 3, 3, 5), Shape.of(3, 2, 4, 4),
                Shape.of(1, 5, 1, 17), Shape.of(4, 64, 8, 8), Shape.of(2, 512, 7, 7), Shape.of(2, 4, 32, 32)));
    }

    @ParameterizedTest(name = "[{0}] {1}")
    @MethodSource("cases")
    void globalAvgPool2dForward(BackendUnderTest target, Shape shape) {
        Backend backend = backends.open(target, "globalAvgPool2dForward", shape);
        Backend reference = backends.reference();
        float[] x = uniform(SeededInputs.random("globalAvgPool2dForward " + shape), (int) shape.size(), -2, 2);
        Shape out = Shape.of(shape.dim(0), shape.dim(1));
        float[] want = forward(reference, shape, x);
        float[] got = forward(backend, shape, x);
        float[] scale = forward(reference, shape, SeededInputs.abs(x));
        int hw = shape.dim(2) * shape.dim(3);
        ParityAssertions.assertClose("globalAvgPool2dForward 'y' [" + shape + "] on " + target, out, got, want, scale,
                Tolerances.sumOfTerms(hw + 1L, "globalAvgPool2dForward (H*W terms and a division)"));
    }

    private static float[] forward(Backend be, Shape shape, float[] xs) {
        Tensor y = be.zeros(Shape.of(shape.dim(0), shape.dim(1)));
        be.fill(y, Float.NaN);
        be.globalAvgPool2dForward(be.fromHost(shape, xs), y);
        return y.toFloatArray();
    }

    @ParameterizedTest(name = "[{0}] {1}")
    @MethodSource("cases")
    void globalAvgPool2dBackward(BackendUnderTest target, Shape shape) {
        Backend backend = backends.open(target, "globalAvgPool2dBackward", shape);
        Backend reference = backends.reference();
        Shape out = Shape.of(shape.dim(0), shape.dim(1));
        float[] dy = uniform(SeededInputs.random("globalAvgPool2dBackward " + shape), (int) out.size(), -2, 2);
        float[] want = backward(reference, shape, dy);
        float[] got = backward(backend, shape, dy);
        ParityAssertions.assertClose("globalAvgPool2dBackward 'dx' [" + shape + "] on " + target, shape, got, want,
                null, new Tolerance(2 * U, 0, "dy/(H*W): one division, or a product by a rounded 1/(H*W)"));
    }

    private static float[] backward(Backend be, Shape shape, float[] dys) {
        Tensor dx = be.zeros(shape);
        be.fill(dx, Float.NaN);
        be.globalAvgPool2dBackward(be.fromHost(Shape.of(shape.dim(0), shape.dim(1)), dys), dx);
        return dx.toFloatArray();
    }
}
