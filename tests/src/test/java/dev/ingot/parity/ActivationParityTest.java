package dev.ingot.parity;

import dev.ingot.core.Backend;
import dev.ingot.core.Shape;
import dev.ingot.core.Tensor;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static dev.ingot.parity.SeededInputs.uniform;

/**
 * ReLU forward and backward on every backend against the reference: sizes around the vector widths
 * (tails of 1..15 elements after whole vectors), exact zeros and negative zeros in the input (the
 * boundary of {@code x > 0} and {@code y > 0}), in place, and every activation of the reference
 * models.
 */
class ActivationParityTest {

    @RegisterExtension
    static final ParityBackends backends = new ParityBackends(ParityLedger.Suite.PARITY);

    /** {@code inPlace}: the output is the input tensor ({@code y = x}, {@code dx = dy}). */
    record ReluCase(String label, Shape shape, boolean inPlace) {
        @Override
        public String toString() {
            return (label.isEmpty() ? "" : label + " ") + shape + (inPlace ? " in place" : "");
        }
    }

    static List<ReluCase> reluCases() {
        List<ReluCase> cases = new ArrayList<>();
        for (Shape s : List.of(Shape.of(1), Shape.of(7), Shape.of(15), Shape.of(16), Shape.of(17), Shape.of(33, 3),
                Shape.of(1000), Shape.of(4099), Shape.of(2, 3, 5, 7))) {
            cases.add(new ReluCase("", s, false));
            cases.add(new ReluCase("", s, true));
        }
        for (ReferenceModelLayers.Activation a : ReferenceModelLayers.activations()) {
            cases.add(new ReluCase(a.name(), a.shape(), false));
        }
        return cases;
    }

    static Stream<Arguments> cases() {
        return ParityCases.onEveryProvider(reluCases());
    }

    /** Uniform in [-2, 2] with every 7th value an exact 0 and every 11th a -0. */
    private static float[] withZeros(SplittableRandom rnd, int n) {
        float[] v = uniform(rnd, n, -2, 2);
        for (int i = 0; i < n; i += 7) {
            v[i] = 0f;
        }
        for (int i = 3; i < n; i += 11) {
            v[i] = -0f;
        }
        return v;
    }

    @ParameterizedTest(name = "[{0}] {1}")
    @MethodSource("cases")
    void reluForward(BackendUnderTest target, ReluCase c) {
        Backend backend = backends.open(target, "reluForward", c);
        Backend reference = backends.reference();
        float[] x = withZeros(SeededInputs.random("reluForward " + c), (int) c.shape().size());
        float[] expected = forward(reference, c, x);
        float[] actual = forward(backend, c, x);
        ParityAssertions.assertClose("reluForward 'y' [" + c + "] on " + target, c.shape(), actual, expected, null,
                Tolerances.relu());
    }

    private static float[] forward(Backend be, ReluCase c, float[] xValues) {
        Tensor x = be.fromHost(c.shape(), xValues);
        Tensor y = c.inPlace() ? x : be.zeros(c.shape());
        if (!c.inPlace()) {
            be.fill(y, Float.NaN);
        }
        be.reluForward(x, y);
        return y.toFloatArray();
    }

    @ParameterizedTest(name = "[{0}] {1}")
    @MethodSource("cases")
    void reluBackward(BackendUnderTest target, ReluCase c) {
        Backend backend = backends.open(target, "reluBackward", c);
        Backend reference = backends.reference();
        SplittableRandom rnd = SeededInputs.random("reluBackward " + c);
        float[] y = forward(reference, new ReluCase("", c.shape(), false), withZeros(rnd, (int) c.shape().size()));
        float[] dy = uniform(rnd, (int) c.shape().size(), -2, 2);
        float[] expected = backward(reference, c, y, dy);
        float[] actual = backward(backend, c, y, dy);
        ParityAssertions.assertClose("reluBackward 'dx' [" + c + "] on " + target, c.shape(), actual, expected, null,
                Tolerances.relu());
    }

    private static float[] backward(Backend be, ReluCase c, float[] yValues, float[] dyValues) {
        Tensor y = be.fromHost(c.shape(), yValues);
        Tensor dy = be.fromHost(c.shape(), dyValues);
        Tensor dx = c.inPlace() ? dy : be.zeros(c.shape());
        if (!c.inPlace()) {
            be.fill(dx, Float.NaN);
        }
        be.reluBackward(y, dy, dx);
        return dx.toFloatArray();
    }
}
