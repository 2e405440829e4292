package dev.ingot.reference;

import dev.ingot.core.BackendProvider;
import dev.ingot.core.Backends;
import dev.ingot.core.DType;
import dev.ingot.core.Shape;
import dev.ingot.core.Tensor;
import dev.ingot.core.TensorScope;
import dev.ingot.core.spec.AdamSpec;
import dev.ingot.core.spec.Conv2dSpec;
import dev.ingot.core.spec.DropoutSpec;
import dev.ingot.core.spec.Pool2dSpec;
import dev.ingot.core.spec.SgdSpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The oracle checked against answers worked out by hand, so that the parity suite does not rest on
 * the reference merely agreeing with itself (the gradient checks hold its backward kernels to its
 * forward kernels; these hold the forward kernels to arithmetic).
 */
class ReferenceBackendTest {
    private final ReferenceBackend ref = new ReferenceBackend();
    private TensorScope scope;

    @BeforeEach
    void open() {
        scope = TensorScope.open();
    }

    @AfterEach
    void close() {
        scope.close();
        assertEquals(0, ref.bytesInUse(), "the scope frees every reference tensor");
    }

    private Tensor t(Shape shape, float... values) {
        return ref.fromHost(shape, values);
    }

    @Test
    void isNeverFoundByServiceLoader() {
        assertFalse(Backends.providers().stream().map(BackendProvider::name).anyMatch("reference"::equals));
        assertThrows(IllegalArgumentException.class, () -> Backends.get("reference"));
        assertEquals("reference", ref.name());
    }

    @Test
    void gemmWithTransposesAlphaAndBeta() {
        Tensor a = t(Shape.of(2, 3), 1, 2, 3, 4, 5, 6);
        Tensor bt = t(Shape.of(2, 3), 1, 0, 1, 0, 1, 0);          // b^T: b = [[1,0],[0,1],[1,0]]
        Tensor c = t(Shape.of(2, 2), 10, 20, 30, 40);
        ref.gemm(false, true, 2f, a, bt, 0.5f, c);                  // 2 * a.b + 0.5 * c
        assertArrayEquals(new float[] {2 * 4 + 5, 2 * 2 + 10, 2 * 10 + 15, 2 * 5 + 20}, c.toFloatArray());
        Tensor nan = t(Shape.of(2, 2), Float.NaN, Float.NaN, Float.NaN, Float.NaN);
        ref.gemm(true, false, 1f, t(Shape.of(1, 2), 1, 2), t(Shape.of(1, 2), 3, 4), 0f, nan);
        assertArrayEquals(new float[] {3, 4, 6, 8}, nan.toFloatArray(), "beta 0 ignores NaN in C (outer product)");
    }

    @Test
    void convolutionWithPaddingStrideAndBias() {
        // x 3x3 = 1..9, w 2x2 = [[1,0],[0,-1]], stride 2, pad 1, bias 0.5: windows start at -1 and 1.
        Tensor x = t(Shape.of(1, 1, 3, 3), 1, 2, 3, 4, 5, 6, 7, 8, 9);
        Tensor w = t(Shape.of(1, 1, 2, 2), 1, 0, 0, -1);
        Tensor y = ref.zeros(Shape.of(1, 1, 2, 2));
        ref.conv2dForward(x, w, t(Shape.of(1), 0.5f), Conv2dSpec.of(2, 1), y);
        // (p,q)=(0,0): x[-1][-1]*1 - x[0][0] = -1; (0,1): x[-1][1]*1 - x[0][2] = -3;
        // (1,0): x[1][-1] - x[2][0] = -7; (1,1): x[1][1] - x[2][2] = 5 - 9 = -4.
        assertArrayEquals(new float[] {-0.5f, -2.5f, -6.5f, -3.5f}, y.toFloatArray());
    }

    @Test
    void dilatedConvolution() {
        // 1x5 input, kernel 1x2 with dilation 3: y[q] = x[q]*w0 + x[q+3]*w1.
        Tensor x = t(Shape.of(1, 1, 1, 5), 1, 2, 3, 4, 5);
        Tensor y = ref.zeros(Shape.of(1, 1, 1, 2));
        ref.conv2dForward(x, t(Shape.of(1, 1, 1, 2), 10, 1), null, new Conv2dSpec(1, 1, 0, 0, 1, 3), y);
        assertArrayEquals(new float[] {10 + 4, 20 + 5}, y.toFloatArray());
    }

