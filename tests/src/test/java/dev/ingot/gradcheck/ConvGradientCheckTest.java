package dev.ingot.gradcheck;

import dev.ingot.core.Backend;
import dev.ingot.core.Shape;
import dev.ingot.core.Tensor;
import dev.ingot.core.TensorScope;
import dev.ingot.core.spec.Conv2dGeometry;
import dev.ingot.core.spec.Conv2dSpec;
import dev.ingot.parity.BackendUnderTest;
import dev.ingot.parity.ParityBackends;
import dev.ingot.parity.ParityCases;
import dev.ingot.parity.ParityLedger;
import dev.ingot.parity.SeededInputs;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static dev.ingot.parity.SeededInputs.uniform;

/**
 * The three convolution gradients (data, filter, bias) against central differences of
 * {@code conv2dForward}, with stride, padding, dilation and asymmetric geometry, on the reference
 * and every available backend.
 */
class ConvGradientCheckTest {

    @RegisterExtension
    static final ParityBackends backends = new ParityBackends(ParityLedger.Suite.GRADCHECK);

    record ConvCase(String label, Shape x, Shape w, Conv2dSpec spec) {
        Conv2dGeometry geometry() {
            return Conv2dGeometry.of("case", x, w, spec);
        }

        @Override
        public String toString() {
            return label + ": x " + x + " w " + w + " " + spec;
        }
    }

    static Stream<Arguments> cases() {
        return ParityCases.onReferenceAndEveryProvider(List.of(
                new ConvCase("valid", Shape.of(2, 3, 6, 5), Shape.of(4, 3, 3, 3), Conv2dSpec.DEFAULT),
                new ConvCase("stride 2 pad 1", Shape.of(1, 2, 7, 7), Shape.of(3, 2, 3, 3), Conv2dSpec.of(2, 1)),
                new ConvCase("dilation 2 pad 1", Shape.of(2, 2, 7, 6), Shape.of(2, 2, 3, 2), Conv2dSpec.of(1, 1, 2)),
                new ConvCase("asymmetric", Shape.of(1, 3, 5, 8), Shape.of(2, 3, 2, 3), new Conv2dSpec(1, 2, 1, 0, 2, 1))));
    }

    private record Inputs(float[] x, float[] w, float[] b, float[] r) {
        static Inputs of(ConvCase c, SplittableRandom rnd) {
            Conv2dGeometry g = c.geometry();
            return new Inputs(uniform(rnd, (int) c.x().size(), -2, 2), uniform(rnd, (int) c.w().size(), -2, 2),
                    uniform(rnd, g.k(), -2, 2), uniform(rnd, (int) g.outputShape().size(), -1, 1));
        }
    }

    /** {@code L = sum(r * conv2dForward(x, w, b))}. */
    private static double objective(Backend be, ConvCase c, float[] x, float[] w, float[] b, float[] r) {
        Conv2dGeometry g = c.geometry();
        try (TensorScope _ = TensorScope.open()) {
            Tensor y = be.zeros(g.outputShape());
            be.conv2dForward(be.fromHost(c.x(), x), be.fromHost(c.w(), w), be.fromHost(Shape.of(g.k()), b), c.spec(), y);
            return FiniteDifferences.dot(r, y.toFloatArray());
        }
    }

    @ParameterizedTest(name = "[{0}] {1}")
    @MethodSource("cases")
    void conv2dBackwardData(BackendUnderTest target, ConvCase c) {
        Backend be = backends.open(target, "conv2dBackwardData", c);
        SplittableRandom rnd = SeededInputs.random("grad conv2dBackwardData " + c);
        Inputs in = Inputs.of(c, rnd);
        Tensor dx = be.zeros(c.x());
        be.conv2dBackwardData(be.fromHost(c.geometry().outputShape(), in.r()), be.fromHost(c.w(), in.w()), c.spec(), dx);
        FiniteDifferences.assertGradient("conv2dBackwardData dL/dx [" + c + "] on " + target, c.x(), in.x(),
                dx.toFloatArray(), x -> objective(be, c, x, in.w(), in.b(), in.r()), Steps.LINEAR.h(),
                Steps.LINEAR.tol(), Steps.LINEAR.why(), rnd);
    }

    @ParameterizedTest(name = "[{0}] {1}")
    @MethodSource("cases")
    void conv2dBackwardFilter(BackendUnderTest target, ConvCase c) {
        Backend be = backends.open(target, "conv2dBackwardFilter", c);
        SplittableRandom rnd = SeededInputs.random("grad conv2dBackwardFilter " + c);
        Inputs in = Inputs.of(c, rnd);
        Tensor dw = be.zeros(c.w());
        be.conv2dBackwardFilter(be.fromHost(c.x(), in.x()), be.fromHost(c.geometry().outputShape(), in.r()), c.spec(), dw);
        FiniteDifferences.assertGradient("conv2dBackwardFilter dL/dw [" + c + "] on " + target, c.w(), in.w(),
                dw.toFloatArray(), w -> objective(be, c, in.x(), w, in.b(), in.r()), Steps.LINEAR.h(),
                Steps.LINEAR.tol(), Steps.LINEAR.why(), rnd);
    }

    @ParameterizedTest(name = "[{0}] {1}")
    @MethodSource("cases")
    void conv2dBackwardBias(BackendUnderTest target, ConvCase c) {
        Backend be = backends.open(target, "conv2dBackwardBias", c);
        SplittableRandom rnd = SeededInputs.random("grad conv2dBackwardBias " + c);
        Inputs in = Inputs.of(c, rnd);
        Shape bShape = Shape.of(c.geometry().k());
        Tensor db = be.zeros(bShape);
        be.conv2dBackwardBias(be.fromHost(c.geometry().outputShape(), in.r()), db);
        FiniteDifferences.assertGradient("conv2dBackwardBias dL/db [" + c + "] on " + target, bShape, in.b(),
                db.toFloatArray(), b -> objective(be, c, in.x(), in.w(), b, in.r()), Steps.LINEAR.h(),
                Steps.LINEAR.tol(), Steps.LINEAR.why(), rnd);
    }
}
