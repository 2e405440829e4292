package dev.ingot.gradcheck;

import dev.ingot.core.Backend;
import dev.ingot.core.Shape;
import dev.ingot.core.Tensor;
import dev.ingot.core.TensorScope;
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

import static dev.ingot.parity.SeededInputs.labels;
import static dev.ingot.parity.SeededInputs.uniform;

/**
 * ReLU, softmax, log-softmax and softmax cross-entropy gradients against central differences of
 * their forward kernels, on the reference and every available backend.
 */
class ActivationGradientCheckTest {

    @RegisterExtension
    static final ParityBackends backends = new ParityBackends(ParityLedger.Suite.GRADCHECK);

    static Stream<Arguments> reluShapes() {
        return ParityCases.onReferenceAndEveryProvider(List.of(Shape.of(3, 17), Shape.of(2, 3, 4, 5)));
    }

    static Stream<Arguments> rowShapes() {
        return ParityCases.onReferenceAndEveryProvider(List.of(Shape.of(4, 10), Shape.of(3, 7), Shape.of(2, 33),
                Shape.of(1, 1)));
    }

    /** Values in [-2, -0.1] or [0.1, 2]: at least 0.1 from ReLU's kink at 0, ten times the step. */
    private static float[] awayFromZero(SplittableRandom rnd, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) ((rnd.nextBoolean() ? 1 : -1) * rnd.nextDouble(0.1, 2));
        }
        return v;
    }

    @ParameterizedTest(name = "[{0}] {1}")
    @MethodSource("reluShapes")
    void reluBackward(BackendUnderTest target, Shape shape) {
        Backend be = backends.open(target, "reluBackward", shape);
        SplittableRandom rnd = SeededInputs.random("grad reluBackward " + shape);
        float[] x = awayFromZero(rnd, (int) shape.size());
        float[] r = uniform(rnd, x.length, -1, 1);
        Tensor y = be.zeros(shape);
        be.reluForward(be.fromHost(shape, x), y);
        Tensor dx = be.zeros(shape);
        be.reluBackward(y, be.fromHost(shape, r), dx);
        Steps steps = Steps.piecewiseLinear(0.01);
        FiniteDifferences.assertGradient("reluBackward dL/dx [" + shape + "] on " + target, shape, x, dx.toFloatArray(),
                xs -> rowObjective(be, shape, xs, r, Kind.RELU), steps.h(), steps.tol(), steps.why(), rnd);
    }

    @ParameterizedTest(name = "[{0}] {1}")
    @MethodSource("rowShapes")
    void softmaxBackward(BackendUnderTest target, Shape shape) {
        Backend be = backends.open(target, "softmaxBackward", shape);
        SplittableRandom rnd = SeededInputs.random("grad softmaxBackward " + shape);
        float[] x = uniform(rnd, (int) shape.size(), -2, 2);
        float[] r = uniform(rnd, x.length, -1, 1);
        Tensor y = be.zeros(shape);
        be.softmaxForward(be.fromHost(shape, x), y);
        Tensor dx = be.zeros(shape);
        be.softmaxBackward(y, be.fromHost(shape, r), dx);
        FiniteDifferences.assertGradient("softmaxBackward dL/dx [" + shape + "] on " + target, shape, x,
                dx.toFloatArray(), xs -> rowObjective(be, shape, xs, r, Kind.SOFTMAX), Steps.SMOOTH.h(),
                Steps.SMOOTH.tol(), Steps.SMOOTH.why(), rnd);
    }

    @ParameterizedTest(name = "[{0}] {1}")
    @MethodSource("rowShapes")
    void logSoftmaxBackward(BackendUnderTest target, Shape shape) {
        Backend be = backends.open(target, "logSoftmaxBackward", shape);
        SplittableRandom rnd = SeededInputs.random("grad logSoftmaxBackward " + shape);
        float[] x = uniform(rnd, (int) shape.size(), -2, 2);
        float[] r = uniform(rnd, x.length, -1, 1);
        Tensor y = be.zeros(shape);
        be.logSoftmaxForward(be.fromHost(shape, x), y);
        Tensor dx = be.zeros(shape);
        be.logSoftmaxBackward(y, be.fromHost(shape, r), dx);
        FiniteDifferences.assertGradient("logSoftmaxBackward dL/dx [" + shape + "] on " + target, shape, x,
                dx.toFloatArray(), xs -> rowObjective(be, shape, xs, r, Kind.LOG_SOFTMAX), Steps.SMOOTH.h(),
                Steps.SMOOTH.tol(), Steps.SMOOTH.why(), rnd);
    }

    /**
     * The gradient of the mean loss itself (no r: the loss is already a scalar). Rows are few (at
     * most 4) so the gradient, which carries 1/N, stays large against the loss's float32 noise.
     */
    @ParameterizedTest(name = "[{0}] {1}")
    @MethodSource("rowShapes")
    void softmaxCrossEntropy(BackendUnderTest target, Shape shape) {
        Backend be = backends.open(target, "softmaxCrossEntropy", shape);
        SplittableRandom rnd = SeededInputs.random("grad softmaxCrossEntropy " + shape);
        float[] x = uniform(rnd, (int) shape.size(), -2, 2);
        Shape labelShape = Shape.of(shape.dim(0));
        int[] labels = labels(rnd, shape.dim(0), shape.dim(1));
        Tensor grad = be.zeros(shape);
        be.softmaxCrossEntropy(be.fromHost(shape, x), be.fromHost(labelShape, labels), be.zeros(Shape.scalar()), grad);
        FiniteDifferences.assertGradient("softmaxCrossEntropy dLoss/dlogits [" + shape + "] on " + target, shape, x,
                grad.toFloatArray(), xs -> {
                    try (TensorScope _ = TensorScope.open()) {
                        Tensor loss = be.zeros(Shape.scalar());
                        be.softmaxCrossEntropy(be.fromHost(shape, xs), be.fromHost(labelShape, labels), loss, null);
                        return loss.item();
                    }
                }, Steps.SMOOTH.h(), Steps.SMOOTH.tol(), Steps.SMOOTH.why(), rnd);
    }

    private enum Kind { RELU, SOFTMAX, LOG_SOFTMAX }

    /** {@code L = sum(r * f(x))}. */
    private static double rowObjective(Backend be, Shape shape, float[] x, float[] r, Kind kind) {
        try (TensorScope _ = TensorScope.open()) {
            Tensor tx = be.fromHost(shape, x);
            Tensor y = be.zeros(shape);
            switch (kind) {
                case RELU -> be.reluForward(tx, y);
                case SOFTMAX -> be.softmaxForward(tx, y);
                case LOG_SOFTMAX -> be.logSoftmaxForward(tx, y);
            }
            return FiniteDifferences.dot(r, y.toFloatArray());
        }
    }
}
