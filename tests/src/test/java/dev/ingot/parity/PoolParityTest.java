package dev.ingot.parity;

import dev.ingot.core.Backend;
import dev.ingot.core.Shape;
import dev.ingot.core.Tensor;
import dev.ingot.core.spec.Pool2dGeometry;
import dev.ingot.core.spec.Pool2dSpec;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static dev.ingot.parity.SeededInputs.abs;
import static dev.ingot.parity.SeededInputs.distinct;
import static dev.ingot.parity.SeededInputs.uniform;

/**
 * Max and average pooling, forward and backward, on every backend against the reference: odd sizes
 * (the last row and column dropped), stride different from the window (overlapping windows, where
 * backward contributions add), padding (never wins a max; not counted in an average), non-square
 * windows and strides, a window as large as the input, 1x1 windows, ties (the first maximum in
 * row-major window order wins), all-negative inputs next to padding, and every max-pool of the
 * reference models. Max-pool inputs are distinct unless the case tests ties.
 */
class PoolParityTest {

    @RegisterExtension
    static final ParityBackends backends = new ParityBackends(ParityLedger.Suite.PARITY);

    /** What the input values look like. */
    enum Values {
        /** Distinct values in [-2, 2): no ties. */
        DISTINCT,
        /** Integers in [-2, 2]: ties in almost every window. */
        TIES,
        /** Distinct values in [-3, -1): a max that let padding (0) win would be wrong everywhere. */
        NEGATIVE
    }

    record PoolCase(String label, int n, int c, int h, int w, Pool2dSpec spec, Values values) {
        Pool2dGeometry geometry() {
            return Pool2dGeometry.of("case", Shape.of(n, c, h, w), spec);
        }

        @Override
        public String toString() {
            return (label.isEmpty() ? "" : label + ": ") + "x (" + n + "," + c + "," + h + "," + w + ") " + spec
                    + (values == Values.DISTINCT ? "" : ", " + values.name().toLowerCase() + " values");
        }
    }

    static List<PoolCase> poolCases() {
        List<PoolCase> cases = new ArrayList<>();
        cases.add(new PoolCase("batch 1, odd sizes", 1, 3, 7, 7, Pool2dSpec.of(2), Values.DISTINCT));
        cases.add(new PoolCase("3x3 stride 2 pad 1", 2, 5, 9, 11, Pool2dSpec.of(3, 2, 1), Values.DISTINCT));
        cases.add(new PoolCase("overlapping 3x3 stride 1 pad 1", 2, 17, 8, 8, Pool2dSpec.of(3, 1, 1), Values.DISTINCT));
        cases.add(new PoolCase("non-square", 1, 1, 5, 6, new Pool2dSpec(2, 3, 1, 2, 1, 1), Values.DISTINCT));
        cases.add(new PoolCase("window as large as input", 3, 16, 4, 4, Pool2dSpec.of(4, 1, 0), Values.DISTINCT));
        cases.add(new PoolCase("1x1", 2, 33, 6, 5, Pool2dSpec.of(1), Values.DISTINCT));
        cases.add(new PoolCase("3x3 stride 3 pad 1", 2, 4, 10, 10, Pool2dSpec.of(3, 3, 1), Values.DISTINCT));
        cases.add(new PoolCase("ties, overlapping", 2, 3, 8, 8, Pool2dSpec.of(3, 1, 1), Values.TIES));
        cases.add(new PoolCase("ties 2x2", 2, 3, 9, 8, Pool2dSpec.of(2), Values.TIES));
        cases.add(new PoolCase("negative next to padding", 1, 2, 6, 6, Pool2dSpec.of(3, 2, 1), Values.NEGATIVE));
        for (ReferenceModelLayers.Pool p : ReferenceModelLayers.pools()) {
            cases.add(new PoolCase(p.name(), p.n(), p.c(), p.h(), p.w(), Pool2dSpec.of(2), Values.DISTINCT));
        }
        return cases;
    }

    static Stream<Arguments> cases() {
        return ParityCases.onEveryProvider(poolCases());
    }

    private static float[] input(PoolCase c, SplittableRandom rnd) {
        int size = (int) c.geometry().inputShape().size();
        return switch (c.values()) {
            case DISTINCT -> distinct(rnd, size, -2, 2);
            case NEGATIVE -> distinct(rnd, size, -3, -1);
            case TIES -> {
                float[] v = new float[size];
                for (int i = 0; i < size; i++) {
                    v[i] = rnd.nextInt(5) - 2;
                }
                yield v;
            }
        };
    }