    @Test
    void convolutionBackwardDataIsTheTransposedScatter() {
        // 1x3 input, 1x2 kernel [a, b], stride 1: y0 = a x0 + b x1, y1 = a x1 + b x2,
        // so dx = [a dy0, b dy0 + a dy1, b dy1].
        Tensor dx = ref.zeros(Shape.of(1, 1, 1, 3));
        ref.conv2dBackwardData(t(Shape.of(1, 1, 1, 2), 1, 10), t(Shape.of(1, 1, 1, 2), 2, 3), Conv2dSpec.DEFAULT, dx);
        assertArrayEquals(new float[] {2, 3 + 20, 30}, dx.toFloatArray());
        Tensor dw = ref.zeros(Shape.of(1, 1, 1, 2));
        ref.conv2dBackwardFilter(t(Shape.of(1, 1, 1, 3), 1, 2, 3), t(Shape.of(1, 1, 1, 2), 1, 10), Conv2dSpec.DEFAULT, dw);
        assertArrayEquals(new float[] {1 + 20, 2 + 30}, dw.toFloatArray(), "dw[s] = sum_q dy[q] * x[q + s]");
        Tensor db = ref.zeros(Shape.of(2));
        ref.conv2dBackwardBias(t(Shape.of(2, 2, 1, 1), 1, 2, 3, 4), db);
        assertArrayEquals(new float[] {4, 6}, db.toFloatArray());
    }

    @Test
    void maxPoolingTiesAndPadding() {
        // All-negative 2x2 input, 3x3 window with pad 1: padding never wins.
        Tensor x = t(Shape.of(1, 1, 2, 2), -4, -3, -2, -5);
        Tensor y = ref.zeros(Shape.of(1, 1, 2, 2));
        ref.maxPool2dForward(x, Pool2dSpec.of(3, 1, 1), y);
        assertArrayEquals(new float[] {-2, -2, -2, -2}, y.toFloatArray());
        // Ties: the first maximum in row-major window order takes the gradient.
        Tensor tied = t(Shape.of(1, 1, 2, 2), 7, 7, 7, 1);
        Tensor ty = ref.zeros(Shape.of(1, 1, 1, 1));
        ref.maxPool2dForward(tied, Pool2dSpec.of(2), ty);
        Tensor dx = ref.zeros(Shape.of(1, 1, 2, 2));
        ref.maxPool2dBackward(tied, ty, t(Shape.of(1, 1, 1, 1), 3), Pool2dSpec.of(2), dx);
        assertArrayEquals(new float[] {3, 0, 0, 0}, dx.toFloatArray());
    }

    @Test
    void averagePoolingDividesByRealPixelsOnly() {
        // 2x2 input, 3x3 window, stride 1, pad 1: every window sees all 4 real pixels (and 5 padded).
        Tensor x = t(Shape.of(1, 1, 2, 2), 1, 2, 3, 6);
        Tensor y = ref.zeros(Shape.of(1, 1, 2, 2));
        ref.avgPool2dForward(x, Pool2dSpec.of(3, 1, 1), y);
        assertArrayEquals(new float[] {3, 3, 3, 3}, y.toFloatArray());
        // 1x3 input, window 1x2 stride 1 pad (0,1): windows [pad, x0], [x0, x1], [x1, x2], [x2, pad].
        Tensor dx = ref.zeros(Shape.of(1, 1, 1, 3));
        ref.avgPool2dBackward(t(Shape.of(1, 1, 1, 4), 4, 4, 4, 4), new Pool2dSpec(1, 2, 1, 1, 0, 1), dx);
        assertArrayEquals(new float[] {4 + 2, 2 + 2, 2 + 4}, dx.toFloatArray());
    }

    @Test
    void softmaxLogSoftmaxAndTheirGradients() {
        float ln2 = (float) Math.log(2);
        Tensor x = t(Shape.of(1, 2), 0, ln2);
        Tensor y = ref.zeros(Shape.of(1, 2));
        ref.softmaxForward(x, y);
        assertArrayEquals(new float[] {1 / 3f, 2 / 3f}, y.toFloatArray(), 1e-7f);
        Tensor logY = ref.zeros(Shape.of(1, 2));
        ref.logSoftmaxForward(x, logY);
        assertArrayEquals(new float[] {(float) Math.log(1 / 3.0), (float) Math.log(2 / 3.0)}, logY.toFloatArray(), 1e-7f);
        Tensor dx = ref.zeros(Shape.of(1, 2));
        ref.softmaxBackward(y, t(Shape.of(1, 2), 1, 0), dx);   // y0*(1 - y0), y1*(0 - y0)
        assertArrayEquals(new float[] {2 / 9f, -2 / 9f}, dx.toFloatArray(), 1e-7f);
        ref.logSoftmaxBackward(logY, t(Shape.of(1, 2), 1, 0), dx); // 1 - y0, -y1
        assertArrayEquals(new float[] {2 / 3f, -2 / 3f}, dx.toFloatArray(), 1e-7f);
        // Max subtraction: logits of 1000 do not overflow.
        ref.softmaxForward(t(Shape.of(1, 2), 1000, 1000), y);
        assertArrayEquals(new float[] {0.5f, 0.5f}, y.toFloatArray());
    }

