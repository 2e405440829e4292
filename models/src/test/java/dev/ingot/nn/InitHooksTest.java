package dev.ingot.nn;

import dev.ingot.core.Backend;
import dev.ingot.core.Shape;
import dev.ingot.core.Tensor;
import dev.ingot.core.spec.Conv2dSpec;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The initialisation hooks: Dirac init of convolutions and airbench's whitening init. */
class InitHooksTest {
    private static final Backend backend = TestBackend.shared();

    /** A same-padded 3x3 convolution with Dirac weights passes its first C channels through unchanged. */
    @Test
    void diracConvolutionIsTheIdentity() {
        Conv2d conv = new Conv2d(4, 3, 3, Conv2dSpec.of(1, 1)).withoutBias();
        conv.build(backend, Shape.of(3, 5, 5), new SplittableRandom(1));
        Parameter w = conv.parameters().getFirst();
        float[] before = w.value().toFloatArray();
        Initializers.dirac(w, true);
        float[] after = w.value().toFloatArray();
        for (int i = 3 * 27; i < 4 * 27; i++) {
            assertEquals(before[i], after[i], "filter 3 (beyond C) keeps its initial values");
        }
        float[] x = new float[2 * 3 * 25];
        SplittableRandom r = new SplittableRandom(2);
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextDouble(-1, 1);
        }
        try (Tensor in = backend.fromHost(Shape.of(2, 3, 5, 5), x)) {
            float[] y = conv.forward(in, Mode.INFERENCE).toFloatArray();
            for (int n = 0; n < 2; n++) {
                for (int c = 0; c < 3; c++) {
                    for (int i = 0; i < 25; i++) {
                        assertEquals(x[(n * 3 + c) * 25 + i], y[(n * 4 + c) * 25 + i], 0f, "channel " + c);
                    }
                }
            }
        }
        Initializers.dirac(w, false);
        float[] zeroed = w.value().toFloatArray();
        for (int i = 3 * 27; i < 4 * 27; i++) {
            assertEquals(0f, zeroed[i], "PyTorch's dirac_ zeroes the other filters");
        }
        conv.close();
        assertThrows(IllegalArgumentException.class, () -> Initializers.dirac(new Parameter("b",
                backend.zeros(Shape.of(3)), backend.zeros(Shape.of(3))), true));
    }

    /**
     * On correlated images, the first E whitening filters make every 2x2 patch's outputs
     * decorrelated with variance lambda / (lambda + eps) ~ 1; the other E are their negatives.
     */
    @Test
    void whiteningFiltersDecorrelateThePatches() {
        int n = 20, c = 3, h = 8, w = 8, e = 12;
        SplittableRandom r = new SplittableRandom(3);
        float[] images = new float[n * c * h * w];
        for (int i = 0; i < images.length; i++) {
            // Neighbouring pixels and channels share a component: strongly correlated patches.
            images[i] = (float) (r.nextGaussian() + (i > 0 ? 0.8 * images[i - 1] : 0) + 0.3);
        }
        try (Tensor value = backend.zeros(Shape.of(2 * e, c, 2, 2)); Tensor grad = backend.zeros(Shape.of(2 * e, c, 2, 2))) {
            Parameter p = new Parameter("whiten.weight", value, grad);
            double eps = 1e-6;
            Initializers.whitening(p, images, n, c, h, w, eps);
            float[] f = value.toFloatArray();
            for (int i = 0; i < e * e; i++) {
                assertEquals(-f[i], f[e * e + i], 0f, "second half negated");
            }
            double[][] cov = new double[e][e];
            long count = 0;
            double[] patch = new double[e], out = new double[e];
            for (int img = 0; img < n; img++) {
                for (int y = 0; y < h - 1; y++) {
                    for (int x = 0; x < w - 1; x++) {
                        int k = 0;
                        for (int ch = 0; ch < c; ch++) {
                            for (int dy = 0; dy < 2; dy++) {
                                for (int dx = 0; dx < 2; dx++) {
                                    patch[k++] = images[((img * c + ch) * h + y + dy) * w + x + dx];
                                }
                            }
                        }
                        for (int o = 0; o < e; o++) {
                            double s = 0;
                            for (int i = 0; i < e; i++) {
                                s += f[o * e + i] * patch[i];
                            }
                            out[o] = s;
                        }
                        for (int a = 0; a < e; a++) {
                            for (int b = 0; b < e; b++) {
                                cov[a][b] += out[a] * out[b];
                            }
                        }
                        count++;
                    }
                }
            }
            for (int a = 0; a < e; a++) {
                for (int b = 0; b < e; b++) {
                    assertEquals(a == b ? 1 : 0, cov[a][b] / count, 2e-3, "output covariance [" + a + "][" + b + "]");
                }
            }
        }
    }

    @Test
    void jacobiFindsTheEigenpairsOfAKnownMatrix() {
        double[][] a = {{2, 1, 0}, {1, 2, 0}, {0, 0, 5}};
        double[][] v = new double[3][3];
        double[] values = SymmetricEigen.decompose(a, v);
        int top = SymmetricEigen.indexOfRank(values, 0), mid = SymmetricEigen.indexOfRank(values, 1);
        assertEquals(5, values[top], 1e-12);
        assertEquals(3, values[mid], 1e-12);
        assertEquals(1, values[SymmetricEigen.indexOfRank(values, 2)], 1e-12);
        assertTrue(Math.abs(Math.abs(v[0][mid]) - Math.sqrt(0.5)) < 1e-12 && v[0][mid] * v[1][mid] > 0,
                "eigenvector of 3 is (1, 1, 0)/sqrt 2");
        assertArrayEquals(new double[] {0, 0, 1}, new double[] {Math.abs(v[0][top]), Math.abs(v[1][top]),
                Math.abs(v[2][top])}, 1e-12);
    }
}