    @ParameterizedTest(name = "[{0}] {1}")
    @MethodSource("cases")
    void maxPool2dForward(BackendUnderTest target, PoolCase c) {
        Backend backend = backends.open(target, "maxPool2dForward", c);
        Backend reference = backends.reference();
        float[] x = input(c, SeededInputs.random("maxPool2dForward " + c));
        float[] expected = maxForward(reference, c, x);
        float[] actual = maxForward(backend, c, x);
        ParityAssertions.assertClose("maxPool2dForward 'y' [" + c + "] on " + target, c.geometry().outputShape(),
                actual, expected, null, Tolerances.maxPool2dForward());
    }

    private static float[] maxForward(Backend be, PoolCase c, float[] xValues) {
        Pool2dGeometry g = c.geometry();
        Tensor x = be.fromHost(g.inputShape(), xValues);
        Tensor y = be.zeros(g.outputShape());
        be.fill(y, Float.NaN);
        be.maxPool2dForward(x, c.spec(), y);
        return y.toFloatArray();
    }

    @ParameterizedTest(name = "[{0}] {1}")
    @MethodSource("cases")
    void maxPool2dBackward(BackendUnderTest target, PoolCase c) {
        Backend backend = backends.open(target, "maxPool2dBackward", c);
        Backend reference = backends.reference();
        SplittableRandom rnd = SeededInputs.random("maxPool2dBackward " + c);
        float[] x = input(c, rnd);
        float[] dy = uniform(rnd, (int) c.geometry().outputShape().size(), -2, 2);
        float[] y = maxForward(reference, c, x);
        float[] expected = maxBackward(reference, c, x, y, dy);
        float[] actual = maxBackward(backend, c, x, y, dy);
        float[] scale = maxBackward(reference, c, x, y, abs(dy));
        ParityAssertions.assertClose("maxPool2dBackward 'dx' [" + c + "] on " + target, c.geometry().inputShape(),
                actual, expected, scale, Tolerances.maxPool2dBackward(c.spec()));
    }

    private static float[] maxBackward(Backend be, PoolCase c, float[] xValues, float[] yValues, float[] dyValues) {
        Pool2dGeometry g = c.geometry();
        Tensor x = be.fromHost(g.inputShape(), xValues);
        Tensor y = be.fromHost(g.outputShape(), yValues);
        Tensor dy = be.fromHost(g.outputShape(), dyValues);
        Tensor dx = be.zeros(g.inputShape());
        be.fill(dx, Float.NaN);
        be.maxPool2dBackward(x, y, dy, c.spec(), dx);
        return dx.toFloatArray();
    }

    @ParameterizedTest(name = "[{0}] {1}")
    @MethodSource("cases")
    void avgPool2dForward(BackendUnderTest target, PoolCase c) {
        Backend backend = backends.open(target, "avgPool2dForward", c);
        Backend reference = backends.reference();
        float[] x = input(c, SeededInputs.random("avgPool2dForward " + c));
        float[] expected = avgForward(reference, c, x);
        float[] actual = avgForward(backend, c, x);
        float[] scale = avgForward(reference, c, abs(x));
        ParityAssertions.assertClose("avgPool2dForward 'y' [" + c + "] on " + target, c.geometry().outputShape(),
                actual, expected, scale, Tolerances.avgPool2dForward(c.spec()));
    }

    private static float[] avgForward(Backend be, PoolCase c, float[] xValues) {
        Pool2dGeometry g = c.geometry();
        Tensor x = be.fromHost(g.inputShape(), xValues);
        Tensor y = be.zeros(g.outputShape());
        be.fill(y, Float.NaN);
        be.avgPool2dForward(x, c.spec(), y);
        return y.toFloatArray();
    }

    @ParameterizedTest(name = "[{0}] {1}")
    @MethodSource("cases")
    void avgPool2dBackward(BackendUnderTest target, PoolCase c) {
        Backend backend = backends.open(target, "avgPool2dBackward", c);
        Backend reference = backends.reference();
        float[] dy = uniform(SeededInputs.random("avgPool2dBackward " + c), (int) c.geometry().outputShape().size(), -2, 2);
        float[] expected = avgBackward(reference, c, dy);
        float[] actual = avgBackward(backend, c, dy);
        float[] scale = avgBackward(reference, c, abs(dy));
        ParityAssertions.assertClose("avgPool2dBackward 'dx' [" + c + "] on " + target, c.geometry().inputShape(),
                actual, expected, scale, Tolerances.avgPool2dBackward(c.spec()));
    }

    private static float[] avgBackward(Backend be, PoolCase c, float[] dyValues) {
        Pool2dGeometry g = c.geometry();
        Tensor dy = be.fromHost(g.outputShape(), dyValues);
        Tensor dx = be.zeros(g.inputShape());
        be.fill(dx, Float.NaN);
        be.avgPool2dBackward(dy, c.spec(), dx);
        return dx.toFloatArray();
    }
}
