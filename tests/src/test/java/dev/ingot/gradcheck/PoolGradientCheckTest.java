package dev.ingot.gradcheck;

import dev.ingot.core.Backend;
import dev.ingot.core.Shape;
import dev.ingot.core.Tensor;
import dev.ingot.core.TensorScope;
import dev.ingot.core.spec.Pool2dGeometry;
import dev.ingot.core.spec.Pool2dSpec;
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

import static dev.ingot.parity.SeededInputs.distinct;
import static dev.ingot.parity.SeededInputs.uniform;

/**
 * Max- and average-pooling gradients against central differences of their forward kernels:
 * non-overlapping, strided with padding, and overlapping windows, on the reference and every
 * available backend. Max-pool inputs are distinct and the step is a quarter of their spacing, so
 * no perturbation changes which pixel wins a window.
 */
class PoolGradientCheckTest {

    @RegisterExtension
    static final ParityBackends backends = new ParityBackends(ParityLedger.Suite.GRADCHECK);

    record PoolCase(String label, Shape x, Pool2dSpec spec) {
        Pool2dGeometry geometry() {
            return Pool2dGeometry.of("case", x, spec);
        }

        @Override
        public String toString() {
            return label + ": x " + x + " " + spec;
        }
    }

    static Stream<Arguments> cases() {
        return ParityCases.onReferenceAndEveryProvider(List.of(
                new PoolCase("2x2 stride 2", Shape.of(2, 3, 6, 6), Pool2dSpec.of(2)),
                new PoolCase("3x3 stride 2 pad 1", Shape.of(1, 2, 7, 7), Pool2dSpec.of(3, 2, 1)),
                new PoolCase("overlapping 3x3 stride 1 pad 1", Shape.of(2, 2, 5, 6), Pool2dSpec.of(3, 1, 1))));
    }

    @ParameterizedTest(name = "[{0}] {1}")
    @MethodSource("cases")
    void maxPool2dBackward(BackendUnderTest target, PoolCase c) {
        Backend be = backends.open(target, "maxPool2dBackward", c);
        SplittableRandom rnd = SeededInputs.random("grad maxPool2dBackward " + c);
        int size = (int) c.x().size();
        float[] x = distinct(rnd, size, -2, 2);
        Shape yShape = c.geometry().outputShape();
        float[] r = uniform(rnd, (int) yShape.size(), -1, 1);
        Tensor tx = be.fromHost(c.x(), x);
        Tensor y = be.zeros(yShape);
        be.maxPool2dForward(tx, c.spec(), y);
        Tensor dx = be.zeros(c.x());
        be.maxPool2dBackward(tx, y, be.fromHost(yShape, r), c.spec(), dx);
        Steps steps = Steps.piecewiseLinear(4.0 / size / 4); // a quarter of the spacing of the distinct inputs
        FiniteDifferences.assertGradient("maxPool2dBackward dL/dx [" + c + "] on " + target, c.x(), x,
                dx.toFloatArray(), xs -> objective(be, c, xs, r, true), steps.h(), steps.tol(), steps.why(), rnd);
    }

    @ParameterizedTest(name = "[{0}] {1}")
    @MethodSource("cases")
    void avgPool2dBackward(BackendUnderTest target, PoolCase c) {
        Backend be = backends.open(target, "avgPool2dBackward", c);
        SplittableRandom rnd = SeededInputs.random("grad avgPool2dBackward " + c);
        float[] x = uniform(rnd, (int) c.x().size(), -2, 2);
        Shape yShape = c.geometry().outputShape();
        float[] r = uniform(rnd, (int) yShape.size(), -1, 1);
        Tensor dx = be.zeros(c.x());
        be.avgPool2dBackward(be.fromHost(yShape, r), c.spec(), dx);
        FiniteDifferences.assertGradient("avgPool2dBackward dL/dx [" + c + "] on " + target, c.x(), x,
                dx.toFloatArray(), xs -> objective(be, c, xs, r, false), Steps.LINEAR.h(), Steps.LINEAR.tol(),
                Steps.LINEAR.why(), rnd);
    }

    /** {@code L = sum(r * pool(x))}. */
    private static double objective(Backend be, PoolCase c, float[] x, float[] r, boolean max) {
        try (TensorScope _ = TensorScope.open()) {
            Tensor tx = be.fromHost(c.x(), x);
            Tensor y = be.zeros(c.geometry().outputShape());
            if (max) {
                be.maxPool2dForward(tx, c.spec(), y);
            } else {
                be.avgPool2dForward(tx, c.spec(), y);
            }
            return FiniteDifferences.dot(r, y.toFloatArray());
        }
    }
}
