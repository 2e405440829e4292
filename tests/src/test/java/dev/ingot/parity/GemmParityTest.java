package dev.ingot.parity;

import dev.ingot.core.Backend;
import dev.ingot.core.Shape;
import dev.ingot.core.Tensor;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static dev.ingot.parity.SeededInputs.abs;
import static dev.ingot.parity.SeededInputs.uniform;

/**
 * {@code gemm} on every backend against the reference: all four transpose combinations, alpha and
 * beta, sizes with tails (1, 7, 17, 33, 100, 129 in every M x N pairing), K above 1024, NaN in C with
 * beta 0 (must not propagate), and the reference models' dense layers as training runs them.
 */
class GemmParityTest {

    @RegisterExtension
    static final ParityBackends backends = new ParityBackends(ParityLedger.Suite.PARITY);

    /**
     * {@code C (M, N) = alpha * op(A) * op(B) + beta * C}; {@code nanInC}: C starts as NaN (only
     * with beta 0, which must ignore it).
     */
    record GemmCase(String label, int m, int n, int k, boolean transA, boolean transB, float alpha, float beta,
                    boolean nanInC) {
        Shape aShape() {
            return transA ? Shape.of(k, m) : Shape.of(m, k);
        }

        Shape bShape() {
            return transB ? Shape.of(n, k) : Shape.of(k, n);
        }

        Shape cShape() {
            return Shape.of(m, n);
        }

        @Override
        public String toString() {
            return (label.isEmpty() ? "" : label + " ") + (transA ? "T" : "N") + (transB ? "T" : "N") + " M=" + m
                    + " N=" + n + " K=" + k + " alpha=" + alpha + " beta=" + beta + (nanInC ? " C=NaN" : "");
        }
    }

    private static final int[] TAILS = {1, 7, 17, 33, 100, 129};
    private static final float[][] ALPHA_BETA = {{1, 0}, {0.5f, 1}, {-1.5f, 0.25f}, {2, -1}};

    static List<GemmCase> gemmCases() {
        List<GemmCase> cases = new ArrayList<>();
        int serial = 0;
        for (boolean ta : new boolean[] {false, true}) {
            for (boolean tb : new boolean[] {false, true}) {
                // Every M x N pairing of the tail sizes, K cycling through them too.
                for (int i = 0; i < TAILS.length; i++) {
                    for (int j = 0; j < TAILS.length; j++) {
                        int k = TAILS[(i + 2 * j + (ta ? 1 : 0) + (tb ? 3 : 0)) % TAILS.length];
                        float[] ab = ALPHA_BETA[serial++ % ALPHA_BETA.length];
                        cases.add(new GemmCase("", TAILS[i], TAILS[j], k, ta, tb, ab[0], ab[1], false));
                    }
                }
                // K above 1024: long dot products, several K blocks of a blocked kernel.
                int[][] longK = {{7, 33, 1025}, {33, 17, 1031}, {100, 129, 2049}, {1, 1, 4097}};
                for (int[] s : longK) {
                    float[] ab = ALPHA_BETA[serial++ % ALPHA_BETA.length];
                    cases.add(new GemmCase("long K", s[0], s[1], s[2], ta, tb, ab[0], ab[1], false));
                }
                cases.add(new GemmCase("beta 0 ignores C", 17, 33, 7, ta, tb, 1.25f, 0, true));
            }
        }
        // The reference models' dense layers: forward x.W, then dW = x^T.dy and dx = dy.W^T.
        for (ReferenceModelLayers.Dense d : ReferenceModelLayers.denses()) {
            cases.add(new GemmCase(d + " forward x.W", d.n(), d.out(), d.in(), false, false, 1, 0, false));
            cases.add(new GemmCase(d + " dW = x^T.dy", d.in(), d.out(), d.n(), true, false, 1, 0, false));
            cases.add(new GemmCase(d + " dx = dy.W^T", d.n(), d.in(), d.out(), false, true, 1, 0, false));
        }
        return cases;
    }

    static Stream<Arguments> cases() {
        return ParityCases.onEveryProvider(gemmCases());
    }

    @ParameterizedTest(name = "[{0}] {1}")
    @MethodSource("cases")
    void gemm(BackendUnderTest target, GemmCase c) {
        Backend backend = backends.open(target, "gemm", c);
        Backend reference = backends.reference();
        SplittableRandom rnd = SeededInputs.random(c);
        float[] a = uniform(rnd, (int) c.aShape().size(), -2, 2);
        float[] b = uniform(rnd, (int) c.bShape().size(), -2, 2);
        float[] c0 = c.nanInC() ? nan((int) c.cShape().size()) : uniform(rnd, (int) c.cShape().size(), -2, 2);

        float[] expected = gemm(reference, c, c.alpha(), a, b, c.beta(), c0);
        float[] actual = gemm(backend, c, c.alpha(), a, b, c.beta(), c0);
        float[] scale = gemm(reference, c, Math.abs(c.alpha()), abs(a), abs(b), Math.abs(c.beta()), abs(c0));
        ParityAssertions.assertClose("gemm 'c' [" + c + "] on " + target, c.cShape(), actual, expected, scale,
                Tolerances.gemm(c.k()));
    }

    private static float[] gemm(Backend be, GemmCase c, float alpha, float[] a, float[] b, float beta, float[] c0) {
        Tensor ta = be.fromHost(c.aShape(), a);
        Tensor tb = be.fromHost(c.bShape(), b);
        Tensor tc = be.fromHost(c.cShape(), c0);
        be.gemm(c.transA(), c.transB(), alpha, ta, tb, beta, tc);
        return tc.toFloatArray();
    }

    private static float[] nan(int n) {
        float[] v = new float[n];
        Arrays.fill(v, Float.NaN);
        return v;
    }
}
