package dev.ingot.parity;

import dev.ingot.core.Backend;
import dev.ingot.core.Shape;
import dev.ingot.core.Tensor;
import dev.ingot.core.spec.Conv2dGeometry;
import dev.ingot.core.spec.Conv2dSpec;
import dev.ingot.testkit.FiniteDifferences.Steps;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static dev.ingot.parity.SeededInputs.uniform;
import static dev.ingot.parity.Values.stale;
import static dev.ingot.parity.Values.zeros;

/**
 * The four convolution kernels (forward, backward data, backward filter, backward bias): batch 1,
 * odd and non-square sizes, channel counts that are not multiples of 16, stride 2 and 3, padding 1
 * and 2, dilation 2, asymmetric stride/padding/dilation, 1x1 and non-square kernels, a kernel as
 * large as the input, no bias, and every convolution of the reference models at batch
 * {@link ReferenceModelLayers#BATCH}; the three gradients against central differences of the forward kernel.
 */
final class ConvOps {
    private ConvOps() {
    }

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

    static List<ConvCase> cases() {
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
            Shape x = c.input(), w = c.weight();
            cases.add(new ConvCase(c.name(), x.dim(0), x.dim(1), x.dim(2), x.dim(3), w.dim(0), w.dim(2), w.dim(3),
                    c.spec(), true));
        }
        return cases;
    }

    /** x, w, b (when the case has a bias) and dy, uniform in [-2, 2). */
    private static Values inputs(ConvCase c, SplittableRandom rnd, Backend reference) {
        Conv2dGeometry g = c.geometry();
        Values in = new Values()
                .put("x", g.inputShape(), uniform(rnd, (int) g.inputShape().size(), -2, 2))
                .put("w", g.weightShape(), uniform(rnd, (int) g.weightShape().size(), -2, 2));
        if (c.bias()) {
            in.put("b", Shape.of(g.k()), uniform(rnd, g.k(), -2, 2));
        }
        return in.put("dy", g.outputShape(), uniform(rnd, (int) g.outputShape().size(), -2, 2));
    }

    private static Values forward(Backend b, ConvCase c, Values in) {
        Tensor y = stale(b, c.geometry().outputShape());
        b.conv2dForward(in.upload(b, "x"), in.upload(b, "w"), in.has("b") ? in.upload(b, "b") : null, c.spec(), y);
        return new Values().read("y", y);
    }

    private static Values backwardData(Backend b, ConvCase c, Values in) {
        Tensor dx = stale(b, c.geometry().inputShape());
        b.conv2dBackwardData(in.upload(b, "dy"), in.upload(b, "w"), c.spec(), dx);
        return new Values().read("dx", dx);
    }

    private static Values backwardFilter(Backend b, ConvCase c, Values in) {
        Tensor dw = stale(b, c.geometry().weightShape());
        b.conv2dBackwardFilter(in.upload(b, "x"), in.upload(b, "dy"), c.spec(), dw);
        return new Values().read("dw", dw);
    }

    private static Values backwardBias(Backend b, ConvCase c, Values in) {
        Tensor db = stale(b, Shape.of(c.geometry().k()));
        b.conv2dBackwardBias(in.upload(b, "dy"), db);
        return new Values().read("db", db);
    }

    // ---------------------------------------------------------------- gradient relations

    /** The gradient checks' (small) geometries. */
    record GradCase(String label, Shape x, Shape w, Conv2dSpec spec) {
        Conv2dGeometry geometry() {
            return Conv2dGeometry.of("case", x, w, spec);
        }

        ConvCase conv() {
            return new ConvCase(label, x.dim(0), x.dim(1), x.dim(2), x.dim(3), w.dim(0), w.dim(2), w.dim(3), spec, true);
        }

        @Override
        public String toString() {
            return label + ": x " + x + " w " + w + " " + spec;
        }
    }

    private static final List<GradCase> GRAD_CASES = List.of(
            new GradCase("valid", Shape.of(2, 3, 6, 5), Shape.of(4, 3, 3, 3), Conv2dSpec.DEFAULT),
            new GradCase("stride 2 pad 1", Shape.of(1, 2, 7, 7), Shape.of(3, 2, 3, 3), Conv2dSpec.of(2, 1)),
            new GradCase("dilation 2 pad 1", Shape.of(2, 2, 7, 6), Shape.of(2, 2, 3, 2), Conv2dSpec.of(1, 1, 2)),
            new GradCase("asymmetric", Shape.of(1, 3, 5, 8), Shape.of(2, 3, 2, 3), new Conv2dSpec(1, 2, 1, 0, 2, 1)));

    /** x, w, b uniform in [-2, 2) and the objective's weights r (= dy) in [-1, 1). */
    private static Values gradInputs(GradCase c, SplittableRandom rnd, Backend reference) {
        Conv2dGeometry g = c.geometry();
        return new Values().put("x", c.x(), uniform(rnd, (int) c.x().size(), -2, 2))
                .put("w", c.w(), uniform(rnd, (int) c.w().size(), -2, 2))
                .put("b", Shape.of(g.k()), uniform(rnd, g.k(), -2, 2))
                .put("r", g.outputShape(), uniform(rnd, (int) g.outputShape().size(), -1, 1));
    }

    /** {@code wrt}'s gradient of {@code L = sum(r * conv2dForward(x, w, b))}, by {@code backward} with dy = r. */
    private static OpInfo.Gradient<GradCase> gradient(String kernel, String wrt, OpInfo.Kernel<ConvCase> backward) {
        return new OpInfo.Gradient<>(kernel, GRAD_CASES, ConvOps::gradInputs, wrt,
                (b, c, in) -> forward(b, c.conv(), in),
                (b, c, in) -> backward.run(b, c.conv(), in.alias("r", "dy")),
                c -> Steps.LINEAR);
    }

    // ---------------------------------------------------------------- the records

    static List<OpInfo<?>> records() {
        return List.of(
                OpInfo.of("conv2dForward", ConvOps::cases, ConvOps::inputs, ConvOps::forward,
                                c -> Tolerances.conv2dForward(c.geometry()))
                        .scaledBy(OpInfo.Scale.absoluteTerms())
                        .rejects(
                                OpInfo.ErrorInput.of("null spec", "conv2dForward spec null",
                                        b -> b.conv2dForward(zeros(b, 1, 1, 3, 3), zeros(b, 1, 1, 3, 3), null, null,
                                                zeros(b, 1, 1, 1, 1)),
                                        "conv2dForward", "spec", "null"),
                                OpInfo.ErrorInput.of("conv2dForward: x of rank 3", "x (3,5,5)",
                                        b -> b.conv2dForward(zeros(b, 3, 5, 5), zeros(b, 2, 3, 3, 3), null,
                                                Conv2dSpec.DEFAULT, zeros(b, 1, 2, 3, 3)),
                                        "conv2dForward", "x", "rank 4", "[3, 5, 5]"),
                                OpInfo.ErrorInput.of("conv2dForward: channels of x and w differ", "x (1,3,5,5) w (4,2,3,3)",
                                        b -> b.conv2dForward(zeros(b, 1, 3, 5, 5), zeros(b, 4, 2, 3, 3), null,
                                                Conv2dSpec.DEFAULT, zeros(b, 1, 4, 3, 3)),
                                        "conv2dForward", "w", "[4, 2, 3, 3]", "[1, 3, 5, 5]", "expected w of shape [4, 3, 3, 3]"),
                                OpInfo.ErrorInput.of("conv2dForward: 'y' of the wrong shape", "y (1,4,5,5) for a valid 3x3",
                                        b -> b.conv2dForward(zeros(b, 1, 3, 5, 5), zeros(b, 4, 3, 3, 3), null,
                                                Conv2dSpec.DEFAULT, zeros(b, 1, 4, 5, 5)),
                                        "conv2dForward", "'y'", "[1, 4, 5, 5]", "expected [1, 4, 3, 3]"),
                                OpInfo.ErrorInput.of("conv2dForward: 'b' of the wrong shape", "b (5) for K=4",
                                        b -> b.conv2dForward(zeros(b, 1, 3, 5, 5), zeros(b, 4, 3, 3, 3), zeros(b, 5),
                                                Conv2dSpec.DEFAULT, zeros(b, 1, 4, 3, 3)),
                                        "conv2dForward", "'b'", "[5]", "expected [4]"),
                                OpInfo.ErrorInput.of("conv2dForward: kernel larger than the padded input", "x (1,1,2,2) w 3x3",
                                        b -> b.conv2dForward(zeros(b, 1, 1, 2, 2), zeros(b, 1, 1, 3, 3), null,
                                                Conv2dSpec.DEFAULT, zeros(b, 1, 1, 1, 1)),
                                        "conv2dForward", "larger than the padded input", "2x2", "[1, 1, 2, 2]", "[1, 1, 3, 3]"),
                                OpInfo.ErrorInput.of("conv2dForward: y is a view of x", "x (1,1,3,3) w 1x1", b -> {
                                    Tensor x = zeros(b, 1, 1, 3, 3);
                                    b.conv2dForward(x, zeros(b, 1, 1, 1, 1), null, Conv2dSpec.DEFAULT, x.view(Shape.of(1, 1, 3, 3)));
                                }, "conv2dForward", "'y'", "shares memory", "'x'"),
                                OpInfo.ErrorInput.of("null output argument", "conv2dForward y null",
                                        b -> b.conv2dForward(zeros(b, 1, 1, 3, 3), zeros(b, 1, 1, 3, 3), null,
                                                Conv2dSpec.DEFAULT, null),
                                        "conv2dForward", "'y'", "null")),
                OpInfo.of("conv2dBackwardData", ConvOps::cases, ConvOps::inputs, ConvOps::backwardData,
                                c -> Tolerances.conv2dBackwardData(c.geometry()))
                        .scaledBy(OpInfo.Scale.absoluteTerms())
                        .rejects(OpInfo.ErrorInput.of("conv2dBackwardData: 'dy' of the wrong shape", "dy (1,4,4,4)",
                                b -> b.conv2dBackwardData(zeros(b, 1, 4, 4, 4), zeros(b, 4, 3, 3, 3), Conv2dSpec.DEFAULT,
                                        zeros(b, 1, 3, 5, 5)),
                                "conv2dBackwardData", "'dy'", "[1, 4, 4, 4]", "expected [1, 4, 3, 3]"))
                        .gradient(gradient("conv2dBackwardData", "x", ConvOps::backwardData)),
                OpInfo.of("conv2dBackwardFilter", ConvOps::cases, ConvOps::inputs, ConvOps::backwardFilter,
                                c -> Tolerances.conv2dBackwardFilter(c.geometry()))
                        .scaledBy(OpInfo.Scale.absoluteTerms())
                        .rejects(OpInfo.ErrorInput.of("conv2dBackwardFilter: dilated kernel larger than the padded input",
                                "x (1,1,4,4) w 3x3 dilation 2",
                                b -> b.conv2dBackwardFilter(zeros(b, 1, 1, 4, 4), zeros(b, 1, 1, 1, 1), Conv2dSpec.of(1, 0, 2),
                                        zeros(b, 1, 1, 3, 3)),
                                "conv2dBackwardFilter", "dilated extent 5x5", "larger than the padded input 4x4"))
                        .gradient(gradient("conv2dBackwardFilter", "w", ConvOps::backwardFilter)),
                OpInfo.of("conv2dBackwardBias", ConvOps::cases, ConvOps::inputs, ConvOps::backwardBias,
                                c -> Tolerances.conv2dBackwardBias((long) c.geometry().n() * c.geometry().p() * c.geometry().q()))
                        .scaledBy(OpInfo.Scale.absoluteTerms())
                        .gradient(gradient("conv2dBackwardBias", "b", ConvOps::backwardBias)));
    }
}
