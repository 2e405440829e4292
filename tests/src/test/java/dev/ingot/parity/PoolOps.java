package dev.ingot.parity;

import dev.ingot.core.Backend;
import dev.ingot.core.Shape;
import dev.ingot.core.Tensor;
import dev.ingot.core.spec.Pool2dGeometry;
import dev.ingot.core.spec.Pool2dSpec;
import dev.ingot.testkit.FiniteDifferences.Steps;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static dev.ingot.parity.SeededInputs.distinct;
import static dev.ingot.parity.SeededInputs.uniform;
import static dev.ingot.parity.Tolerances.U;
import static dev.ingot.parity.Values.stale;
import static dev.ingot.parity.Values.zeros;

/**
 * Max, average and global average pooling, forward and backward: odd sizes (the last row and column dropped),
 * stride different from the window (overlapping windows, where backward contributions add), padding
 * (never wins a max; not counted in an average), non-square windows and strides, a window as large
 * as the input, 1x1 windows, ties (the first maximum in row-major window order wins), all-negative
 * inputs next to padding, and every max-pool of the reference models. Max-pool inputs are distinct
 * unless the case tests ties. Gradients: non-overlapping, strided with padding, and overlapping
 * windows; max-pool inputs distinct and the step a quarter of their spacing, so no perturbation
 * changes which pixel wins a window. Global average pooling: 1x1 planes, planes around the vector
 * widths, ResNet-20's last stage (64 channels of 8x8) and ResNet-18's (512 of 7x7); its forward pass
 * is a sum of H*W terms and one division (relative to the mean of |x|), its backward pass one
 * division, or a product by 1/(H*W) (two roundings).
 */
final class PoolOps {
    private PoolOps() {
    }

    /** What the input values look like. */
    enum Kind {
        /** Distinct values in [-2, 2): no ties. */
        DISTINCT,
        /** Integers in [-2, 2]: ties in almost every window. */
        TIES,
        /** Distinct values in [-3, -1): a max that let padding (0) win would be wrong everywhere. */
        NEGATIVE
    }

    record PoolCase(String label, int n, int c, int h, int w, Pool2dSpec spec, Kind values) {
        Pool2dGeometry geometry() {
            return Pool2dGeometry.of("case", Shape.of(n, c, h, w), spec);
        }

        @Override
        public String toString() {
            return (label.isEmpty() ? "" : label + ": ") + "x (" + n + "," + c + "," + h + "," + w + ") " + spec
                    + (values == Kind.DISTINCT ? "" : ", " + values.name().toLowerCase() + " values");
        }
    }

    static List<PoolCase> cases() {
        List<PoolCase> cases = new ArrayList<>();
        cases.add(new PoolCase("batch 1, odd sizes", 1, 3, 7, 7, Pool2dSpec.of(2), Kind.DISTINCT));
        cases.add(new PoolCase("3x3 stride 2 pad 1", 2, 5, 9, 11, Pool2dSpec.of(3, 2, 1), Kind.DISTINCT));
        cases.add(new PoolCase("overlapping 3x3 stride 1 pad 1", 2, 17, 8, 8, Pool2dSpec.of(3, 1, 1), Kind.DISTINCT));
        cases.add(new PoolCase("non-square", 1, 1, 5, 6, new Pool2dSpec(2, 3, 1, 2, 1, 1), Kind.DISTINCT));
        cases.add(new PoolCase("window as large as input", 3, 16, 4, 4, Pool2dSpec.of(4, 1, 0), Kind.DISTINCT));
        cases.add(new PoolCase("1x1", 2, 33, 6, 5, Pool2dSpec.of(1), Kind.DISTINCT));
        cases.add(new PoolCase("3x3 stride 3 pad 1", 2, 4, 10, 10, Pool2dSpec.of(3, 3, 1), Kind.DISTINCT));
        cases.add(new PoolCase("ties, overlapping", 2, 3, 8, 8, Pool2dSpec.of(3, 1, 1), Kind.TIES));
        cases.add(new PoolCase("ties 2x2", 2, 3, 9, 8, Pool2dSpec.of(2), Kind.TIES));
        cases.add(new PoolCase("negative next to padding", 1, 2, 6, 6, Pool2dSpec.of(3, 2, 1), Kind.NEGATIVE));
        for (ReferenceModelLayers.Pool p : ReferenceModelLayers.pools()) {
            cases.add(new PoolCase(p.name(), p.n(), p.c(), p.h(), p.w(), p.spec(), Kind.DISTINCT));
        }
        return cases;
    }

