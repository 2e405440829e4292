package dev.ingot.parity;

import dev.ingot.core.Backend;
import dev.ingot.core.DType;
import dev.ingot.core.Shape;
import dev.ingot.core.Tensor;
import dev.ingot.core.spec.CrossEntropySpec;
import dev.ingot.testkit.FiniteDifferences.Steps;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static dev.ingot.parity.SeededInputs.labels;
import static dev.ingot.parity.SeededInputs.uniform;
import static dev.ingot.parity.Values.stale;
import static dev.ingot.parity.Values.zeros;

/**
 * {@code softmaxCrossEntropy} (the mean loss and its gradient): the models' (batch, 10) logits at
 * batch 32 and 64, batch 1, one class, many classes, large logits, and the loss alone (no gradient
 * tensor); its gradient against central differences of the loss; its label checks. The same with
 * label smoothing and class weights ({@link CrossEntropySpec}) as a second record,
 * {@code softmaxCrossEntropy(smoothed)}; its formula against PyTorch's stays in
 * {@code SmoothedLossParityTest}.
 */
final class LossOps {
    private LossOps() {
    }

    /** (rows, cols) logits in [-bound, bound], labels uniform; {@code withGradient} false: gradLogits is null. */
    record LossCase(int rows, int cols, double bound, boolean withGradient) {
        Shape shape() {
            return Shape.of(rows, cols);
        }

        @Override
        public String toString() {
            return "logits (" + rows + ", " + cols + ") |x| <= " + bound + (withGradient ? "" : ", loss only");
        }
    }

    static List<LossCase> cases() {
        List<LossCase> cases = new ArrayList<>();
        for (boolean grad : new boolean[] {true, false}) {
            cases.add(new LossCase(ReferenceModelLayers.BATCH, 10, 4, grad));
            cases.add(new LossCase(64, 10, 4, grad));
            cases.add(new LossCase(1, 10, 2, grad));
            cases.add(new LossCase(7, 3, 2, grad));
            cases.add(new LossCase(5, 1000, 2, grad));
            cases.add(new LossCase(3, 1, 2, grad));
            cases.add(new LossCase(16, 17, 30, grad));
        }
        return cases;
    }

    private static Values inputs(LossCase c, SplittableRandom rnd, Backend reference) {
        return new Values().put("logits", c.shape(), uniform(rnd, c.rows() * c.cols(), -c.bound(), c.bound()))
                .put("labels", Shape.of(c.rows()), labels(rnd, c.rows(), c.cols()));
    }

    private static Values run(Backend b, LossCase c, Values in) {
        Tensor loss = stale(b, Shape.scalar());
        Tensor grad = c.withGradient() ? stale(b, c.shape()) : null;
        b.softmaxCrossEntropy(in.upload(b, "logits"), in.upload(b, "labels"), loss, grad);
        Values out = new Values().read("loss", loss);
        return grad == null ? out : out.read("gradLogits", grad);
    }

    /** The gradient's scale {@code (p_i + [i == label]) / N}: the magnitude of the two terms of {@code (p_i - [i == label]) / N}. */
    private static Values scale(Backend reference, LossCase c, Values in, OpInfo.Kernel<LossCase> k) {
        float[] p = new float[c.rows() * c.cols()];
        try (Tensor x = in.upload(reference, "logits"); Tensor y = reference.zeros(c.shape())) {
            reference.softmaxForward(x, y);
            reference.copyToHost(y, p);
        }
        int[] labels = in.i("labels");
        float[] scale = new float[p.length];
        for (int n = 0; n < c.rows(); n++) {
            for (int i = 0; i < c.cols(); i++) {
                scale[n * c.cols() + i] = (p[n * c.cols() + i] + (i == labels[n] ? 1f : 0f)) / c.rows();
            }
        }
        return new Values().put("gradLogits", c.shape(), scale);
    }

