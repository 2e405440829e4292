package dev.ingot.parity;

import dev.ingot.core.Backend;
import dev.ingot.core.Shape;
import dev.ingot.core.Tensor;
import dev.ingot.testkit.FiniteDifferences.Steps;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static dev.ingot.parity.SeededInputs.distinct;
import static dev.ingot.parity.SeededInputs.labels;
import static dev.ingot.parity.SeededInputs.uniform;
import static dev.ingot.parity.Values.stale;
import static dev.ingot.parity.Values.zeros;

/**
 * The element-wise kernels, reductions and copies: add, multiply, scale, axpy, biasAdd (dense and
 * convolution layouts), sumOverBatch, argmax (first index on ties), countCorrect, and channel
 * concatenation with its backward split, on sizes around the vector widths (tails), in place where
 * the contract allows it, and on the reference models' activations; biasAdd's, sumOverBatch's and
 * concat's gradients against central differences. Concatenation: one input, two, three of unequal
 * widths, rank 2 (dense activations) and rank 4, and a backward pass with one gradient not wanted
 * (null); pure copies, so bit for bit.
 */
final class ElementwiseOps {
    private ElementwiseOps() {
    }

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

    static List<ElementwiseCase> flatCases() {
        List<ElementwiseCase> cases = new ArrayList<>();
        for (Shape s : TAIL_SHAPES) {
            cases.add(new ElementwiseCase("", s, false));
            cases.add(new ElementwiseCase("", s, true));
        }
        cases.add(new ElementwiseCase("mnist-mlp dense1 kernel", Shape.of(784, 128), false));
        return cases;
    }

    static List<ElementwiseCase> biasCases() {
        List<ElementwiseCase> cases = new ArrayList<>();
        for (Shape s : List.of(Shape.of(1, 1), Shape.of(3, 17), Shape.of(2, 3, 5, 7), Shape.of(1, 33, 1, 1),
                Shape.of(2, 16, 3))) {
            cases.add(new ElementwiseCase("", s, false));
            cases.add(new ElementwiseCase("", s, true));
        }
        for (ReferenceModelLayers.Activation a : ReferenceModelLayers.activations()) {
            cases.add(new ElementwiseCase(a.name(), a.shape(), false));
        }
        return cases;
    }