    private static float[] x(PoolCase c, SplittableRandom rnd) {
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

    private static Values forwardInputs(PoolCase c, SplittableRandom rnd, Backend reference) {
        return new Values().put("x", c.geometry().inputShape(), x(c, rnd));
    }

    /** x, the reference's forward output y, and dy uniform in [-2, 2). */
    private static Values maxBackwardInputs(PoolCase c, SplittableRandom rnd, Backend reference) {
        Pool2dGeometry g = c.geometry();
        Values in = forwardInputs(c, rnd, reference);
        float[] dy = uniform(rnd, (int) g.outputShape().size(), -2, 2);
        return in.put("y", g.outputShape(), maxForward(reference, c, in).f("y")).put("dy", g.outputShape(), dy);
    }

    private static Values avgBackwardInputs(PoolCase c, SplittableRandom rnd, Backend reference) {
        Shape yShape = c.geometry().outputShape();
        return new Values().put("dy", yShape, uniform(rnd, (int) yShape.size(), -2, 2));
    }

    private static Values maxForward(Backend b, PoolCase c, Values in) {
        Tensor y = stale(b, c.geometry().outputShape());
        b.maxPool2dForward(in.upload(b, "x"), c.spec(), y);
        return new Values().read("y", y);
    }

    private static Values maxBackward(Backend b, PoolCase c, Values in) {
        Tensor dx = stale(b, c.geometry().inputShape());
        b.maxPool2dBackward(in.upload(b, "x"), in.upload(b, "y"), in.upload(b, "dy"), c.spec(), dx);
        return new Values().read("dx", dx);
    }

    private static Values avgForward(Backend b, PoolCase c, Values in) {
        Tensor y = stale(b, c.geometry().outputShape());
        b.avgPool2dForward(in.upload(b, "x"), c.spec(), y);
        return new Values().read("y", y);
    }

    private static Values avgBackward(Backend b, PoolCase c, Values in) {
        Tensor dx = stale(b, c.geometry().inputShape());
        b.avgPool2dBackward(in.upload(b, "dy"), c.spec(), dx);
        return new Values().read("dx", dx);
    }

    /**
     * maxPool2dBackward's scale: the same routing of |dy| (x and y as they are: the absolute values
     * would change which pixel wins).
     */
    private static Values maxBackwardScale(Backend reference, PoolCase c, Values in, OpInfo.Kernel<PoolCase> k) {
        return k.run(reference, c, in.with("dy", SeededInputs.abs(in.f("dy"))));
    }

    // ---------------------------------------------------------------- gradient relations

    record GradCase(String label, Shape x, Pool2dSpec spec) {
        PoolCase pool() {
            return new PoolCase(label, x.dim(0), x.dim(1), x.dim(2), x.dim(3), spec, Kind.DISTINCT);
        }

        @Override
        public String toString() {
            return label + ": x " + x + " " + spec;
        }
    }

    private static final List<GradCase> GRAD_CASES = List.of(
            new GradCase("2x2 stride 2", Shape.of(2, 3, 6, 6), Pool2dSpec.of(2)),
            new GradCase("3x3 stride 2 pad 1", Shape.of(1, 2, 7, 7), Pool2dSpec.of(3, 2, 1)),
            new GradCase("overlapping 3x3 stride 1 pad 1", Shape.of(2, 2, 5, 6), Pool2dSpec.of(3, 1, 1)));

    /** Distinct x (max) or uniform x (average) in [-2, 2), and r in [-1, 1). */
    private static OpInfo.Inputs<GradCase> gradInputs(boolean max) {
        return (c, rnd, reference) -> {
            int size = (int) c.x().size();
            Shape yShape = c.pool().geometry().outputShape();
            float[] x = max ? distinct(rnd, size, -2, 2) : uniform(rnd, size, -2, 2);
            return new Values().put("x", c.x(), x).put("r", yShape, uniform(rnd, (int) yShape.size(), -1, 1));
        };
    }

    /** dx of {@code sum(r * maxPool(x))}: the backend's own forward output, then its backward with dy = r. */
    private static Values maxGradient(Backend b, GradCase c, Values in) {
        PoolCase p = c.pool();
        Tensor x = in.upload(b, "x");
        Tensor y = b.zeros(p.geometry().outputShape());
        b.maxPool2dForward(x, p.spec(), y);
        Tensor dx = b.zeros(p.geometry().inputShape());
        b.maxPool2dBackward(x, y, in.upload(b, "r"), p.spec(), dx);
        return new Values().read("dx", dx);
    }

    private static final OpInfo.Gradient<GradCase> MAX_GRADIENT = new OpInfo.Gradient<>("maxPool2dBackward", GRAD_CASES,
            gradInputs(true), "x", (b, c, in) -> maxForward(b, c.pool(), in),
            PoolOps::maxGradient,
            c -> Steps.piecewiseLinear(4.0 / c.x().size() / 4)); // a quarter of the spacing of the distinct inputs

    private static final OpInfo.Gradient<GradCase> AVG_GRADIENT = new OpInfo.Gradient<>("avgPool2dBackward", GRAD_CASES,
            gradInputs(false), "x", (b, c, in) -> avgForward(b, c.pool(), in),
            (b, c, in) -> avgBackward(b, c.pool(), in.alias("r", "dy")), c -> Steps.LINEAR);

    // ---------------------------------------------------------------- global average pooling

    static List<Shape> globalCases() {
        return List.of(Shape.of(2, 3, 1, 1), Shape.of(2, 3, 3, 5), Shape.of(3, 2, 4, 4), Shape.of(1, 5, 1, 17),
                Shape.of(4, 64, 8, 8), Shape.of(2, 512, 7, 7), Shape.of(2, 4, 32, 32));
    }

    private static Shape pooled(Shape s) {
        return Shape.of(s.dim(0), s.dim(1));
    }

    private static Values globalForward(Backend b, Shape s, Values in) {
        Tensor y = stale(b, pooled(s));
        b.globalAvgPool2dForward(in.upload(b, "x"), y);
        return new Values().read("y", y);
    }

    private static Values globalBackward(Backend b, Shape s, Values in) {
        Tensor dx = stale(b, s);
        b.globalAvgPool2dBackward(in.upload(b, "dy"), dx);
        return new Values().read("dx", dx);
    }

    /** {@code L = sum(r * globalAvgPool(x))}: linear. */
    private static final OpInfo.Gradient<Shape> GLOBAL_GRADIENT = new OpInfo.Gradient<>("globalAvgPool2dBackward",
            List.of(Shape.of(2, 3, 1, 1), Shape.of(2, 3, 4, 5)),
            (s, rnd, ref) -> new Values().put("x", s, uniform(rnd, (int) s.size(), -2, 2))
                    .put("r", pooled(s), uniform(rnd, (int) pooled(s).size(), -1, 1)),
            "x", PoolOps::globalForward, (b, s, in) -> globalBackward(b, s, in.alias("r", "dy")), s -> Steps.LINEAR);

    // ---------------------------------------------------------------- the records

    static List<OpInfo<?>> records() {
        return List.of(
                OpInfo.of("maxPool2dForward", PoolOps::cases, PoolOps::forwardInputs, PoolOps::maxForward,
                                c -> Tolerances.maxPool2dForward())
                        .rejects(
                                OpInfo.ErrorInput.of("null spec", "maxPool2dForward spec null",
                                        b -> b.maxPool2dForward(zeros(b, 1, 1, 2, 2), null, zeros(b, 1, 1, 1, 1)),
                                        "maxPool2dForward", "spec", "null"),
                                OpInfo.ErrorInput.of("maxPool2dForward: 'y' of the wrong shape", "x (1,2,6,6) y (1,2,2,2)",
                                        b -> b.maxPool2dForward(zeros(b, 1, 2, 6, 6), Pool2dSpec.of(2), zeros(b, 1, 2, 2, 2)),
                                        "maxPool2dForward", "'y'", "[1, 2, 2, 2]", "expected [1, 2, 3, 3]"),
                                OpInfo.ErrorInput.of("maxPool2dForward: y is x", "x (1,2,4,4) 1x1 window", b -> {
                                    Tensor x = zeros(b, 1, 2, 4, 4);
                                    b.maxPool2dForward(x, Pool2dSpec.of(1), x);
                                }, "maxPool2dForward", "'y'", "shares memory", "'x'")),
                OpInfo.of("maxPool2dBackward", PoolOps::cases, PoolOps::maxBackwardInputs, PoolOps::maxBackward,
                                c -> Tolerances.maxPool2dBackward(c.spec()))
                        .scaledBy(PoolOps::maxBackwardScale)
                        .gradient(MAX_GRADIENT),
                OpInfo.of("avgPool2dForward", PoolOps::cases, PoolOps::forwardInputs, PoolOps::avgForward,
                                c -> Tolerances.avgPool2dForward(c.spec()))
                        .scaledBy(OpInfo.Scale.absoluteTerms())
                        .rejects(OpInfo.ErrorInput.of("avgPool2dForward: window larger than the padded input",
                                "x (1,1,2,2) 3x3",
                                b -> b.avgPool2dForward(zeros(b, 1, 1, 2, 2), Pool2dSpec.of(3), zeros(b, 1, 1, 1, 1)),
                                "avgPool2dForward", "window 3x3", "larger than the padded input 2x2", "[1, 1, 2, 2]")),
                OpInfo.of("globalAvgPool2dForward", PoolOps::globalCases,
                                (s, rnd, ref) -> new Values().put("x", s, uniform(rnd, (int) s.size(), -2, 2)),
                                PoolOps::globalForward,
                                s -> Tolerances.sumOfTerms((long) s.dim(2) * s.dim(3) + 1, "globalAvgPool2dForward (H*W terms and a division)"))
                        .scaledBy(OpInfo.Scale.absoluteTerms())
                        .rejects(
                                OpInfo.ErrorInput.of("globalAvgPool2dForward: x of rank 3", "x (3,4,4)",
                                        b -> b.globalAvgPool2dForward(zeros(b, 3, 4, 4), zeros(b, 3, 4)),
                                        "globalAvgPool2dForward", "'x'", "rank 4", "[3, 4, 4]"),
                                OpInfo.ErrorInput.of("globalAvgPool2dForward: y of shape (N,C,1,1)", "x (2,3,4,4) y (2,3,1,1)",
                                        b -> b.globalAvgPool2dForward(zeros(b, 2, 3, 4, 4), zeros(b, 2, 3, 1, 1)),
                                        "globalAvgPool2dForward", "'y'", "[2, 3, 1, 1]", "expected [2, 3]")),
                OpInfo.of("globalAvgPool2dBackward", PoolOps::globalCases,
                                (s, rnd, ref) -> new Values().put("dy", pooled(s), uniform(rnd, (int) pooled(s).size(), -2, 2)),
                                PoolOps::globalBackward,
                                s -> new Tolerance(2 * U, 0, "dy/(H*W): one division, or a product by a rounded 1/(H*W)"))
                        .gradient(GLOBAL_GRADIENT)
                        .rejects(OpInfo.ErrorInput.of("globalAvgPool2dBackward: 'dy' of the wrong shape", "dy (2,4) dx (2,3,4,4)",
                                b -> b.globalAvgPool2dBackward(zeros(b, 2, 4), zeros(b, 2, 3, 4, 4)),
                                "globalAvgPool2dBackward", "'dy'", "[2, 4]", "expected [2, 3]")),
                OpInfo.of("avgPool2dBackward", PoolOps::cases, PoolOps::avgBackwardInputs, PoolOps::avgBackward,
                                c -> Tolerances.avgPool2dBackward(c.spec()))
                        .scaledBy(OpInfo.Scale.absoluteTerms())
                        .gradient(AVG_GRADIENT));
    }
}
