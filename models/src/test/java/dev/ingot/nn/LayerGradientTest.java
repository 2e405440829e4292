package dev.ingot.nn;

import dev.ingot.core.Backend;
import dev.ingot.core.Shape;
import dev.ingot.core.Tensor;
import dev.ingot.core.spec.Conv2dSpec;
import dev.ingot.core.spec.Pool2dSpec;
import dev.ingot.testkit.FiniteDifferences;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every layer's backward pass against central finite differences of its forward pass, through the
 * {@link Layer} API, on small odd shapes (sizes that are not multiples of any vector width).
 * See {@link GradientCheck} for the method and the tolerance.
 */
class LayerGradientTest {
    /**
     * {@code 2e-3 * (|analytic| + mean |analytic|)}: about the old {@code 1e-3 + 2e-3 * |numeric|} for
     * gradients of size ~0.5, and 20 times the float32 noise of L / 2h.
     */
    private static final double TOL = 2e-3;
    private static final Backend backend = TestBackend.shared();

    private static float[] uniform(long seed, Shape s) {
        return GradientCheck.uniform(new SplittableRandom(seed), (int) s.size(), -1, 1);
    }

    @Test
    void conv2dValid() {
        Shape x = Shape.of(2, 3, 7, 6);
        GradientCheck.check(backend, new Conv2d(4, 3), Shape.of(3, 7, 6), uniform(1, x), 2, 11, TOL);
    }

    @Test
    void conv2dStridedPaddedRectangular() {
        Shape x = Shape.of(3, 2, 9, 8);
        GradientCheck.check(backend, new Conv2d(5, 3, 2, new Conv2dSpec(2, 1, 1, 1, 1, 1)), Shape.of(2, 9, 8),
                uniform(2, x), 3, 12, TOL);
    }

    @Test
    void linear() {
        Shape x = Shape.of(3, 17);
        GradientCheck.check(backend, new Linear(7), Shape.of(17), uniform(3, x), 3, 13, TOL);
    }

    @Test
    void linearBatchOne() {
        Shape x = Shape.of(1, 33);
        GradientCheck.check(backend, new Linear(5), Shape.of(33), uniform(4, x), 1, 14, TOL);
    }

    @Test
    void relu() {
        Shape x = Shape.of(2, 3, 5, 5);
        GradientCheck.check(backend, new ReLU(), Shape.of(3, 5, 5),
                GradientCheck.awayFromZero(new SplittableRandom(5), (int) x.size()), 2, 15, TOL);
    }

    @Test
    void maxPool() {
        Shape x = Shape.of(2, 3, 7, 5);
        GradientCheck.check(backend, new MaxPool2d(2), Shape.of(3, 7, 5),
                GradientCheck.distinct(new SplittableRandom(6), (int) x.size()), 2, 16, TOL);
    }

    @Test
    void maxPoolOverlappingPadded() {
        Shape x = Shape.of(2, 2, 6, 7);
        GradientCheck.check(backend, new MaxPool2d(Pool2dSpec.of(3, 2, 1)), Shape.of(2, 6, 7),
                GradientCheck.distinct(new SplittableRandom(7), (int) x.size()), 2, 17, TOL);
    }

    @Test
    void avgPool() {
        Shape x = Shape.of(2, 3, 7, 5);
        GradientCheck.check(backend, new AvgPool2d(2), Shape.of(3, 7, 5), uniform(8, x), 2, 18, TOL);
    }

    @Test
    void avgPoolOverlappingPadded() {
        Shape x = Shape.of(1, 2, 6, 7);
        GradientCheck.check(backend, new AvgPool2d(Pool2dSpec.of(3, 2, 1)), Shape.of(2, 6, 7), uniform(9, x), 1, 19,
                TOL);
    }

    @Test
    void flatten() {
        Shape x = Shape.of(2, 3, 4, 5);
        GradientCheck.check(backend, new Flatten(), Shape.of(3, 4, 5), uniform(10, x), 2, 20, TOL);
    }

    @Test
    void dropout() {
        Shape x = Shape.of(4, 37);
        GradientCheck.check(backend, new Dropout(0.3f), Shape.of(37), uniform(11, x), 4, 21, TOL);
    }

    @Test
    void softmax() {
        Shape x = Shape.of(3, 11);
        // Smooth, but a central difference has O(eps^2) truncation error: about 1e-4 here.
        GradientCheck.check(backend, new Softmax(), Shape.of(11), uniform(12, x), 3, 22, TOL);
    }

