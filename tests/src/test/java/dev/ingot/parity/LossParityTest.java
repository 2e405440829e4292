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

import static dev.ingot.parity.SeededInputs.labels;
import static dev.ingot.parity.SeededInputs.uniform;

/**
 * {@code softmaxCrossEntropy} (the mean loss and its gradient) on every backend against the
 * reference: the models' (batch, 10) logits at batch 32 and 64, batch 1, one class, many classes,
 * large logits, and the loss alone (no gradient tensor).
 */
class LossParityTest {

    @RegisterExtension
    static final ParityBackends backends = new ParityBackends(ParityLedger.Suite.PARITY);

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

    static List<LossCase> lossCases() {
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

    static Stream<Arguments> cases() {
        return ParityCases.onEveryProvider(lossCases());
    }

    /** The loss and (if asked for) the gradient, as one array: [loss, grad...]. */
    private static float[] run(Backend be, LossCase c, float[] logitValues, int[] labelValues) {
        Tensor logits = be.fromHost(c.shape(), logitValues);
        Tensor labels = be.fromHost(Shape.of(c.rows()), labelValues);
        Tensor loss = be.zeros(Shape.scalar());
        be.fill(loss, Float.NaN);
        Tensor grad = null;
        if (c.withGradient()) {
            grad = be.zeros(c.shape());
            be.fill(grad, Float.NaN);
        }
        be.softmaxCrossEntropy(logits, labels, loss, grad);
        float[] out = new float[1 + (grad == null ? 0 : c.rows() * c.cols())];
        out[0] = loss.item();
        if (grad != null) {
            System.arraycopy(grad.toFloatArray(), 0, out, 1, c.rows() * c.cols());
        }
        return out;
    }

    @ParameterizedTest(name = "[{0}] {1}")
    @MethodSource("cases")
    void softmaxCrossEntropy(BackendUnderTest target, LossCase c) {
        Backend backend = backends.open(target, "softmaxCrossEntropy", c);
        Backend reference = backends.reference();
        SplittableRandom rnd = SeededInputs.random("softmaxCrossEntropy " + c);
        float[] logits = uniform(rnd, c.rows() * c.cols(), -c.bound(), c.bound());
        int[] labels = labels(rnd, c.rows(), c.cols());
        float[] expected = run(reference, c, logits, labels);
        float[] actual = run(backend, c, logits, labels);

        String what = "softmaxCrossEntropy [" + c + "] on " + target;
        ParityAssertions.assertClose(what + " 'loss'", Shape.scalar(), new float[] {actual[0]},
                new float[] {expected[0]}, null, Tolerances.crossEntropyLoss(c.rows(), c.cols(), c.bound()));
        if (c.withGradient()) {
            // Scale (p_i + [i == label]) / N: the magnitude of the two terms of (p_i - [i == label]) / N.
            float[] p = new float[c.rows() * c.cols()];
            try (Tensor x = reference.fromHost(c.shape(), logits); Tensor y = reference.zeros(c.shape())) {
                reference.softmaxForward(x, y);
                reference.copyToHost(y, p);
            }
            float[] scale = new float[p.length];
            for (int n = 0; n < c.rows(); n++) {
                for (int i = 0; i < c.cols(); i++) {
                    scale[n * c.cols() + i] = (p[n * c.cols() + i] + (i == labels[n] ? 1f : 0f)) / c.rows();
                }
            }
            ParityAssertions.assertClose(what + " 'gradLogits'", c.shape(), tail(actual), tail(expected), scale,
                    Tolerances.crossEntropyGradient(c.cols(), c.bound()));
        }
    }

    private static float[] tail(float[] v) {
        return java.util.Arrays.copyOfRange(v, 1, v.length);
    }
}
