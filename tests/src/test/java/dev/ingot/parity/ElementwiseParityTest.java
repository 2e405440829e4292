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

import static dev.ingot.parity.SeededInputs.abs;
import static dev.ingot.parity.SeededInputs.distinct;
import static dev.ingot.parity.SeededInputs.labels;
import static dev.ingot.parity.SeededInputs.uniform;

/**
 * The element-wise kernels and reductions on every backend against the reference: add, multiply,
 * scale, axpy, biasAdd (dense and convolution layouts), sumOverBatch, argmax (first index on ties)
 * and countCorrect, on sizes around the vector widths (tails), in place where the contract allows
 * it, and on the reference models' activations.
 */
class ElementwiseParityTest {

    @RegisterExtension
    static final ParityBackends backends = new ParityBackends(ParityLedger.Suite.PARITY);

    /** {@code inPlace}: the output is the first input. */
    record ElementwiseCase(String label, Shape shape, boolean inPlace) {
        int size() {
            return (int) shape.size();
        }

        @Override
        public String toString() {
            return (label.isEmpty() ? "" : label + " ") + shape + (inPlace ? " in place" : "");
        }
    }

    private static final List<Shape> TAIL_SHAPES = List.of(Shape.of(1), Shape.of(7), Shape.of(15), Shape.of(16),
            Shape.of(17), Shape.of(33), Shape.of(100), Shape.of(129), Shape.of(1000), Shape.of(4099), Shape.of(3, 5, 7));

    static Stream<Arguments> flatCases() {
        List<ElementwiseCase> cases = new ArrayList<>();
        for (Shape s : TAIL_SHAPES) {
            cases.add(new ElementwiseCase("", s, false));
            cases.add(new ElementwiseCase("", s, true));
        }
        cases.add(new ElementwiseCase("mnist-mlp dense1 kernel", Shape.of(784, 128), false));
        return ParityCases.onEveryProvider(cases);
    }

    static Stream<Arguments> biasCases() {
        List<ElementwiseCase> cases = new ArrayList<>();
        for (Shape s : List.of(Shape.of(1, 1), Shape.of(3, 17), Shape.of(2, 3, 5, 7), Shape.of(1, 33, 1, 1),
                Shape.of(2, 16, 3))) {
            cases.add(new ElementwiseCase("", s, false));
            cases.add(new ElementwiseCase("", s, true));
        }
        for (ReferenceModelLayers.Activation a : ReferenceModelLayers.activations()) {
            cases.add(new ElementwiseCase(a.name(), a.shape(), false));
        }
        return ParityCases.onEveryProvider(cases);
    }

    static Stream<Arguments> batchSumCases() {
        List<ElementwiseCase> cases = new ArrayList<>();
        for (Shape s : List.of(Shape.of(1, 1), Shape.of(5, 7), Shape.of(3, 4, 5, 6), Shape.of(1, 129),
                Shape.of(64, 1024))) {
            cases.add(new ElementwiseCase("", s, false));
        }
        for (ReferenceModelLayers.Dense d : ReferenceModelLayers.denses()) {
            cases.add(new ElementwiseCase(d.name() + " bias gradient", Shape.of(d.n(), d.out()), false));
        }
        return ParityCases.onEveryProvider(cases);
    }

    /** (rows, cols); {@code ties}: small integer values, so most rows have tied maxima. */
    record ArgmaxCase(int rows, int cols, boolean ties) {
        Shape shape() {
            return Shape.of(rows, cols);
        }

        @Override
        public String toString() {
            return "(" + rows + ", " + cols + ")" + (ties ? " with ties" : "");
        }
    }

    static Stream<Arguments> argmaxCases() {
        List<ArgmaxCase> cases = new ArrayList<>();
        for (int[] s : new int[][] {{1, 1}, {3, 17}, {ReferenceModelLayers.BATCH, 10}, {64, 10}, {7, 1000}, {5, 33}}) {
            cases.add(new ArgmaxCase(s[0], s[1], false));
        }
        cases.add(new ArgmaxCase(40, 10, true));
        cases.add(new ArgmaxCase(9, 35, true));
        return ParityCases.onEveryProvider(cases);
    }

    // ---------------------------------------------------------------- add, multiply, scale, axpy

    @ParameterizedTest(name = "[{0}] {1}")
    @MethodSource("flatCases")
    void add(BackendUnderTest target, ElementwiseCase c) {
        Backend backend = backends.open(target, "add", c);
        Backend reference = backends.reference();
        SplittableRandom rnd = SeededInputs.random("add " + c);
        float[] a = uniform(rnd, c.size(), -2, 2), b = uniform(rnd, c.size(), -2, 2);
        float[] expected = binary(reference, c, a, b, false);
        float[] actual = binary(backend, c, a, b, false);
        float[] scale = binary(reference, c, abs(a), abs(b), false);
        ParityAssertions.assertClose("add 'out' [" + c + "] on " + target, c.shape(), actual, expected, scale,
                Tolerances.add());
    }

