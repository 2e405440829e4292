package dev.ingot.parity;

import dev.ingot.core.Backend;
import dev.ingot.core.Shape;
import dev.ingot.core.Tensor;
import dev.ingot.core.spec.GeluApproximation;
import dev.ingot.testkit.FiniteDifferences.Steps;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static dev.ingot.parity.SeededInputs.uniform;
import static dev.ingot.parity.Tolerances.U;
import static dev.ingot.parity.Values.stale;
import static dev.ingot.parity.Values.zeros;

/**
 * ReLU, GELU (exact and tanh forms), softmax and log-softmax, forward and backward. ReLU: sizes around the vector widths (tails
 * of 1..15 elements after whole vectors), exact zeros and negative zeros in the input (the boundary
 * of {@code x > 0} and {@code y > 0}), in place, and every activation of the reference models.
 * Softmax: one class, odd class counts around the vector widths, many classes (1000), the models'
 * (batch, 10) logits, and large logits (|x| up to 80) where only max-subtraction keeps exp from
 * overflowing. GELU: sizes around the vector widths, inputs over [-8, 8] (both tails and the kink
 * region), in place; the reference's exact form uses a double-precision erfc. Gradients against
 * central differences of the forward kernels.
 *
 * <p><b>GELU tolerances</b> (u = 2^-24):
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
final class ActivationOps {
    private ActivationOps() {
    }

    // ---------------------------------------------------------------- ReLU

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

    private static Values reluForwardInputs(ReluCase c, SplittableRandom rnd, Backend reference) {
        return new Values().put("x", c.shape(), withZeros(rnd, (int) c.shape().size()));
    }

    /** y: the reference's ReLU of inputs with zeros, dy uniform in [-2, 2). */
    private static Values reluBackwardInputs(ReluCase c, SplittableRandom rnd, Backend reference) {
        Values x = reluForwardInputs(c, rnd, reference);
        float[] y = reluForward(reference, new ReluCase("", c.shape(), false), x).f("y");
        return new Values().put("y", c.shape(), y).put("dy", c.shape(), uniform(rnd, y.length, -2, 2));
    }

    private static Values reluForward(Backend b, ReluCase c, Values in) {
        Tensor x = in.upload(b, "x");
        Tensor y = c.inPlace() ? x : stale(b, c.shape());
        b.reluForward(x, y);
        return new Values().read("y", y);
    }

    private static Values reluBackward(Backend b, ReluCase c, Values in) {
        Tensor dy = in.upload(b, "dy");
        Tensor dx = c.inPlace() ? dy : stale(b, c.shape());
        b.reluBackward(in.upload(b, "y"), dy, dx);
        return new Values().read("dx", dx);
    }

    /** Values in [-2, -0.1] or [0.1, 2]: at least 0.1 from ReLU's kink at 0, ten times the step. */
    private static float[] awayFromZero(SplittableRandom rnd, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) ((rnd.nextBoolean() ? 1 : -1) * rnd.nextDouble(0.1, 2));
        }
        return v;
    }

    private static final OpInfo.Gradient<Shape> RELU_GRADIENT = new OpInfo.Gradient<>("reluBackward",
            List.of(Shape.of(3, 17), Shape.of(2, 3, 4, 5)),
            (s, rnd, ref) -> {
                float[] x = awayFromZero(rnd, (int) s.size());
                return new Values().put("x", s, x).put("r", s, uniform(rnd, x.length, -1, 1));
            }, "x",
            (b, s, in) -> reluForward(b, new ReluCase("", s, false), in),
            (b, s, in) -> {
                Tensor y = b.zeros(s);
                b.reluForward(in.upload(b, "x"), y);
                Tensor dx = b.zeros(s);
                b.reluBackward(y, in.upload(b, "r"), dx);
                return new Values().read("dx", dx);
            }, s -> Steps.piecewiseLinear(0.01));

    // ---------------------------------------------------------------- GELU

    record GeluCase(Shape shape, GeluApproximation form, boolean inPlace) {
        @Override
        public String toString() {
            return form + " " + shape + (inPlace ? " in place" : "");
        }
    }

    static List<GeluCase> geluCases() {
        List<GeluCase> cases = new ArrayList<>();
        for (GeluApproximation form : GeluApproximation.values()) {
            for (Shape s : List.of(Shape.of(1), Shape.of(15), Shape.of(16), Shape.of(17), Shape.of(1000),
                    Shape.of(2, 3, 5, 7), Shape.of(8, 16, 32, 32))) {
                cases.add(new GeluCase(s, form, false));
            }
            cases.add(new GeluCase(Shape.of(33, 17), form, true));
        }
        return cases;
    }

    private static final double K = Math.sqrt(2 / Math.PI);

    private static Values geluForward(Backend b, GeluCase c, Values in) {
        Tensor x = in.upload(b, "x");
        Tensor y = c.inPlace() ? x : stale(b, c.shape());
        b.geluForward(x, c.form(), y);
        return new Values().read("y", y);
    }

    private static Values geluBackward(Backend b, GeluCase c, Values in) {
        Tensor dy = in.upload(b, "dy");
        Tensor dx = c.inPlace() ? dy : stale(b, c.shape());
        b.geluBackward(in.upload(b, "x"), dy, c.form(), dx);
        return new Values().read("dx", dx);
    }

    /** Exact: {@code |x| + |y|}; tanh: {@code |y| (2 + |2u(x)|)} and the reference's own 2^-53 |x| (see the class comment). */
    private static Values geluForwardScale(Backend reference, GeluCase c, Values in, OpInfo.Kernel<GeluCase> k) {
        float[] x = in.f("x"), want = k.run(reference, c, in).f("y");
        float[] scale = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            double v = x[i];
            scale[i] = (float) (c.form() == GeluApproximation.NONE
                    ? Math.abs(v) + Math.abs(want[i])
                    : Math.abs(want[i]) * (2 + 2 * K * Math.abs(v) * (1 + 0.044715 * v * v)) + 0x1p-53 / (8 * U) * Math.abs(v));
        }
        return new Values().put("y", c.shape(), scale);
    }

    private static Values geluBackwardScale(Backend reference, GeluCase c, Values in, OpInfo.Kernel<GeluCase> k) {
        float[] x = in.f("x"), dy = in.f("dy");
        float[] scale = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            scale[i] = (float) (Math.abs(dy[i]) * (1 + Math.abs(x[i])));
        }
        return new Values().put("dx", c.shape(), scale);
    }

    private static Tolerance geluForwardTolerance(GeluCase c) {
        return c.form() == GeluApproximation.NONE
                ? new Tolerance(8 * U, 0, "float erf's absolute error ~3u|x| plus roundings of |y|: 8u (|x| + |y|)")
                : new Tolerance(8 * U, 1e-37, "relative, the exponent's rounding times |2u(x)|: 8u |y| (2 + |2u(x)|);"
                + " values below 1e-37 may flush");
    }

    /** {@code L = sum(r * gelu(x))}, x in [-4, 4]: smooth. */
    private static final OpInfo.Gradient<GeluCase> GELU_GRADIENT = new OpInfo.Gradient<>("geluBackward",
            List.of(new GeluCase(Shape.of(3, 17), GeluApproximation.NONE, false),
                    new GeluCase(Shape.of(2, 3, 4, 5), GeluApproximation.NONE, false),
                    new GeluCase(Shape.of(3, 17), GeluApproximation.TANH, false),
                    new GeluCase(Shape.of(2, 3, 4, 5), GeluApproximation.TANH, false)),
            (c, rnd, ref) -> {
                float[] x = uniform(rnd, (int) c.shape().size(), -4, 4);
                return new Values().put("x", c.shape(), x).put("r", c.shape(), uniform(rnd, x.length, -1, 1));
            }, "x", ActivationOps::geluForward,
            (b, c, in) -> geluBackward(b, c, in.alias("r", "dy")), c -> Steps.SMOOTH);

    // ---------------------------------------------------------------- softmax, log-softmax

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

    private static Values logits(SoftmaxCase c, SplittableRandom rnd, Backend reference) {
        return new Values().put("x", c.shape(), uniform(rnd, c.rows() * c.cols(), -c.bound(), c.bound()));
    }

    private static OpInfo.Kernel<SoftmaxCase> forward(boolean log) {
        return (b, c, in) -> {
            Tensor y = stale(b, c.shape());
            if (log) {
                b.logSoftmaxForward(in.upload(b, "x"), y);
            } else {
                b.softmaxForward(in.upload(b, "x"), y);
            }
            return new Values().read("y", y);
        };
    }

    /** y: the reference's forward output on uniform logits; dy uniform in [-2, 2). */
    private static OpInfo.Inputs<SoftmaxCase> backwardInputs(boolean log) {
        return (c, rnd, reference) -> {
            float[] y = forward(log).run(reference, c, logits(c, rnd, reference)).f("y");
            return new Values().put("y", c.shape(), y).put("dy", c.shape(), uniform(rnd, y.length, -2, 2));
        };
    }

    private static OpInfo.Kernel<SoftmaxCase> backward(boolean log) {
        return (b, c, in) -> {
            Tensor dx = stale(b, c.shape());
            if (log) {
                b.logSoftmaxBackward(in.upload(b, "y"), in.upload(b, "dy"), dx);
            } else {
                b.softmaxBackward(in.upload(b, "y"), in.upload(b, "dy"), dx);
            }
            return new Values().read("dx", dx);
        };
    }

    /** softmaxBackward's scale {@code y_i * (|dy_i| + sum_j |dy_j| * y_j)}: the magnitude of the terms of {@code y_i * (dy_i - sum_j dy_j y_j)}. */
    private static Values softmaxBackwardScale(Backend reference, SoftmaxCase c, Values in, OpInfo.Kernel<SoftmaxCase> k) {
        float[] y = in.f("y"), dy = in.f("dy");
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
        return new Values().put("dx", c.shape(), scale);
    }

    /** logSoftmaxBackward's scale {@code |dy_i| + exp(y_i) * sum_j |dy_j|}: the terms of {@code dy_i - exp(y_i) * sum_j dy_j}. */
    private static Values logSoftmaxBackwardScale(Backend reference, SoftmaxCase c, Values in,
                                                  OpInfo.Kernel<SoftmaxCase> k) {
        float[] y = in.f("y"), dy = in.f("dy");
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
        return new Values().put("dx", c.shape(), scale);
    }

    private static final List<Shape> ROW_SHAPES = List.of(Shape.of(4, 10), Shape.of(3, 7), Shape.of(2, 33), Shape.of(1, 1));

    /** {@code L = sum(r * softmax(x))} (or log-softmax): the backend's forward output, then its backward with dy = r. */
    private static OpInfo.Gradient<Shape> softmaxGradient(boolean log) {
        return new OpInfo.Gradient<>(log ? "logSoftmaxBackward" : "softmaxBackward", ROW_SHAPES,
                (s, rnd, ref) -> {
                    float[] x = uniform(rnd, (int) s.size(), -2, 2);
                    return new Values().put("x", s, x).put("r", s, uniform(rnd, x.length, -1, 1));
                }, "x",
                (b, s, in) -> forward(log).run(b, new SoftmaxCase(s.dim(0), s.dim(1), 2), in),
                (b, s, in) -> {
                    SoftmaxCase c = new SoftmaxCase(s.dim(0), s.dim(1), 2);
                    Values y = forward(log).run(b, c, in);
                    return backward(log).run(b, c, new Values().put("y", s, y.f("y")).put("dy", s, in.f("r")));
                }, s -> Steps.SMOOTH);
    }

    // ---------------------------------------------------------------- the records

    static List<OpInfo<?>> records() {
        return List.of(
                OpInfo.of("reluForward", ActivationOps::reluCases, ActivationOps::reluForwardInputs,
                        ActivationOps::reluForward, c -> Tolerances.relu()),
                OpInfo.of("reluBackward", ActivationOps::reluCases, ActivationOps::reluBackwardInputs,
                                ActivationOps::reluBackward, c -> Tolerances.relu())
                        .gradient(RELU_GRADIENT),
                OpInfo.of("geluForward", ActivationOps::geluCases,
                                (c, rnd, ref) -> new Values().put("x", c.shape(), uniform(rnd, (int) c.shape().size(), -8, 8)),
                                ActivationOps::geluForward, ActivationOps::geluForwardTolerance)
                        .scaledBy(ActivationOps::geluForwardScale)
                        .rejects(
                                OpInfo.ErrorInput.of("geluForward: null approximation", "x (3,5)",
                                        b -> b.geluForward(zeros(b, 3, 5), null, zeros(b, 3, 5)), "geluForward", "approximation"),
                                OpInfo.ErrorInput.of("geluForward: 'y' of another shape", "x (3,5) y (5,3)",
                                        b -> b.geluForward(zeros(b, 3, 5), GeluApproximation.NONE, zeros(b, 5, 3)),
                                        "geluForward", "'y'", "[5, 3]", "expected [3, 5]")),
                OpInfo.of("geluBackward", ActivationOps::geluCases,
                                (c, rnd, ref) -> {
                                    float[] x = uniform(rnd, (int) c.shape().size(), -8, 8);
                                    return new Values().put("x", c.shape(), x).put("dy", c.shape(), uniform(rnd, x.length, -1, 1));
                                },
                                ActivationOps::geluBackward,
                                c -> new Tolerance((c.form() == GeluApproximation.NONE ? 8 : 16) * U, 1e-37,
                                        "Phi's absolute error and exp's relative error times |x| phi: scale |dy| (1 + |x|)"))
                        .scaledBy(ActivationOps::geluBackwardScale)
                        .gradient(GELU_GRADIENT)
                        .rejects(OpInfo.ErrorInput.of("geluBackward: 'dy' of another shape", "x (3,5) dy (3,4)",
                                b -> b.geluBackward(zeros(b, 3, 5), zeros(b, 3, 4), GeluApproximation.TANH, zeros(b, 3, 5)),
                                "geluBackward", "'dy'", "[3, 4]", "expected [3, 5]")),
                OpInfo.of("softmaxForward", ActivationOps::softmaxCases, ActivationOps::logits, forward(false),
                                c -> Tolerances.softmaxForward(c.cols(), c.bound()))
                        .rejects(OpInfo.ErrorInput.of("softmaxForward: x of rank 3", "x (2,3,4)",
                                b -> b.softmaxForward(zeros(b, 2, 3, 4), zeros(b, 2, 3, 4)),
                                "softmaxForward", "'x'", "rank 2", "[2, 3, 4]")),
                OpInfo.of("logSoftmaxForward", ActivationOps::softmaxCases, ActivationOps::logits, forward(true),
                        c -> Tolerances.logSoftmaxForward(c.cols(), c.bound())),
                OpInfo.of("softmaxBackward", ActivationOps::softmaxCases, backwardInputs(false), backward(false),
                                c -> Tolerances.softmaxBackward(c.cols()))
                        .scaledBy(ActivationOps::softmaxBackwardScale)
                        .gradient(softmaxGradient(false)),
                OpInfo.of("logSoftmaxBackward", ActivationOps::softmaxCases, backwardInputs(true), backward(true),
                                c -> Tolerances.logSoftmaxBackward(c.cols()))
                        .scaledBy(ActivationOps::logSoftmaxBackwardScale)
                        .gradient(softmaxGradient(true)));
    }
}
