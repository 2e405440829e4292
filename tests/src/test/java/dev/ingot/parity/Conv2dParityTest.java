package dev.ingot.parity;

import dev.ingot.core.Backend;
import dev.ingot.core.Shape;
import dev.ingot.core.Tensor;
import dev.ingot.core.spec.Conv2dGeometry;
import dev.ingot.core.spec.Conv2dSpec;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static dev.ingot.parity.SeededInputs.abs;
import static dev.ingot.parity.SeededInputs.uniform;

/**
 * The four convolution kernels (forward, backward data, backward filter, backward bias) on every
 * backend against the reference: batch 1, odd and non-square sizes, channel counts that are not
 * multiples of 16, stride 2 and 3, padding 1 and 2, dilation 2, asymmetric stride/padding/dilation,
 * 1x1 and non-square kernels, a kernel as large as the input, no bias, and every convolution of the
 * three reference models at batch {@link ReferenceModelLayers#BATCH}.
 */
class Conv2dParityTest {

    @RegisterExtension
    static final ParityBackends backends = new ParityBackends(ParityLedger.Suite.PARITY);

    /** x (N, C, H, W), w (K, C, R, S); {@code bias} false: forward with a null bias. */
    record ConvCase(String label, int n, int c, int h, int w, int k, int r, int s, Conv2dSpec spec, boolean bias) {
        Conv2dGeometry geometry() {
            return Conv2dGeometry.of("case", Shape.of(n, c, h, w), Shape.of(k, c, r, s), spec);
        }

        @Override
        public String toString() {
            return (label.isEmpty() ? "" : label + ": ") + "x (" + n + "," + c + "," + h + "," + w + ") w (" + k + ","
                    + c + "," + r + "," + s + ") " + spec + (bias ? "" : ", no bias");
        }
    }

    static List<ConvCase> convCases() {
        List<ConvCase> cases = new ArrayList<>();
        cases.add(new ConvCase("batch 1, odd sizes", 1, 3, 7, 9, 5, 3, 3, Conv2dSpec.DEFAULT, true));
        cases.add(new ConvCase("stride 2, pad 1", 2, 17, 11, 11, 33, 3, 3, Conv2dSpec.of(2, 1), true));
        cases.add(new ConvCase("dilation 2, pad 1", 3, 5, 13, 10, 7, 3, 3, Conv2dSpec.of(1, 1, 2), true));
        cases.add(new ConvCase("1x1", 1, 1, 5, 5, 1, 1, 1, Conv2dSpec.DEFAULT, true));
        cases.add(new ConvCase("1x1 stride 2", 2, 16, 8, 8, 16, 1, 1, Conv2dSpec.of(2, 0), true));
        cases.add(new ConvCase("asymmetric", 2, 3, 9, 12, 4, 5, 3, new Conv2dSpec(2, 1, 2, 1, 1, 2), true));
        cases.add(new ConvCase("same padding", 4, 20, 6, 6, 24, 3, 3, Conv2dSpec.of(1, 1), true));
        cases.add(new ConvCase("kernel as large as input", 1, 2, 3, 3, 3, 3, 3, Conv2dSpec.DEFAULT, true));
        cases.add(new ConvCase("stride 3 with remainder", 2, 7, 15, 16, 9, 3, 3, Conv2dSpec.of(3, 0), true));
        cases.add(new ConvCase("2x2 stride 2 pad 1 dilation 2", 1, 33, 10, 7, 17, 2, 2, Conv2dSpec.of(2, 1, 2), true));
        cases.add(new ConvCase("pad 2 larger than kernel half", 2, 6, 5, 4, 10, 3, 3, Conv2dSpec.of(1, 2), true));
        cases.add(new ConvCase("no bias", 2, 4, 8, 7, 6, 3, 3, Conv2dSpec.DEFAULT, false));
        cases.add(new ConvCase("many channels", 1, 129, 6, 5, 65, 3, 3, Conv2dSpec.of(1, 1), true));
        for (ReferenceModelLayers.Conv c : ReferenceModelLayers.convs()) {
            cases.add(new ConvCase(c.name(), c.n(), c.c(), c.h(), c.w(), c.k(), 3, 3, Conv2dSpec.DEFAULT, true));
        }
        return cases;
    }

    static Stream<Arguments> cases() {
        return ParityCases.onEveryProvider(convCases());
    }

    /** Inputs of one case, drawn once so that backend and reference see the same values. */
    private record Inputs(float[] x, float[] w, float[] b, float[] dy) {
        static Inputs of(ConvCase c, String kernel) {
            Conv2dGeometry g = c.geometry();
            SplittableRandom rnd = SeededInputs.random(kernel + " " + c);
            return new Inputs(uniform(rnd, (int) g.inputShape().size(), -2, 2),
                    uniform(rnd, (int) g.weightShape().size(), -2, 2),
                    c.bias() ? uniform(rnd, g.k(), -2, 2) : null,
                    uniform(rnd, (int) g.outputShape().size(), -2, 2));
        }