    private static OpInfo.Rule rule(LossCase c, String output) {
        return OpInfo.Rule.within(output.equals("loss")
                ? Tolerances.crossEntropyLoss(c.rows(), c.cols(), c.bound())
                : Tolerances.crossEntropyGradient(c.cols(), c.bound()));
    }

    /**
     * The gradient of the mean loss itself (no r: the loss is already a scalar). Rows are few (at
     * most 4) so the gradient, which carries 1/N, stays large against the loss's float32 noise.
     */
    private static final OpInfo.Gradient<Shape> GRADIENT = new OpInfo.Gradient<>("softmaxCrossEntropy",
            List.of(Shape.of(4, 10), Shape.of(3, 7), Shape.of(2, 33), Shape.of(1, 1)),
            (s, rnd, ref) -> new Values().put("logits", s, uniform(rnd, (int) s.size(), -2, 2))
                    .put("labels", Shape.of(s.dim(0)), labels(rnd, s.dim(0), s.dim(1))),
            "logits",
            (b, s, in) -> run(b, new LossCase(s.dim(0), s.dim(1), 2, false), in),
            (b, s, in) -> {
                Values out = run(b, new LossCase(s.dim(0), s.dim(1), 2, true), in);
                return new Values().put("gradLogits", s, out.f("gradLogits"));
            }, s -> Steps.SMOOTH);

    /**
     * A label out of range must be rejected before anything is written: loss and gradient keep their
     * old values (checked after the call, whatever it threw).
     */
    private static OpInfo.BadCall labelRejected(int[] labels) {
        return b -> {
            float[] logits = new float[40];
            for (int i = 0; i < logits.length; i++) {
                logits[i] = (i % 7) - 3;
            }
            Tensor loss = b.zeros(Shape.of(1));
            Tensor grad = b.zeros(Shape.of(4, 10));
            b.fill(loss, 42f);
            b.fill(grad, 42f);
            try {
                b.softmaxCrossEntropy(b.fromHost(Shape.of(4, 10), logits), b.fromHost(Shape.of(4), labels), loss, grad);
            } finally {
                float[] untouched = new float[40];
                Arrays.fill(untouched, 42f);
                if (loss.toFloatArray()[0] != 42f || !Arrays.equals(untouched, grad.toFloatArray())) {
                    throw new AssertionError("the loss or gradLogits was written before the labels were checked");
                }
            }
        };
    }

    static List<OpInfo<?>> records() {
        return List.of(smoothedRecord(), OpInfo.of("softmaxCrossEntropy", LossOps::cases, LossOps::inputs, LossOps::run, LossOps::rule)
                .scaledBy(LossOps::scale)
                .gradient(GRADIENT)
                .rejects(
                        OpInfo.ErrorInput.of("softmaxCrossEntropy: 'labels' of the wrong shape", "logits (4,10) labels (3)",
                                b -> b.softmaxCrossEntropy(zeros(b, 4, 10), b.zeros(Shape.of(3), DType.INT32),
                                        b.zeros(Shape.scalar()), null),
                                "softmaxCrossEntropy", "'labels'", "[3]", "expected [4]"),
                        OpInfo.ErrorInput.of("softmaxCrossEntropy: label >= classes", "label 10 at row 2 of (4,10)",
                                labelRejected(new int[] {1, 2, 10, 3}),
                                "softmaxCrossEntropy", "'labels' has 10 at row 2", "[0, 10)"),
                        OpInfo.ErrorInput.of("softmaxCrossEntropy: negative label", "label -1 at row 3 of (4,10)",
                                labelRejected(new int[] {0, 9, 5, -1}),
                                "softmaxCrossEntropy", "'labels' has -1 at row 3", "[0, 10)"),
                        OpInfo.ErrorInput.of("float32 labels", "softmaxCrossEntropy labels float32",
                                b -> b.softmaxCrossEntropy(zeros(b, 4, 10), zeros(b, 4), b.zeros(Shape.scalar()), null),
                                "softmaxCrossEntropy", "'labels'", "int32", "[4] float32"),
                        OpInfo.ErrorInput.of("softmaxCrossEntropy: gradLogits is logits", "(2,3)", b -> {
                            Tensor logits = zeros(b, 2, 3);
                            b.softmaxCrossEntropy(logits, b.zeros(Shape.of(2), DType.INT32), b.zeros(Shape.scalar()), logits);
                        }, "softmaxCrossEntropy", "'gradLogits'", "shares memory", "'logits'")));
    }

