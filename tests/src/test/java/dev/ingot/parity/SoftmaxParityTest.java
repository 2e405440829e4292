package dev.ingot.parity;

import dev.ingot.core.Backend;
import dev.ingot.core.Shape;
import dev.ingot.core.Tensor;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static dev.ingot.parity.SeededInputs.uniform;

/**
 * Softmax and log-softmax, forward and backward, on every backend against the reference: one
 * column, one row, rows that are not a multiple of the vector width (3, 10, 17, 33, 1000 columns),
 * the models' (batch, 10) logits, and large logits (|x| up to 80) where only max-subtraction keeps
 * exp from overflowing.
 */
class SoftmaxParityTest {

    @RegisterExtension
    static final ParityBackends backends = new ParityBackends(ParityLedger.Suite.PARITY);

    /** (rows, cols) logits uniform in [-bound, bound]. */
    record SoftmaxCase(int rows, int cols, double bound) {
        Shape shape() {
            return Shape.of(rows, cols);
        }

        @Override
        public String toString() {
            return "(" + rows + ", " + cols + ") |x| <= " + bound;
        }
    }

    static List<SoftmaxCase> softmaxCases() {
        return List.of(
                new SoftmaxCase(1, 1, 2), new SoftmaxCase(1, 10, 2), new SoftmaxCase(3, 17, 2),
                new SoftmaxCase(5, 33, 2), new SoftmaxCase(7, 1000, 2), new SoftmaxCase(2, 3, 2),
                new SoftmaxCase(ReferenceModelLayers.BATCH, 10, 4), new SoftmaxCase(64, 10, 4),
                new SoftmaxCase(4, 10, 50), new SoftmaxCase(2, 100, 80));
    }

    static Stream<Arguments> cases() {
        return ParityCases.onEveryProvider(softmaxCases());
    }

    @ParameterizedTest(name = "[{0}] {1}")
    @MethodSource("cases")
    void softmaxForward(BackendUnderTest target, SoftmaxCase c) {
        Backend backend = backends.open(target, "softmaxForward", c);
        Backend reference = backends.reference();
        float[] x = uniform(SeededInputs.random("softmaxForward " + c), c.rows() * c.cols(), -c.bound(), c.bound());
        float[] expected = forward(reference, c, x, false);
        float[] actual = forward(backend, c, x, false);
        ParityAssertions.assertClose("softmaxForward 'y' [" + c + "] on " + target, c.shape(), actual, expected, null,
                Tolerances.softmaxForward(c.cols(), c.bound()));
    }

    @ParameterizedTest(name = "[{0}] {1}")
    @MethodSource("cases")
    void logSoftmaxForward(BackendUnderTest target, SoftmaxCase c) {
        Backend backend = backends.open(target, "logSoftmaxForward", c);
        Backend reference = backends.reference();
        float[] x = uniform(SeededInputs.random("logSoftmaxForward " + c), c.rows() * c.cols(), -c.bound(), c.bound());
        float[] expected = forward(reference, c, x, true);
        float[] actual = forward(backend, c, x, true);
        ParityAssertions.assertClose("logSoftmaxForward 'y' [" + c + "] on " + target, c.shape(), actual, expected,
                null, Tolerances.logSoftmaxForward(c.cols(), c.bound()));
    }

    private static float[] forward(Backend be, SoftmaxCase c, float[] xValues, boolean log) {
        Tensor x = be.fromHost(c.shape(), xValues);
        Tensor y = be.zeros(c.shape());
        be.fill(y, Float.NaN);
        if (log) {
            be.logSoftmaxForward(x, y);
        } else {
            be.softmaxForward(x, y);
        }
        return y.toFloatArray();
    }

    @ParameterizedTest(name = "[{0}] {1}")
    @MethodSource("cases")
    void softmaxBackward(BackendUnderTest target, SoftmaxCase c) {
        Backend backend = backends.open(target, "softmaxBackward", c);
        Backend reference = backends.reference();
        SplittableRandom rnd = SeededInputs.random("softmaxBackward " + c);
        float[] y = forward(reference, c, uniform(rnd, c.rows() * c.cols(), -c.bound(), c.bound()), false);
        float[] dy = uniform(rnd, c.rows() * c.cols(), -2, 2);
        float[] expected = backward(reference, c, y, dy, false);
        float[] actual = backward(backend, c, y, dy, false);
        // Scale: y_i * (|dy_i| + sum_j |dy_j| * y_j), the magnitude of the terms of y_i * (dy_i - sum_j dy_j y_j).
        float[] scale = new float[y.length];
        for (int n = 0; n < c.rows(); n++) {
            double dot = 0;
            for (int j = 0; j < c.cols(); j++) {
                dot += Math.abs(dy[n * c.cols() + j]) * y[n * c.cols() + j];
            }
            for (int i = 0; i < c.cols(); i++) {
                scale[n * c.cols() + i] = (float) (y[n * c.cols() + i] * (Math.abs(dy[n * c.cols() + i]) + dot));
            }
        }
        ParityAssertions.assertClose("softmaxBackward 'dx' [" + c + "] on " + target, c.shape(), actual, expected,
                scale, Tolerances.softmaxBackward(c.cols()));
    }

    @ParameterizedTest(name = "[{0}] {1}")
    @MethodSource("cases")
    void logSoftmaxBackward(BackendUnderTest target, SoftmaxCase c) {
        Backend backend = backends.open(target, "logSoftmaxBackward", c);
        Backend reference = backends.reference();
        SplittableRandom rnd = SeededInputs.random("logSoftmaxBackward " + c);
        float[] y = forward(reference, c, uniform(rnd, c.rows() * c.cols(), -c.bound(), c.bound()), true);
        float[] dy = uniform(rnd, c.rows() * c.cols(), -2, 2);
        float[] expected = backward(reference, c, y, dy, true);
        float[] actual = backward(backend, c, y, dy, true);
        // Scale: |dy_i| + exp(y_i) * sum_j |dy_j|, the magnitude of the terms of dy_i - exp(y_i) * sum_j dy_j.
        float[] scale = new float[y.length];
        for (int n = 0; n < c.rows(); n++) {
            double sum = 0;
            for (int j = 0; j < c.cols(); j++) {
                sum += Math.abs(dy[n * c.cols() + j]);
            }
            for (int i = 0; i < c.cols(); i++) {
                scale[n * c.cols() + i] = (float) (Math.abs(dy[n * c.cols() + i]) + Math.exp(y[n * c.cols() + i]) * sum);
            }
        }
        ParityAssertions.assertClose("logSoftmaxBackward 'dx' [" + c + "] on " + target, c.shape(), actual, expected,
                scale, Tolerances.logSoftmaxBackward(c.cols()));
    }

    private static float[] backward(Backend be, SoftmaxCase c, float[] yValues, float[] dyValues, boolean log) {
        Tensor y = be.fromHost(c.shape(), yValues);
        Tensor dy = be.fromHost(c.shape(), dyValues);
        Tensor dx = be.zeros(c.shape());
        be.fill(dx, Float.NaN);
        if (log) {
            be.logSoftmaxBackward(y, dy, dx);
        } else {
            be.softmaxBackward(y, dy, dx);
        }
        return dx.toFloatArray();
    }
}