        Inputs abs() {
            return new Inputs(SeededInputs.abs(x), SeededInputs.abs(w), b == null ? null : SeededInputs.abs(b),
                    SeededInputs.abs(dy));
        }
    }

    @ParameterizedTest(name = "[{0}] {1}")
    @MethodSource("cases")
    void conv2dForward(BackendUnderTest target, ConvCase c) {
        Backend backend = backends.open(target, "conv2dForward", c);
        Backend reference = backends.reference();
        Inputs in = Inputs.of(c, "conv2dForward");
        float[] expected = forward(reference, c, in);
        float[] actual = forward(backend, c, in);
        float[] scale = forward(reference, c, in.abs());
        ParityAssertions.assertClose("conv2dForward 'y' [" + c + "] on " + target, c.geometry().outputShape(), actual,
                expected, scale, Tolerances.conv2dForward(c.geometry()));
    }

    private static float[] forward(Backend be, ConvCase c, Inputs in) {
        Conv2dGeometry g = c.geometry();
        Tensor x = be.fromHost(g.inputShape(), in.x());
        Tensor w = be.fromHost(g.weightShape(), in.w());
        Tensor b = in.b() == null ? null : be.fromHost(Shape.of(g.k()), in.b());
        Tensor y = be.zeros(g.outputShape());
        be.fill(y, Float.NaN); // outputs are overwritten: stale values must not leak through
        be.conv2dForward(x, w, b, c.spec(), y);
        return y.toFloatArray();
    }

    @ParameterizedTest(name = "[{0}] {1}")
    @MethodSource("cases")
    void conv2dBackwardData(BackendUnderTest target, ConvCase c) {
        Backend backend = backends.open(target, "conv2dBackwardData", c);
        Backend reference = backends.reference();
        Inputs in = Inputs.of(c, "conv2dBackwardData");
        float[] expected = backwardData(reference, c, in);
        float[] actual = backwardData(backend, c, in);
        float[] scale = backwardData(reference, c, in.abs());
        ParityAssertions.assertClose("conv2dBackwardData 'dx' [" + c + "] on " + target, c.geometry().inputShape(),
                actual, expected, scale, Tolerances.conv2dBackwardData(c.geometry()));
    }

    private static float[] backwardData(Backend be, ConvCase c, Inputs in) {
        Conv2dGeometry g = c.geometry();
        Tensor dy = be.fromHost(g.outputShape(), in.dy());
        Tensor w = be.fromHost(g.weightShape(), in.w());
        Tensor dx = be.zeros(g.inputShape());
        be.fill(dx, Float.NaN);
        be.conv2dBackwardData(dy, w, c.spec(), dx);
        return dx.toFloatArray();
    }

    @ParameterizedTest(name = "[{0}] {1}")
    @MethodSource("cases")
    void conv2dBackwardFilter(BackendUnderTest target, ConvCase c) {
        Backend backend = backends.open(target, "conv2dBackwardFilter", c);
        Backend reference = backends.reference();
        Inputs in = Inputs.of(c, "conv2dBackwardFilter");
        float[] expected = backwardFilter(reference, c, in);
        float[] actual = backwardFilter(backend, c, in);
        float[] scale = backwardFilter(reference, c, in.abs());
        ParityAssertions.assertClose("conv2dBackwardFilter 'dw' [" + c + "] on " + target, c.geometry().weightShape(),
                actual, expected, scale, Tolerances.conv2dBackwardFilter(c.geometry()));
    }

    private static float[] backwardFilter(Backend be, ConvCase c, Inputs in) {
        Conv2dGeometry g = c.geometry();
        Tensor x = be.fromHost(g.inputShape(), in.x());
        Tensor dy = be.fromHost(g.outputShape(), in.dy());
        Tensor dw = be.zeros(g.weightShape());
        be.fill(dw, Float.NaN);
        be.conv2dBackwardFilter(x, dy, c.spec(), dw);
        return dw.toFloatArray();
    }

    @ParameterizedTest(name = "[{0}] {1}")
    @MethodSource("cases")
    void conv2dBackwardBias(BackendUnderTest target, ConvCase c) {
        Backend backend = backends.open(target, "conv2dBackwardBias", c);
        Backend reference = backends.reference();
        Inputs in = Inputs.of(c, "conv2dBackwardBias");
        float[] expected = backwardBias(reference, c, in.dy());
        float[] actual = backwardBias(backend, c, in.dy());
        float[] scale = backwardBias(reference, c, abs(in.dy()));
        Conv2dGeometry g = c.geometry();
        ParityAssertions.assertClose("conv2dBackwardBias 'db' [" + c + "] on " + target, Shape.of(g.k()), actual,
                expected, scale, Tolerances.conv2dBackwardBias((long) g.n() * g.p() * g.q()));
    }

    private static float[] backwardBias(Backend be, ConvCase c, float[] dyValues) {
        Conv2dGeometry g = c.geometry();
        Tensor dy = be.fromHost(g.outputShape(), dyValues);
        Tensor db = be.zeros(Shape.of(g.k()));
        be.fill(db, Float.NaN);
        be.conv2dBackwardBias(dy, db);
        return db.toFloatArray();
    }
}