    static List<ElementwiseCase> batchSumCases() {
        List<ElementwiseCase> cases = new ArrayList<>();
        for (Shape s : List.of(Shape.of(1, 1), Shape.of(5, 7), Shape.of(3, 4, 5, 6), Shape.of(1, 129),
                Shape.of(64, 1024))) {
            cases.add(new ElementwiseCase("", s, false));
        }
        for (ReferenceModelLayers.Dense d : ReferenceModelLayers.denses()) {
            cases.add(new ElementwiseCase(d.name() + " bias gradient", Shape.of(d.n(), d.out()), false));
        }
        return cases;
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

    static List<ArgmaxCase> argmaxCases() {
        List<ArgmaxCase> cases = new ArrayList<>();
        for (int[] s : new int[][] {{1, 1}, {3, 17}, {ReferenceModelLayers.BATCH, 10}, {64, 10}, {7, 1000}, {5, 33}}) {
            cases.add(new ArgmaxCase(s[0], s[1], false));
        }
        cases.add(new ArgmaxCase(40, 10, true));
        cases.add(new ArgmaxCase(9, 35, true));
        return cases;
    }

    // ---------------------------------------------------------------- inputs and calls

    /** {@code names} uniform in [-2, 2), in order, each of the case's shape. */
    private static OpInfo.Inputs<ElementwiseCase> uniformInputs(String... names) {
        return (c, rnd, ref) -> {
            Values in = new Values();
            for (String n : names) {
                in.put(n, c.shape(), uniform(rnd, c.size(), -2, 2));
            }
            return in;
        };
    }

    /** {@code names} uniform, then a scalar alpha uniform in [-3, 3). */
    private static OpInfo.Inputs<ElementwiseCase> withAlpha(String... names) {
        OpInfo.Inputs<ElementwiseCase> arrays = uniformInputs(names);
        return (c, rnd, ref) -> arrays.draw(c, rnd, ref).scalar("alpha", (float) rnd.nextDouble(-3, 3));
    }

    private static Tensor output(Backend b, ElementwiseCase c, Tensor first) {
        return c.inPlace() ? first : stale(b, c.shape());
    }

    private static Values add(Backend b, ElementwiseCase c, Values in) {
        Tensor a = in.upload(b, "a");
        Tensor out = output(b, c, a);
        b.add(a, in.upload(b, "b"), out);
        return new Values().read("out", out);
    }

    private static Values multiply(Backend b, ElementwiseCase c, Values in) {
        Tensor a = in.upload(b, "a");
        Tensor out = output(b, c, a);
        b.multiply(a, in.upload(b, "b"), out);
        return new Values().read("out", out);
    }

    private static Values scale(Backend b, ElementwiseCase c, Values in) {
        Tensor x = in.upload(b, "x");
        Tensor out = output(b, c, x);
        b.scale(x, in.scalar("alpha"), out);
        return new Values().read("out", out);
    }

    /** axpy always updates y in place; the "in place" variant passes y as x ({@code y = y + alpha*y}). */
    private static Values axpy(Backend b, ElementwiseCase c, Values in) {
        Tensor y = in.upload(b, "y");
        Tensor x = c.inPlace() ? y : in.upload(b, "x");
        b.axpy(in.scalar("alpha"), x, y);
        return new Values().read("y", y);
    }

    private static Values biasInputs(ElementwiseCase c, SplittableRandom rnd, Backend ref) {
        return new Values().put("x", c.shape(), uniform(rnd, c.size(), -2, 2))
                .put("bias", Shape.of(c.shape().dim(1)), uniform(rnd, c.shape().dim(1), -2, 2));
    }

    private static Values biasAdd(Backend b, ElementwiseCase c, Values in) {
        Tensor x = in.upload(b, "x");
        Tensor out = output(b, c, x);
        b.biasAdd(x, in.upload(b, "bias"), out);
        return new Values().read("out", out);
    }

    private static Shape withoutBatch(Shape s) {
        int[] dims = s.dims();
        return Shape.of(Arrays.copyOfRange(dims, 1, dims.length));
    }

    private static Values sumOverBatch(Backend b, ElementwiseCase c, Values in) {
        Tensor out = stale(b, withoutBatch(c.shape()));
        b.sumOverBatch(in.upload(b, "x"), out);
        return new Values().read("out", out);
    }

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

    private static Values argmax(Backend b, ArgmaxCase c, Values in) {
        int[] unset = new int[c.rows()];
        Arrays.fill(unset, -1);
        Tensor indices = b.fromHost(Shape.of(c.rows()), unset);
        b.argmax(in.upload(b, "x"), indices);
        return new Values().read("indices", indices);
    }

    /** Half the labels are the row's argmax (so the count is neither 0 nor trivially small), half random. */
    private static Values countInputs(ArgmaxCase c, SplittableRandom rnd, Backend reference) {
        Values in = new Values().put("x", c.shape(), argmaxInput(c, rnd));
        int[] labels = labels(rnd, c.rows(), c.cols());
        int[] best = argmax(reference, c, in).i("indices");
        for (int n = 0; n < c.rows(); n += 2) {
            labels[n] = best[n];
        }
        return in.put("labels", Shape.of(c.rows()), labels);
    }

    private static Values countCorrect(Backend b, ArgmaxCase c, Values in) {
        long count = b.countCorrect(in.upload(b, "x"), in.upload(b, "labels"));
        return new Values().put("count", Shape.of(1), new int[] {Math.toIntExact(count)});
    }

    // ---------------------------------------------------------------- channel concatenation

    /** {@code skip}: the input whose gradient is null in the backward pass, or -1. */
    record ConcatCase(int batch, int[] channels, int[] spatial, int skip) {
        Shape input(int i) {
            return shape(channels[i]);
        }

        Shape output() {
            return shape(Arrays.stream(channels).sum());
        }

        private Shape shape(int c) {
            int[] dims = new int[2 + spatial.length];
            dims[0] = batch;
            dims[1] = c;
            System.arraycopy(spatial, 0, dims, 2, spatial.length);
            return Shape.of(dims);
        }

        @Override
        public String toString() {
            return "N=" + batch + " C=" + Arrays.toString(channels) + " spatial " + Arrays.toString(spatial)
                    + (skip >= 0 ? " no gradient for " + skip : "");
        }
    }

    static List<ConcatCase> concatCases() {
        return List.of(new ConcatCase(2, new int[] {3}, new int[] {4, 5}, -1),
                new ConcatCase(3, new int[] {2, 5}, new int[] {3, 3}, -1),
                new ConcatCase(3, new int[] {2, 1, 4}, new int[] {1, 17}, 1),
                new ConcatCase(4, new int[] {7, 9}, new int[] {}, 0),
                new ConcatCase(8, new int[] {16, 32}, new int[] {16, 16}, -1));
    }

    /** Inputs x0, x1, ... uniform in [-2, 2). */
    private static Values concatInputs(ConcatCase c, SplittableRandom rnd, Backend reference) {
        Values in = new Values();
        for (int i = 0; i < c.channels().length; i++) {
            in.put("x" + i, c.input(i), uniform(rnd, (int) c.input(i).size(), -2, 2));
        }
        return in;
    }

    private static Values concat(Backend b, ConcatCase c, Values in) {
        List<Tensor> inputs = new ArrayList<>();
        for (int i = 0; i < c.channels().length; i++) {
            inputs.add(in.upload(b, "x" + i));
        }
        Tensor y = stale(b, c.output());
        b.concatChannels(inputs, y);
        return new Values().read("y", y);
    }

    /** Every dInputs[i] but the skipped one (null: no gradient wanted). */
    private static Values concatBackward(Backend b, ConcatCase c, Values in) {
        List<Tensor> grads = new ArrayList<>();
        for (int i = 0; i < c.channels().length; i++) {
            grads.add(i == c.skip() ? null : stale(b, c.input(i)));
        }
        b.concatChannelsBackward(in.upload(b, "dy"), grads);
        Values out = new Values();
        for (int i = 0; i < grads.size(); i++) {
            if (grads.get(i) != null) {
                out.read("dInputs[" + i + "]", grads.get(i));
            }
        }
        return out;
    }

    /** {@code L = sum(r * concat(x0, x1, ...))} on (2, C_i, 3, 2) inputs; input {@code which}'s gradient. */
    private static OpInfo.Gradient<ConcatCase> concatGradient(int which, List<ConcatCase> cases) {
        return new OpInfo.Gradient<>("concatChannelsBackward dInputs[" + which + "]", cases,
                (c, rnd, ref) -> concatInputs(c, rnd, ref).put("r", c.output(),
                        uniform(rnd, (int) c.output().size(), -1, 1)),
                "x" + which, ElementwiseOps::concat,
                (b, c, in) -> {
                    Values all = concatBackward(b, c, in.alias("r", "dy"));
                    return new Values().put("dx", c.input(which), all.f("dInputs[" + which + "]"));
                }, c -> Steps.LINEAR);
    }

    private static final ConcatCase CONCAT_TWO = new ConcatCase(2, new int[] {2, 3}, new int[] {3, 2}, -1);
    private static final ConcatCase CONCAT_THREE = new ConcatCase(2, new int[] {1, 4, 2}, new int[] {3, 2}, -1);

    // ---------------------------------------------------------------- gradient relations

    /** {@code L = sum(r * biasAdd(x, b))}: x, b uniform in [-2, 2), r in [-1, 1). */
    private static Values biasGradInputs(Shape s, SplittableRandom rnd, Backend ref) {
        float[] x = uniform(rnd, (int) s.size(), -2, 2);
        return new Values().put("x", s, x).put("b", Shape.of(s.dim(1)), uniform(rnd, s.dim(1), -2, 2))
                .put("r", s, uniform(rnd, x.length, -1, 1));
    }

    private static Values biasAddOf(Backend b, Shape s, Values in) {
        Tensor out = b.zeros(s);
        b.biasAdd(in.upload(b, "x"), in.upload(b, "b"), out);
        return new Values().read("out", out);
    }

    /** db of a bias: sumOverBatch(dy) for a dense layer (N, C), conv2dBackwardBias(dy) for a convolution's (N, C, H, W). */
    private static OpInfo.Gradient<Shape> biasGradient(Shape shape) {
        boolean dense = shape.rank() == 2;
        return new OpInfo.Gradient<>(dense ? "biasAdd db = sumOverBatch(dy)" : "biasAdd db = conv2dBackwardBias(dy)",
                List.of(shape), ElementwiseOps::biasGradInputs, "b", ElementwiseOps::biasAddOf, (b, s, in) -> {
                    Tensor db = b.zeros(Shape.of(s.dim(1)));
                    if (dense) {
                        b.sumOverBatch(in.upload(b, "r"), db);
                    } else {
                        b.conv2dBackwardBias(in.upload(b, "r"), db);
                    }
                    return new Values().read("db", db);
                }, s -> Steps.LINEAR);
    }

    static final List<Shape> BIAS_SHAPES = List.of(Shape.of(5, 7), Shape.of(2, 3, 4, 5));

    /** {@code dx = dy}: biasAdd passes the gradient through. */
    private static final OpInfo.Gradient<Shape> BIAS_INPUT_GRADIENT = new OpInfo.Gradient<>("biasAdd dx = dy",
            BIAS_SHAPES, ElementwiseOps::biasGradInputs, "x", ElementwiseOps::biasAddOf,
            (b, s, in) -> new Values().put("dx", s, in.f("r")), s -> Steps.LINEAR);

    /** {@code dL/dx[n, f] = r[f]}: dy broadcast over the batch. */
    private static final OpInfo.Gradient<Shape> SUM_GRADIENT = new OpInfo.Gradient<>("sumOverBatch",
            List.of(Shape.of(5, 7), Shape.of(3, 2, 4)),
            (s, rnd, ref) -> {
                Shape out = withoutBatch(s);
                return new Values().put("x", s, uniform(rnd, (int) s.size(), -2, 2))
                        .put("r", out, uniform(rnd, (int) out.size(), -1, 1));
            }, "x",
            (b, s, in) -> sumOverBatch(b, new ElementwiseCase("", s, false), in),
            (b, s, in) -> {
                float[] r = in.f("r");
                float[] analytic = new float[(int) s.size()];
                for (int i = 0; i < analytic.length; i++) {
                    analytic[i] = r[i % r.length];
                }
                return new Values().put("dx", s, analytic);
            }, s -> Steps.LINEAR);

    // ---------------------------------------------------------------- the records

    static List<OpInfo<?>> records() {
        return List.of(
                OpInfo.of("add", ElementwiseOps::flatCases, uniformInputs("a", "b"), ElementwiseOps::add,
                                c -> Tolerances.add())
                        .scaledBy(OpInfo.Scale.absoluteTerms())
                        .rejects(OpInfo.ErrorInput.of("add: 'b' of another shape", "a (2,3) b (3,2)",
                                b -> b.add(zeros(b, 2, 3), zeros(b, 3, 2), zeros(b, 2, 3)),
                                "add", "'b'", "[3, 2]", "expected [2, 3]")),
                OpInfo.of("multiply", ElementwiseOps::flatCases, uniformInputs("a", "b"), ElementwiseOps::multiply,
                        c -> Tolerances.multiply()),
                OpInfo.of("scale", ElementwiseOps::flatCases, withAlpha("x"), ElementwiseOps::scale,
                        c -> Tolerances.multiply()),
                OpInfo.of("axpy", ElementwiseOps::flatCases, withAlpha("x", "y"), ElementwiseOps::axpy,
                                c -> Tolerances.axpy())
                        .scaledBy(OpInfo.Scale.absoluteTerms()),
                OpInfo.of("biasAdd", ElementwiseOps::biasCases, ElementwiseOps::biasInputs, ElementwiseOps::biasAdd,
                                c -> Tolerances.add())
                        .scaledBy(OpInfo.Scale.absoluteTerms())
                        .gradient(biasGradient(BIAS_SHAPES.get(0)))
                        .gradient(biasGradient(BIAS_SHAPES.get(1)))
                        .gradient(BIAS_INPUT_GRADIENT)
                        .rejects(OpInfo.ErrorInput.of("biasAdd: 'bias' of the wrong shape", "x (2,3) bias (2)",
                                b -> b.biasAdd(zeros(b, 2, 3), zeros(b, 2), zeros(b, 2, 3)),
                                "biasAdd", "'bias'", "[2]", "expected [3]")),
                OpInfo.of("sumOverBatch", ElementwiseOps::batchSumCases, uniformInputs("x"), ElementwiseOps::sumOverBatch,
                                c -> Tolerances.sumOverBatch(c.shape().dim(0)))
                        .scaledBy(OpInfo.Scale.absoluteTerms())
                        .gradient(SUM_GRADIENT),
                OpInfo.of("concatChannels", ElementwiseOps::concatCases, ElementwiseOps::concatInputs,
                                ElementwiseOps::concat, (c, output) -> OpInfo.Rule.bits())
                        .rejects(
                                OpInfo.ErrorInput.of("concatChannels: no inputs", "inputs []",
                                        b -> b.concatChannels(List.of(), zeros(b, 2, 8, 4, 4)),
                                        "concatChannels", "'inputs'", "at least one"),
                                OpInfo.ErrorInput.of("concatChannels: spatial sizes differ", "inputs (2,3,4,4), (2,5,4,3)",
                                        b -> b.concatChannels(List.of(zeros(b, 2, 3, 4, 4), zeros(b, 2, 5, 4, 3)),
                                                zeros(b, 2, 8, 4, 4)),
                                        "concatChannels", "'inputs[1]'", "[2, 5, 4, 3]", "expected [2, 5, 4, 4]"),
                                OpInfo.ErrorInput.of("concatChannels: y's channels are not the sum", "inputs (2,3,4,4), (2,5,4,4) y (2,9,4,4)",
                                        b -> b.concatChannels(List.of(zeros(b, 2, 3, 4, 4), zeros(b, 2, 5, 4, 4)),
                                                zeros(b, 2, 9, 4, 4)),
                                        "concatChannels", "'y'", "[2, 9, 4, 4]", "expected 8 channels"),
                                OpInfo.ErrorInput.of("concatChannels: a null input", "inputs (2,3,4,4), null",
                                        b -> b.concatChannels(Arrays.asList(zeros(b, 2, 3, 4, 4), null), zeros(b, 2, 8, 4, 4)),
                                        "concatChannels", "'inputs[1]'", "null")),
                OpInfo.of("concatChannelsBackward", ElementwiseOps::concatCases,
                                (c, rnd, ref) -> new Values().put("dy", c.output(), uniform(rnd, (int) c.output().size(), -2, 2)),
                                ElementwiseOps::concatBackward, (c, output) -> OpInfo.Rule.bits())
                        .gradient(concatGradient(0, List.of(CONCAT_TWO, CONCAT_THREE)))
                        .gradient(concatGradient(1, List.of(CONCAT_TWO, CONCAT_THREE)))
                        .gradient(concatGradient(2, List.of(CONCAT_THREE)))
                        .rejects(
                                OpInfo.ErrorInput.of("concatChannelsBackward: every gradient null", "dy (2,8,4,4)",
                                        b -> b.concatChannelsBackward(zeros(b, 2, 8, 4, 4), Arrays.asList(null, null)),
                                        "concatChannelsBackward", "at most one entry may be null"),
                                OpInfo.ErrorInput.of("concatChannelsBackward: dy's channels are not the sum",
                                        "dy (2,8,4,4) dInputs (2,3,4,4), (2,4,4,4)",
                                        b -> b.concatChannelsBackward(zeros(b, 2, 8, 4, 4),
                                                List.of(zeros(b, 2, 3, 4, 4), zeros(b, 2, 4, 4, 4))),
                                        "concatChannelsBackward", "'dy'", "[2, 8, 4, 4]", "expected 7 channels"),
                                OpInfo.ErrorInput.of("concatChannelsBackward: two gradients share memory", "dInputs a, a", b -> {
                                    Tensor a = zeros(b, 2, 3, 4, 4);
                                    b.concatChannelsBackward(zeros(b, 2, 8, 4, 4), List.of(a, a));
                                }, "concatChannelsBackward", "'dInputs[1]'", "'dInputs[0]'", "shares memory")),
                OpInfo.of("argmax", ElementwiseOps::argmaxCases,
                        (c, rnd, ref) -> new Values().put("x", c.shape(), argmaxInput(c, rnd)), ElementwiseOps::argmax,
                        c -> Tolerances.exact("argmax: an index")),
                OpInfo.of("countCorrect", ElementwiseOps::argmaxCases, ElementwiseOps::countInputs,
                                ElementwiseOps::countCorrect, c -> Tolerances.exact("countCorrect: a count"))
                        .rejects(OpInfo.ErrorInput.of("countCorrect: label >= classes", "label 3 at row 1 of (2,3)",
                                b -> b.countCorrect(zeros(b, 2, 3), b.fromHost(Shape.of(2), new int[] {0, 3})),
                                "countCorrect", "'labels' has 3 at row 1", "[0, 3)")));
    }
}
