package dev.ingot.parity;

import dev.ingot.core.Backend;
import dev.ingot.core.Shape;
import dev.ingot.core.Tensor;
import dev.ingot.core.spec.GeluApproximation;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static dev.ingot.parity.SeededInputs.uniform;
import static dev.ingot.parity.Tolerances.U;

/**
 * GELU forward and backward, exact and tanh forms, on every backend against the reference (whose
 * exact form uses a double-precision erfc): sizes around the vector widths, inputs over [-8, 8]
 * (both tails and the kink region), in place.
 *
 * <p><b>Tolerances</b> (u = 2^-24):
 * <ul>
 *   <li>Exact forward: a float erf is good to a few u <em>absolute</em> (6u for the CPU's Eigen/XLA
 *       rational approximation; PyTorch's CPU GELU has the same kind of error), and
 *       {@code y = x (1 + erf)/2} turns that into about {@code 3u|x|}, plus a few roundings of |y|:
 *       {@code 8u (|x| + |y|)}. This is weak in the far negative tail (x below about -4.5, where
 *       |y| < 1e-5 is smaller than 8u|x|); a float erf cannot do better there.</li>
 *   <li>Tanh forward: written without cancellation, its error is relative: the exponent
 *       {@code -2u(x)} carries a few u times |2u(x)|, which exp turns into a relative error of y:
 *       {@code 8u |y| (2 + |2u(x)|)}, plus the double reference's own absolute 2^-53 |x|.</li>
 *   <li>Backward (both forms): {@code dy * gelu'(x)} with {@code gelu' = Phi + x phi} (or its tanh
 *       analogue): Phi's absolute error, phi's (exp's) relative error times |x| phi: scale
 *       {@code |dy| (1 + |x|)}, 16u for the tanh form whose derivative sums three rounded terms, 8u for the exact.</li>
 * </ul>
 */
class GeluParityTest {

    @RegisterExtension
    static final ParityBackends backends = new ParityBackends(ParityLedger.Suite.PARITY);

    record GeluCase(Shape shape, GeluApproximation form, boolean inPlace) {
        @Override
        public String toString() {
            return form + " " + shape + (inPlace ? " in place" : "");
        }
    }

    static Stream<Arguments> cases() {
        List<GeluCase> cases = new ArrayList<>();
        for (GeluApproximation form : GeluApproximation.values()) {
            for (Shape s : List.of(Shape.of(1), Shape.of(15), Shape.of(16), Shape.of(17), Shape.of(1000),
                    Shape.of(2, 3, 5, 7), Shape.of(8, 16, 32, 32))) {
                cases.add(new GeluCase(s, form, false));
            }
            cases.add(new GeluCase(Shape.of(33, 17), form, true));
        }
        return ParityCases.onEveryProvider(cases);
    }

    private static final double K = Math.sqrt(2 / Math.PI);

    @ParameterizedTest(name = "[{0}] {1}")
    @MethodSource("cases")
    void geluForward(BackendUnderTest target, GeluCase c) {
        Backend backend = backends.open(target, "geluForward", c);
        Backend reference = backends.reference();
        float[] x = uniform(SeededInputs.random("geluForward " + c), (int) c.shape().size(), -8, 8);
        float[] want = forward(reference, c, x, false);
        float[] got = forward(backend, c, x, c.inPlace());
        float[] scale = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            double v = x[i];
            scale[i] = (float) (c.form() == GeluApproximation.NONE
                    ? Math.abs(v) + Math.abs(want[i])
                    : Math.abs(want[i]) * (2 + 2 * K * Math.abs(v) * (1 + 0.044715 * v * v)) + 0x1p-53 / (8 * U) * Math.abs(v));
        }
        Tolerance tol = c.form() == GeluApproximation.NONE
                ? new Tolerance(8 * U, 0, "float erf's absolute error ~3u|x| plus roundings of |y|: 8u (|x| + |y|)")
                : new Tolerance(8 * U, 1e-37, "relative, the exponent's rounding times |2u(x)|: 8u |y| (2 + |2u(x)|);"
                + " values below 1e-37 may flush");
        ParityAssertions.assertClose("geluForward 'y' [" + c + "] on " + target, c.shape(), got, want, scale, tol);
    }

    private static float[] forward(Backend be, GeluCase c, float[] xs, boolean inPlace) {
        Tensor x = be.fromHost(c.shape(), xs);
        Tensor y = inPlace ? x : be.zeros(c.shape());
        be.geluForward(x, c.form(), y);
        return y.toFloatArray();
    }

    @ParameterizedTest(name = "[{0}] {1}")
    @MethodSource("cases")
    void geluBackward(BackendUnderTest target, GeluCase c) {
        Backend backend = backends.open(target, "geluBackward", c);
        Backend reference = backends.reference();
        SplittableRandom rnd = SeededInputs.random("geluBackward " + c);
        float[] x = uniform(rnd, (int) c.shape().size(), -8, 8);
        float[] dy = uniform(rnd, x.length, -1, 1);
        float[] want = backward(reference, c, x, dy, false);
        float[] got = backward(backend, c, x, dy, c.inPlace());
        float[] scale = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            scale[i] = (float) (Math.abs(dy[i]) * (1 + Math.abs(x[i])));
        }
        Tolerance tol = new Tolerance((c.form() == GeluApproximation.NONE ? 8 : 16) * U, 1e-37,
                "Phi's absolute error and exp's relative error times |x| phi: scale |dy| (1 + |x|)");
        ParityAssertions.assertClose("geluBackward 'dx' [" + c + "] on " + target, c.shape(), got, want, scale, tol);
    }

    private static float[] backward(Backend be, GeluCase c, float[] xs, float[] dys, boolean inPlace) {
        Tensor x = be.fromHost(c.shape(), xs);
        Tensor dy = be.fromHost(c.shape(), dys);
        Tensor dx = inPlace ? dy : be.zeros(c.shape());
        be.geluBackward(x, dy, c.form(), dx);
        return dx.toFloatArray();
    }
}