    // ---------------------------------------------------------------- label smoothing and class weights

    /** (rows, cols) logits in [-bound, bound]; class weights in [0.1, 3] when {@code weighted}. */
    record SmoothedCase(int rows, int cols, double bound, float smoothing, boolean weighted, boolean withGradient) {
        Shape shape() {
            return Shape.of(rows, cols);
        }

        @Override
        public String toString() {
            return "logits (" + rows + ", " + cols + ") |x| <= " + bound + ", eps " + smoothing
                    + (weighted ? ", weighted" : "") + (withGradient ? "" : ", loss only");
        }
    }

    static List<SmoothedCase> smoothedCases() {
        List<SmoothedCase> cases = new ArrayList<>();
        for (boolean grad : new boolean[] {true, false}) {
            cases.add(new SmoothedCase(32, 10, 4, 0.2f, false, grad));
            cases.add(new SmoothedCase(64, 10, 4, 0.1f, true, grad));
            cases.add(new SmoothedCase(200, 10, 4, 0.2f, true, grad));
            cases.add(new SmoothedCase(1, 10, 2, 0f, true, grad));
            cases.add(new SmoothedCase(7, 3, 2, 0.5f, true, grad));
            cases.add(new SmoothedCase(5, 1000, 2, 0.2f, true, grad));
            cases.add(new SmoothedCase(16, 17, 30, 0.2f, false, grad));
        }
        return cases;
    }

    private static float[] weights(SplittableRandom rnd, int cols, double low, double high) {
        float[] w = new float[cols];
        for (int i = 0; i < cols; i++) {
            w[i] = (float) rnd.nextDouble(low, high);
        }
        return w;
    }

    private static Values smoothedInputs(SmoothedCase c, SplittableRandom rnd, Backend reference) {
        Values v = new Values().put("logits", c.shape(), uniform(rnd, c.rows() * c.cols(), -c.bound(), c.bound()))
                .put("labels", Shape.of(c.rows()), labels(rnd, c.rows(), c.cols()));
        return c.weighted() ? v.put("weights", Shape.of(c.cols()), weights(rnd, c.cols(), 0.1, 3)) : v;
    }

    private static CrossEntropySpec spec(float smoothing, Values in) {
        return new CrossEntropySpec(smoothing, in.has("weights") ? in.f("weights") : null);
    }

    private static Values smoothedRun(Backend b, SmoothedCase c, Values in) {
        Tensor loss = stale(b, Shape.scalar());
        Tensor grad = c.withGradient() ? stale(b, c.shape()) : null;
        b.softmaxCrossEntropy(in.upload(b, "logits"), in.upload(b, "labels"), spec(c.smoothing(), in), loss, grad);
        Values out = new Values().read("loss", loss);
        return grad == null ? out : out.read("gradLogits", grad);
    }

