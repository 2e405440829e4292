package dev.ingot.parity;

import dev.ingot.core.Backend;
import dev.ingot.core.Shape;
import dev.ingot.core.Tensor;
import dev.ingot.core.spec.CrossEntropySpec;
import org.junit.jupiter.api.Test;
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
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code softmaxCrossEntropy} with label smoothing and class weights ({@link CrossEntropySpec}) on
 * every backend against the reference, and the reference against PyTorch's formula written out.
 */
class SmoothedLossParityTest {

    @RegisterExtension
    static final ParityBackends backends = new ParityBackends(ParityLedger.Suite.PARITY);

    /** (rows, cols) logits in [-bound, bound]; weights in [0.1, 3] when {@code weighted}. */
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

    static Stream<Arguments> cases() {
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
        return ParityCases.onEveryProvider(cases);
    }

    static float[] weights(SplittableRandom rnd, int cols) {
        float[] w = new float[cols];
        for (int i = 0; i < cols; i++) {
            w[i] = (float) rnd.nextDouble(0.1, 3);
        }
        return w;
    }

    private static float[] run(Backend be, Shape shape, CrossEntropySpec spec, float[] logitValues, int[] labelValues,
                               boolean withGradient) {
        Tensor logits = be.fromHost(shape, logitValues);
        Tensor labels = be.fromHost(Shape.of(shape.dim(0)), labelValues);
        Tensor loss = be.zeros(Shape.scalar());
        be.fill(loss, Float.NaN);
        Tensor grad = null;
        if (withGradient) {
            grad = be.zeros(shape);
            be.fill(grad, Float.NaN);
        }
        be.softmaxCrossEntropy(logits, labels, spec, loss, grad);
        float[] out = new float[1 + (grad == null ? 0 : (int) shape.size())];
        out[0] = loss.item();
        if (grad != null) {
            System.arraycopy(grad.toFloatArray(), 0, out, 1, (int) shape.size());
        }
        return out;
    }

    @ParameterizedTest(name = "[{0}] {1}")
    @MethodSource("cases")
    void smoothedWeightedCrossEntropy(BackendUnderTest target, SmoothedCase c) {
        Backend backend = backends.open(target, "softmaxCrossEntropy", c);
        Backend reference = backends.reference();
        SplittableRandom rnd = SeededInputs.random("smoothed softmaxCrossEntropy " + c);
        float[] logits = uniform(rnd, c.rows() * c.cols(), -c.bound(), c.bound());
        int[] labels = labels(rnd, c.rows(), c.cols());
        CrossEntropySpec spec = new CrossEntropySpec(c.smoothing(), c.weighted() ? weights(rnd, c.cols()) : null);
        float[] expected = run(reference, c.shape(), spec, logits, labels, c.withGradient());
        float[] actual = run(backend, c.shape(), spec, logits, labels, c.withGradient());

        String what = "softmaxCrossEntropy(smoothed) [" + c + "] on " + target;
        Tolerance base = Tolerances.crossEntropyLoss(c.rows(), c.cols(), c.bound());
        // The smoothing term adds C weighted log-probabilities per row: sqrt(C) more roundings of |log p|.
        Tolerance loss = new Tolerance(base.rel() + Tolerances.LAMBDA * Math.sqrt(c.cols()) * Tolerances.U
                * (1 + c.bound()), base.abs(), base.why() + ", plus C weighted log-probabilities per row (smoothing)");
        ParityAssertions.assertClose(what + " 'loss'", Shape.scalar(), new float[] {actual[0]},
                new float[] {expected[0]}, null, loss);
        if (c.withGradient()) {
            // Scale: the magnitude of the gradient's terms, (p_j * rowScale + eps/C w_j + (1-eps) w_y [j==y]) / S.
            float[] p = new float[c.rows() * c.cols()];
            try (Tensor x = reference.fromHost(c.shape(), logits); Tensor y = reference.zeros(c.shape())) {
                reference.softmaxForward(x, y);
                reference.copyToHost(y, p);
            }
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
            Tolerance g = Tolerances.crossEntropyGradient(c.cols(), c.bound());
            ParityAssertions.assertClose(what + " 'gradLogits'", c.shape(), java.util.Arrays.copyOfRange(actual, 1,
                    actual.length), java.util.Arrays.copyOfRange(expected, 1, expected.length), scale,
                    new Tolerance(g.rel() + 8 * Tolerances.U, 0, g.why() + ", times the row's weight terms"));
        }
    }

    /**
     * PyTorch: F.cross_entropy(x, y, weight=w, label_smoothing=0.2) for x = [[1, 2, 0.5], [0, 0, 3]],
     * y = [1, 2], w = [1, 2, 0.5]: the smoothed loss sum_n sum_j -q[n,j] log p[n,j] / sum_n w[y_n].
     */
    @Test
    void referenceMatchesPyTorchsFormula() {
        Backend ref = backends.reference();
        float[] x = {1f, 2f, 0.5f, 0f, 0f, 3f};
        int[] y = {1, 2};
        float[] w = {1f, 2f, 0.5f};
        double eps = 0.2;
        double total = 0;
        for (int n = 0; n < 2; n++) {
            double max = Math.max(x[3 * n], Math.max(x[3 * n + 1], x[3 * n + 2]));
            double sum = 0;
            for (int j = 0; j < 3; j++) {
                sum += Math.exp(x[3 * n + j] - max);
            }
            for (int j = 0; j < 3; j++) {
                double logp = x[3 * n + j] - max - Math.log(sum);
                double q = (j == y[n] ? (1 - eps) * w[y[n]] : 0) + eps / 3 * w[j];
                total -= q * logp;
            }
        }
        double expected = total / (w[1] + w[2]);
        float[] got = run(ref, Shape.of(2, 3), new CrossEntropySpec(0.2f, w), x, y, true);
        assertEquals(expected, got[0], 1e-6);
        float[] plain = run(ref, Shape.of(2, 3), CrossEntropySpec.PLAIN, x, y, false);
        try (Tensor logits = ref.fromHost(Shape.of(2, 3), x); Tensor labels = ref.fromHost(Shape.of(2), y);
             Tensor l = ref.zeros(Shape.scalar())) {
            ref.softmaxCrossEntropy(logits, labels, l, null);
            assertEquals(l.item(), plain[0], 1e-7, "PLAIN is the plain loss");
        }
    }

    @Test
    void badWeightsAreRefusedWithClearMessages() {
        Backend ref = backends.reference();
        IllegalArgumentException wrongCount = assertThrows(IllegalArgumentException.class, () -> run(ref,
                Shape.of(2, 3), new CrossEntropySpec(0f, new float[] {1f, 1f}), new float[6], new int[] {0, 1}, true));
        assertTrue(wrongCount.getMessage().contains("2 class weights"), wrongCount.getMessage());
        IllegalArgumentException zero = assertThrows(IllegalArgumentException.class, () -> run(ref,
                Shape.of(2, 3), new CrossEntropySpec(0f, new float[] {0f, 0f, 1f}), new float[6], new int[] {0, 1},
                true));
        assertTrue(zero.getMessage().contains("are 0"), zero.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new CrossEntropySpec(1f, null));
        assertThrows(IllegalArgumentException.class, () -> new CrossEntropySpec(0f, new float[] {-1f}));
    }
}