    @Test
    void crossEntropyMeanLossAndGradient() {
        float ln2 = (float) Math.log(2);
        Tensor logits = t(Shape.of(2, 2), 0, ln2, 0, 0);
        Tensor labels = ref.fromHost(Shape.of(2), new int[] {1, 0});
        Tensor loss = ref.zeros(Shape.scalar());
        Tensor grad = ref.zeros(Shape.of(2, 2));
        ref.softmaxCrossEntropy(logits, labels, loss, grad);
        assertEquals((float) ((-Math.log(2 / 3.0) - Math.log(0.5)) / 2), loss.item(), 1e-7f);
        assertArrayEquals(new float[] {(1 / 3f) / 2, (2 / 3f - 1) / 2, (0.5f - 1) / 2, 0.5f / 2}, grad.toFloatArray(), 1e-7f);
        assertEquals(2, ref.countCorrect(logits, labels), "row 0 predicts 1 (right); row 1 ties and predicts 0 (right)");
    }

    @Test
    void firstAdamStepMovesByAboutTheLearningRate() {
        // Step 1 from zero moments: m = 0.1 g, v = 0.001 g^2, a_1 = lr sqrt(0.001) / 0.1, so the
        // update is a_1 * 0.1 g / (sqrt(0.001) |g| + eps) = lr * sign(g) (up to eps).
        Tensor p = t(Shape.of(3), 1, 1, 1);
        Tensor m = ref.zeros(Shape.of(3)), v = ref.zeros(Shape.of(3));
        ref.adamStep(p, t(Shape.of(3), 0.5f, -2, 100), m, v, AdamSpec.keras(), 1);
        assertArrayEquals(new float[] {1 - 1e-3f, 1 + 1e-3f, 1 - 1e-3f}, p.toFloatArray(), 1e-8f);
        // The betas are floats: 1 - 0.9f is 0.10000002 (2e-7 relative off 0.1) and 1 - 0.999f is
        // 0.00099998713 (1.3e-5 relative off 0.001).
        assertArrayEquals(new float[] {0.05f, -0.2f, 10f}, m.toFloatArray(), 1e-5f);
        assertArrayEquals(new float[] {0.00025f, 0.004f, 10f}, v.toFloatArray(), 2e-4f);
    }

    @Test
    void sgdPlainMomentumAndNesterov() {
        Tensor p = t(Shape.of(1), 1);
        ref.sgdStep(p, t(Shape.of(1), 2), null, new SgdSpec(0.1f, 0, false));
        assertEquals(0.8f, p.item(), 1e-7f);
        Tensor vel = t(Shape.of(1), 0.5f);
        ref.sgdStep(p, t(Shape.of(1), 2), vel, new SgdSpec(0.1f, 0.9f, false)); // v = 0.45 - 0.2 = 0.25
        assertEquals(0.25f, vel.item(), 1e-7f);
        assertEquals(1.05f, p.item(), 1e-6f);
        ref.sgdStep(p, t(Shape.of(1), 1), vel, new SgdSpec(0.1f, 0.9f, true)); // v = 0.225 - 0.1 = 0.125
        assertEquals(0.125f, vel.item(), 1e-7f);
        assertEquals(1.05f + 0.9f * 0.125f - 0.1f, p.item(), 1e-6f);
    }

    @Test
    void dropoutMaskIsTheSpecs() {
        DropoutSpec spec = new DropoutSpec(0.5f, 7);
        Tensor x = t(Shape.of(64), new float[64]);
        ref.fill(x, 2f);
        Tensor y = ref.zeros(Shape.of(64)), mask = ref.zeros(Shape.of(64));
        ref.dropoutForward(x, spec, y, mask);
        float[] yv = y.toFloatArray(), mv = mask.toFloatArray();
        int kept = 0;
        for (int i = 0; i < 64; i++) {
            assertEquals(spec.keep(i) ? 2f : 0f, mv[i]);
            assertEquals(spec.keep(i) ? 4f : 0f, yv[i]);
            kept += spec.keep(i) ? 1 : 0;
        }
        assertTrue(kept > 16 && kept < 48);
    }

    @Test
    void elementwiseAndReductions() {
        Tensor a = t(Shape.of(2, 3), 1, 2, 3, 4, 5, 6);
        Tensor out = ref.zeros(Shape.of(2, 3));
        ref.biasAdd(a, t(Shape.of(3), 10, 20, 30), out);
        assertArrayEquals(new float[] {11, 22, 33, 14, 25, 36}, out.toFloatArray());
        Tensor sum = ref.zeros(Shape.of(3));
        ref.sumOverBatch(a, sum);
        assertArrayEquals(new float[] {5, 7, 9}, sum.toFloatArray());
        ref.axpy(-1f, a, out);
        assertArrayEquals(new float[] {10, 20, 30, 10, 20, 30}, out.toFloatArray());
        Tensor idx = ref.zeros(Shape.of(2), DType.INT32);
        ref.argmax(t(Shape.of(2, 3), 1, 3, 3, 9, 2, 9), idx);
        assertArrayEquals(new int[] {1, 0}, idx.toIntArray(), "first index on ties");
        ref.reluForward(t(Shape.of(3), -1, 0, 2), sum);
        assertArrayEquals(new float[] {0, 0, 2}, sum.toFloatArray());
    }
}