    @ParameterizedTest(name = "[{0}] {1}")
    @MethodSource("flatCases")
    void multiply(BackendUnderTest target, ElementwiseCase c) {
        Backend backend = backends.open(target, "multiply", c);
        Backend reference = backends.reference();
        SplittableRandom rnd = SeededInputs.random("multiply " + c);
        float[] a = uniform(rnd, c.size(), -2, 2), b = uniform(rnd, c.size(), -2, 2);
        float[] expected = binary(reference, c, a, b, true);
        float[] actual = binary(backend, c, a, b, true);
        ParityAssertions.assertClose("multiply 'out' [" + c + "] on " + target, c.shape(), actual, expected, null,
                Tolerances.multiply());
    }

    private static float[] binary(Backend be, ElementwiseCase c, float[] aValues, float[] bValues, boolean multiply) {
        Tensor a = be.fromHost(c.shape(), aValues);
        Tensor b = be.fromHost(c.shape(), bValues);
        Tensor out = c.inPlace() ? a : be.zeros(c.shape());
        if (!c.inPlace()) {
            be.fill(out, Float.NaN);
        }
        if (multiply) {
            be.multiply(a, b, out);
        } else {
            be.add(a, b, out);
        }
        return out.toFloatArray();
    }

    @ParameterizedTest(name = "[{0}] {1}")
    @MethodSource("flatCases")
    void scale(BackendUnderTest target, ElementwiseCase c) {
        Backend backend = backends.open(target, "scale", c);
        Backend reference = backends.reference();
        SplittableRandom rnd = SeededInputs.random("scale " + c);
        float[] x = uniform(rnd, c.size(), -2, 2);
        float alpha = (float) rnd.nextDouble(-3, 3);
        float[] expected = scale(reference, c, alpha, x);
        float[] actual = scale(backend, c, alpha, x);
        ParityAssertions.assertClose("scale 'out' [" + c + "] alpha " + alpha + " on " + target, c.shape(), actual,
                expected, null, Tolerances.multiply());
    }

    private static float[] scale(Backend be, ElementwiseCase c, float alpha, float[] xValues) {
        Tensor x = be.fromHost(c.shape(), xValues);
        Tensor out = c.inPlace() ? x : be.zeros(c.shape());
        if (!c.inPlace()) {
            be.fill(out, Float.NaN);
        }
        be.scale(x, alpha, out);
        return out.toFloatArray();
    }

    @ParameterizedTest(name = "[{0}] {1}")
    @MethodSource("flatCases")
    void axpy(BackendUnderTest target, ElementwiseCase c) {
        Backend backend = backends.open(target, "axpy", c);
        Backend reference = backends.reference();
        SplittableRandom rnd = SeededInputs.random("axpy " + c);
        float[] x = uniform(rnd, c.size(), -2, 2), y = uniform(rnd, c.size(), -2, 2);
        float alpha = (float) rnd.nextDouble(-3, 3);
        float[] expected = axpy(reference, c, alpha, x, y);
        float[] actual = axpy(backend, c, alpha, x, y);
        float[] scale = axpy(reference, c, Math.abs(alpha), abs(x), abs(y));
        ParityAssertions.assertClose("axpy 'y' [" + c + "] alpha " + alpha + " on " + target, c.shape(), actual,
                expected, scale, Tolerances.axpy());
    }

    /** axpy always updates y in place; the "in place" variant passes x as y ({@code y = y + alpha*y}). */
    private static float[] axpy(Backend be, ElementwiseCase c, float alpha, float[] xValues, float[] yValues) {
        Tensor y = be.fromHost(c.shape(), yValues);
        Tensor x = c.inPlace() ? y : be.fromHost(c.shape(), xValues);
        be.axpy(alpha, x, y);
        return y.toFloatArray();
    }

    // ---------------------------------------------------------------- biasAdd, sumOverBatch

    @ParameterizedTest(name = "[{0}] {1}")
    @MethodSource("biasCases")
    void biasAdd(BackendUnderTest target, ElementwiseCase c) {
        Backend backend = backends.open(target, "biasAdd", c);
        Backend reference = backends.reference();
        SplittableRandom rnd = SeededInputs.random("biasAdd " + c);
        float[] x = uniform(rnd, c.size(), -2, 2), bias = uniform(rnd, c.shape().dim(1), -2, 2);
        float[] expected = biasAdd(reference, c, x, bias);
        float[] actual = biasAdd(backend, c, x, bias);
        float[] scale = biasAdd(reference, c, abs(x), abs(bias));
        ParityAssertions.assertClose("biasAdd 'out' [" + c + "] on " + target, c.shape(), actual, expected, scale,
                Tolerances.add());
    }

