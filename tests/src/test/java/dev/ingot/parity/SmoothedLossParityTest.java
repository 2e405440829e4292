package dev.ingot.parity;

import dev.ingot.core.Backend;
import dev.ingot.core.Shape;
import dev.ingot.core.Tensor;
import dev.ingot.core.spec.CrossEntropySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code softmaxCrossEntropy} with label smoothing and class weights ({@link CrossEntropySpec}): the
 * reference against PyTorch's formula written out, and the weights it refuses on the reference. Its
 * cases on every backend and its gradient check are the op table's {@code softmaxCrossEntropy(smoothed)}
 * record ({@link LossOps}).
 */
class SmoothedLossParityTest {

    @RegisterExtension
    static final ParityBackends backends = new ParityBackends(ParityLedger.Suite.PARITY);

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