    /**
     * The gradient's scale: the magnitude of its terms,
     * {@code (p_j (hard + eps/C sum w) + eps/C w_j + hard [j == y]) / S} with {@code hard = (1-eps) w_y}
     * and {@code S} the labels' weight sum.
     */
    private static Values smoothedScale(Backend reference, SmoothedCase c, Values in,
                                        OpInfo.Kernel<SmoothedCase> k) {
        if (!c.withGradient()) {
            return null;
        }
        CrossEntropySpec spec = spec(c.smoothing(), in);
        float[] p = new float[c.rows() * c.cols()];
        try (Tensor x = in.upload(reference, "logits"); Tensor y = reference.zeros(c.shape())) {
            reference.softmaxForward(x, y);
            reference.copyToHost(y, p);
        }
        int[] labels = in.i("labels");
        double s = 0, wAll = 0;
        for (int n = 0; n < c.rows(); n++) {
            s += spec.weight(labels[n]);
        }
        for (int j = 0; j < c.cols(); j++) {
            wAll += spec.weight(j);
        }
        float[] scale = new float[p.length];
        double eps = c.smoothing();
        for (int n = 0; n < c.rows(); n++) {
            double hard = (1 - eps) * spec.weight(labels[n]);
            for (int j = 0; j < c.cols(); j++) {
                scale[n * c.cols() + j] = (float) ((p[n * c.cols() + j] * (hard + eps / c.cols() * wAll)
                        + eps / c.cols() * spec.weight(j) + (j == labels[n] ? hard : 0)) / s);
            }
        }
        return new Values().put("gradLogits", c.shape(), scale);
    }

    private static OpInfo.Rule smoothedRule(SmoothedCase c, String output) {
        if (output.equals("loss")) {
            // The smoothing term adds C weighted log-probabilities per row: sqrt(C) more roundings of |log p|.
            Tolerance base = Tolerances.crossEntropyLoss(c.rows(), c.cols(), c.bound());
            return OpInfo.Rule.within(new Tolerance(base.rel() + Tolerances.LAMBDA * Math.sqrt(c.cols()) * Tolerances.U
                    * (1 + c.bound()), base.abs(), base.why() + ", plus C weighted log-probabilities per row (smoothing)"));
        }
        Tolerance g = Tolerances.crossEntropyGradient(c.cols(), c.bound());
        return OpInfo.Rule.within(new Tolerance(g.rel() + 8 * Tolerances.U, 0, g.why() + ", times the row's weight terms"));
    }

    /** The smoothed (eps 0.2), weighted (w in [0.2, 2]) loss's gradient against central differences of the loss. */
    private static final OpInfo.Gradient<Shape> SMOOTHED_GRADIENT = new OpInfo.Gradient<>(
            "softmaxCrossEntropy(smoothed, weighted)", List.of(Shape.of(4, 10), Shape.of(3, 7), Shape.of(2, 33)),
            (s, rnd, ref) -> new Values().put("logits", s, uniform(rnd, (int) s.size(), -2, 2))
                    .put("labels", Shape.of(s.dim(0)), labels(rnd, s.dim(0), s.dim(1)))
                    .put("weights", Shape.of(s.dim(1)), weights(rnd, s.dim(1), 0.2, 2)),
            "logits",
            (b, s, in) -> smoothedRun(b, new SmoothedCase(s.dim(0), s.dim(1), 2, 0.2f, true, false), in),
            (b, s, in) -> {
                Values out = smoothedRun(b, new SmoothedCase(s.dim(0), s.dim(1), 2, 0.2f, true, true), in);
                return new Values().put("gradLogits", s, out.f("gradLogits"));
            }, s -> Steps.SMOOTH);

    static OpInfo<SmoothedCase> smoothedRecord() {
        return OpInfo.of("softmaxCrossEntropy(smoothed)", LossOps::smoothedCases, LossOps::smoothedInputs,
                        LossOps::smoothedRun, LossOps::smoothedRule)
                .scaledBy(LossOps::smoothedScale)
                .gradient(SMOOTHED_GRADIENT)
                .rejects(OpInfo.ErrorInput.of("softmaxCrossEntropy: class weights of the wrong length",
                        "logits (2,3) 2 weights", b -> b.softmaxCrossEntropy(zeros(b, 2, 3),
                                b.zeros(Shape.of(2), DType.INT32), new CrossEntropySpec(0f, new float[] {1f, 1f}),
                                b.zeros(Shape.scalar()), null),
                        "softmaxCrossEntropy", "2 class weights", "[2, 3]", "3 classes"));
    }
}