    private static float[] biasAdd(Backend be, ElementwiseCase c, float[] xValues, float[] biasValues) {
        Tensor x = be.fromHost(c.shape(), xValues);
        Tensor bias = be.fromHost(Shape.of(c.shape().dim(1)), biasValues);
        Tensor out = c.inPlace() ? x : be.zeros(c.shape());
        if (!c.inPlace()) {
            be.fill(out, Float.NaN);
        }
        be.biasAdd(x, bias, out);
        return out.toFloatArray();
    }

    @ParameterizedTest(name = "[{0}] {1}")
    @MethodSource("batchSumCases")
    void sumOverBatch(BackendUnderTest target, ElementwiseCase c) {
        Backend backend = backends.open(target, "sumOverBatch", c);
        Backend reference = backends.reference();
        float[] x = uniform(SeededInputs.random("sumOverBatch " + c), c.size(), -2, 2);
        int[] dims = c.shape().dims();
        Shape outShape = Shape.of(java.util.Arrays.copyOfRange(dims, 1, dims.length));
        float[] expected = sumOverBatch(reference, c, outShape, x);
        float[] actual = sumOverBatch(backend, c, outShape, x);
        float[] scale = sumOverBatch(reference, c, outShape, abs(x));
        ParityAssertions.assertClose("sumOverBatch 'out' [" + c + "] on " + target, outShape, actual, expected, scale,
                Tolerances.sumOverBatch(c.shape().dim(0)));
    }

    private static float[] sumOverBatch(Backend be, ElementwiseCase c, Shape outShape, float[] xValues) {
        Tensor x = be.fromHost(c.shape(), xValues);
        Tensor out = be.zeros(outShape);
        be.fill(out, Float.NaN);
        be.sumOverBatch(x, out);
        return out.toFloatArray();
    }

    // ---------------------------------------------------------------- argmax, countCorrect

    private static float[] argmaxInput(ArgmaxCase c, SplittableRandom rnd) {
        int size = c.rows() * c.cols();
        if (!c.ties()) {
            return distinct(rnd, size, -2, 2);
        }
        float[] v = new float[size];
        for (int i = 0; i < size; i++) {
            v[i] = rnd.nextInt(3);
        }
        return v;
    }

    @ParameterizedTest(name = "[{0}] {1}")
    @MethodSource("argmaxCases")
    void argmax(BackendUnderTest target, ArgmaxCase c) {
        Backend backend = backends.open(target, "argmax", c);
        Backend reference = backends.reference();
        float[] x = argmaxInput(c, SeededInputs.random("argmax " + c));
        int[] expected = argmax(reference, c, x);
        int[] actual = argmax(backend, c, x);
        ParityAssertions.assertIntsEqual("argmax 'indices' [" + c + "] on " + target, Shape.of(c.rows()), actual,
                expected);
    }

    private static int[] argmax(Backend be, ArgmaxCase c, float[] xValues) {
        Tensor x = be.fromHost(c.shape(), xValues);
        Tensor indices = be.fromHost(Shape.of(c.rows()), filled(c.rows(), -1));
        be.argmax(x, indices);
        return indices.toIntArray();
    }

    @ParameterizedTest(name = "[{0}] {1}")
    @MethodSource("argmaxCases")
    void countCorrect(BackendUnderTest target, ArgmaxCase c) {
        Backend backend = backends.open(target, "countCorrect", c);
        Backend reference = backends.reference();
        SplittableRandom rnd = SeededInputs.random("countCorrect " + c);
        float[] x = argmaxInput(c, rnd);
        // Half the labels are the row's argmax (so the count is neither 0 nor trivially small), half random.
        int[] labels = labels(rnd, c.rows(), c.cols());
        int[] best = argmax(reference, c, x);
        for (int n = 0; n < c.rows(); n += 2) {
            labels[n] = best[n];
        }
        long expected = countCorrect(reference, c, x, labels);
        long actual = countCorrect(backend, c, x, labels);
        if (actual != expected) {
            throw new AssertionError("countCorrect [" + c + "] on " + target + ": got " + actual + ", expected "
                    + expected + " of " + c.rows() + " rows");
        }
    }

    private static long countCorrect(Backend be, ArgmaxCase c, float[] xValues, int[] labelValues) {
        Tensor x = be.fromHost(c.shape(), xValues);
        Tensor labels = be.fromHost(Shape.of(c.rows()), labelValues);
        return be.countCorrect(x, labels);
    }

    private static int[] filled(int n, int value) {
        int[] v = new int[n];
        java.util.Arrays.fill(v, value);
        return v;
    }
}
