package dev.ingot.gradcheck;

import dev.ingot.core.Backend;
import dev.ingot.core.Shape;
import dev.ingot.core.Tensor;
import dev.ingot.core.TensorScope;
import dev.ingot.core.spec.BatchNormSpec;
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
 * Batch normalisation's fused backward pass against central differences of the training-mode
 * forward pass, {@code L = sum(r * y)}: dL/dx (smooth: x enters through the batch mean and variance),
 * dL/dgamma and dL/dbeta (linear), and dgamma/dbeta again with {@code dx = null}. On the reference and
 * every available backend; shapes with 1x1 planes (M = N), odd planes, and several channels.
 */
class NormalizationGradientCheckTest {

    @RegisterExtension
    static final ParityBackends backends = new ParityBackends(ParityLedger.Suite.GRADCHECK);

    private static final BatchNormSpec SPEC = BatchNormSpec.DEFAULT;

    static Stream<Arguments> shapes() {
        return ParityCases.onReferenceAndEveryProvider(List.of(Shape.of(4, 2, 1, 1), Shape.of(2, 3, 3, 3),
                Shape.of(3, 2, 2, 5)));
    }

    private record Inputs(float[] x, float[] gamma, float[] beta, float[] r) {
        static Inputs of(Shape shape, String what) {
            SplittableRandom rnd = SeededInputs.random(what + " " + shape);
            int c = shape.dim(1);
            return new Inputs(uniform(rnd, (int) shape.size(), -2, 2), uniform(rnd, c, 0.5, 1.5),
                    uniform(rnd, c, -1, 1), uniform(rnd, (int) shape.size(), -1, 1));
        }
    }

    /** {@code sum(r * y)} with y the training-mode output for these x, gamma, beta. */
    private static double objective(Backend be, Shape shape, float[] x, float[] gamma, float[] beta, float[] r) {
        try (TensorScope _ = TensorScope.open()) {
            Shape ch = Shape.of(shape.dim(1));
            Tensor y = be.zeros(shape);
            be.batchNorm2dForwardTraining(be.fromHost(shape, x), be.fromHost(ch, gamma), be.fromHost(ch, beta), SPEC,
                    be.zeros(ch), be.zeros(ch), y, be.zeros(ch), be.zeros(ch));
            return FiniteDifferences.dot(r, y.toFloatArray());
        }
    }

    /** dx (or null when {@code withDx} is false), dgamma, dbeta for {@code dy = r}. */
    private static float[][] gradients(Backend be, Shape shape, Inputs in, boolean withDx) {
        Shape ch = Shape.of(shape.dim(1));
        Tensor x = be.fromHost(shape, in.x()), gamma = be.fromHost(ch, in.gamma());
        Tensor mean = be.zeros(ch), inv = be.zeros(ch);
        be.batchNorm2dForwardTraining(x, gamma, be.fromHost(ch, in.beta()), SPEC, be.zeros(ch), be.zeros(ch),
                be.zeros(shape), mean, inv);
        Tensor dx = withDx ? be.zeros(shape) : null;
        Tensor dg = be.zeros(ch), db = be.zeros(ch);
        be.batchNorm2dBackward(x, be.fromHost(shape, in.r()), gamma, mean, inv, dx, dg, db);
        return new float[][] {dx == null ? null : dx.toFloatArray(), dg.toFloatArray(), db.toFloatArray()};
    }

    @ParameterizedTest(name = "[{0}] {1}")
    @MethodSource("shapes")
    void batchNorm2dBackwardInput(BackendUnderTest target, Shape shape) {
        Backend be = backends.open(target, "batchNorm2dBackward dx", shape);
        Inputs in = Inputs.of(shape, "grad batchNorm2dBackward dx");
        float[][] g = gradients(be, shape, in, true);
        FiniteDifferences.assertGradient("batchNorm2dBackward dL/dx [" + shape + "] on " + target, shape, in.x(), g[0],
                xs -> objective(be, shape, xs, in.gamma(), in.beta(), in.r()), Steps.SMOOTH.h(), Steps.SMOOTH.tol(),
                Steps.SMOOTH.why(), SeededInputs.random("sample dx " + shape));
    }

    @ParameterizedTest(name = "[{0}] {1}")
    @MethodSource("shapes")
    void batchNorm2dBackwardScaleAndShift(BackendUnderTest target, Shape shape) {
        Backend be = backends.open(target, "batchNorm2dBackward dgamma dbeta", shape);
        Inputs in = Inputs.of(shape, "grad batchNorm2dBackward dgamma");
        Shape ch = Shape.of(shape.dim(1));
        for (boolean withDx : new boolean[] {true, false}) {
            float[][] g = gradients(be, shape, in, withDx);
            String how = withDx ? "" : " (dx null)";
            FiniteDifferences.assertGradient("batchNorm2dBackward dL/dgamma" + how + " [" + shape + "] on " + target, ch,
                    in.gamma(), g[1], gs -> objective(be, shape, in.x(), gs, in.beta(), in.r()), Steps.LINEAR.h(),
                    Steps.LINEAR.tol(), Steps.LINEAR.why(), SeededInputs.random("sample dgamma " + shape));
            FiniteDifferences.assertGradient("batchNorm2dBackward dL/dbeta" + how + " [" + shape + "] on " + target, ch,
                    in.beta(), g[2], bs -> objective(be, shape, in.x(), in.gamma(), bs, in.r()), Steps.LINEAR.h(),
                    Steps.LINEAR.tol(), Steps.LINEAR.why(), SeededInputs.random("sample dbeta " + shape));
        }
    }
}