    @Test
    void crossEntropyLossGradientMatchesFiniteDifferences() {
        int n = 5, c = 7;
        float[] logits = uniform(13, Shape.of(n, c));
        int[] labels = {0, 6, 3, 3, 1};
        try (CrossEntropyLoss loss = new CrossEntropyLoss();
             Tensor x = backend.fromHost(Shape.of(n, c), logits);
             Tensor y = backend.fromHost(Shape.of(n), labels)) {
            loss.forward(x, y, true);
            float[] analytic = loss.gradient().toFloatArray();
            // Smooth: h = 1e-2, tolerance 1e-2 * (|analytic| + mean |analytic|), about the old 1e-3 absolute.
            FiniteDifferences.assertGradient("cross-entropy dLoss/dlogits", Shape.of(n, c), logits, analytic,
                    v -> loss.forward(x.copyFrom(v), y, false).item(), FiniteDifferences.Steps.SMOOTH,
                    new SplittableRandom(13));
        }
    }

    @Test
    void modelGradientThroughTheTape() {
        // conv -> relu -> maxpool -> flatten -> linear -> cross-entropy: every parameter's gradient
        // from Sequential.backward against finite differences of the loss.
        int n = 3;
        Shape perSample = Shape.of(2, 8, 7);
        int[] labels = {1, 0, 2};
        float[] images = uniform(14, Shape.of(n, 2, 8, 7));
        try (Sequential model = new Sequential(new Conv2d(3, 3), new ReLU(), new MaxPool2d(2), new Flatten(),
                new Linear(3));
             CrossEntropyLoss loss = new CrossEntropyLoss();
             Tensor x = backend.fromHost(Shape.of(n, 2, 8, 7), images);
             Tensor y = backend.fromHost(Shape.of(n), labels)) {
            model.build(backend, perSample, 99);
            Mode mode = Mode.training(5);
            loss.forward(model.forward(x, mode), y, true);
            model.backward(loss.gradient());
            SplittableRandom r = new SplittableRandom(3);
            int checked = 0, kinks = 0;
            for (Parameter p : model.parameters()) {
                float[] analytic = p.grad().toFloatArray();
                float[] values = p.value().toFloatArray();
                for (int k = 0; k < Math.min(12, values.length); k++) {
                    int i = r.nextInt(values.length);
                    float saved = values[i];
                    float eps = 1e-3f;
                    values[i] = saved + eps;
                    p.value().copyFrom(values);
                    double plus = loss.forward(model.forward(x, mode), y, false).item();
                    values[i] = saved - eps;
                    p.value().copyFrom(values);
                    double minus = loss.forward(model.forward(x, mode), y, false).item();
                    values[i] = saved;
                    p.value().copyFrom(values);
                    double numeric = (plus - minus) / (2 * eps);
                    double err = Math.abs(numeric - analytic[i]);
                    // A perturbation may move a ReLU or a pooling window across a kink; allow a few.
                    if (err > 2e-3 + 2e-2 * Math.abs(numeric)) {
                        kinks++;
                    }
                    checked++;
                }
            }
            assertTrue(kinks <= 2, kinks + " of " + checked + " parameter gradients disagree with finite differences");
            assertEquals(4, model.parameters().size(), "conv weight and bias, linear weight and bias");
        }
    }

    @Test
    void conv2dWithoutBiasSamePaddingStrided() {
        Shape x = Shape.of(2, 3, 7, 7);
        // 7 wide, kernel 3, stride 2: out 4, total padding (4-1)*2+3-7 = 2, one each side.
        GradientCheck.check(backend, new Conv2d(4, 3, 3, new Conv2dSpec(2, 2, 0, 0, 1, 1)).withoutBias().samePadding(),
                Shape.of(3, 7, 7), uniform(31, x), 2, 41, TOL);
    }

    @Test
    void linearWithoutBias() {
        Shape x = Shape.of(3, 17);
        GradientCheck.check(backend, new Linear(7).withoutBias(), Shape.of(17), uniform(32, x), 3, 42, TOL);
    }

    /** Training mode: the batch statistics depend on x, so dx has the three-term fused form; smooth, O(eps^2) error. */
    @Test
    void batchNorm2dTraining() {
        Shape x = Shape.of(3, 4, 5, 3);
        GradientCheck.check(backend, new BatchNorm2d(), Shape.of(4, 5, 3), uniform(33, x), 3, 43, 1e-2);
    }

    @Test
    void geluExactAndTanh() {
        Shape x = Shape.of(2, 3, 5, 5);
        GradientCheck.check(backend, new GELU(), Shape.of(3, 5, 5), uniform(34, x), 2, 44, TOL);
        GradientCheck.check(backend, new GELU(dev.ingot.core.spec.GeluApproximation.TANH), Shape.of(3, 5, 5),
                uniform(35, x), 2, 45, TOL);
    }

    @Test
    void globalAvgPool2d() {
        Shape x = Shape.of(2, 3, 5, 7);
        GradientCheck.check(backend, new GlobalAvgPool2d(), Shape.of(3, 5, 7), uniform(36, x), 2, 46, TOL);
    }
}
