package dev.ingot.parity;

import dev.ingot.core.Backend;
import dev.ingot.core.DType;
import dev.ingot.core.Shape;
import dev.ingot.core.Tensor;
import dev.ingot.testkit.FiniteDifferences.Steps;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static dev.ingot.parity.SeededInputs.uniform;
import static dev.ingot.parity.Values.zeros;

/**
 * gemm: all four transposes, alpha/beta combinations, every pairing of the tail sizes 1..129, K
 * above 1024 (several K blocks of a blocked kernel), NaN in C with beta 0 (which must ignore it),
 * and the three products of every dense layer of the reference models; a dense layer's two
 * gradients, computed with gemm's transposes exactly as a training step computes them, against
 * central differences.
 */
final class GemmOps {
    private GemmOps() {
    }

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

    static List<GemmCase> cases() {
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

    /** a, b, c uniform in [-2, 2) (c NaN where the case says), alpha and beta as scalars (so the scale run takes |alpha|, |beta|). */
    private static Values inputs(GemmCase c, SplittableRandom ignored, Backend reference) {
        // Seeded from the case alone, as gemm's cases always were, so the inputs stay those of before the op table.
        SplittableRandom rnd = SeededInputs.random(c);
        float[] a = uniform(rnd, (int) c.aShape().size(), -2, 2);
        float[] b = uniform(rnd, (int) c.bShape().size(), -2, 2);
        float[] c0;
        if (c.nanInC()) {
            c0 = new float[(int) c.cShape().size()];
            Arrays.fill(c0, Float.NaN);
        } else {
            c0 = uniform(rnd, (int) c.cShape().size(), -2, 2);
        }
        return new Values().put("a", c.aShape(), a).put("b", c.bShape(), b).put("c", c.cShape(), c0)
                .scalar("alpha", c.alpha()).scalar("beta", c.beta());
    }

    private static Values gemm(Backend b, GemmCase c, Values in) {
        Tensor tc = in.upload(b, "c");
        b.gemm(c.transA(), c.transB(), in.scalar("alpha"), in.upload(b, "a"), in.upload(b, "b"), in.scalar("beta"), tc);
        return new Values().read("c", tc);
    }

    // ---------------------------------------------------------------- gradient relations

    /** A dense layer x (n, in) . W (in, out). */
    record DenseCase(int n, int in, int out) {
        @Override
        public String toString() {
            return "x (" + n + "," + in + ") W (" + in + "," + out + ")";
        }
    }

    private static final List<DenseCase> DENSE_CASES = List.of(new DenseCase(5, 12, 7), new DenseCase(1, 33, 10),
            new DenseCase(4, 3, 17));

    /** x, W uniform in [-2, 2) and r in [-1, 1). */
    private static Values denseInputs(DenseCase c, SplittableRandom rnd, Backend reference) {
        return new Values().put("x", Shape.of(c.n(), c.in()), uniform(rnd, c.n() * c.in(), -2, 2))
                .put("w", Shape.of(c.in(), c.out()), uniform(rnd, c.in() * c.out(), -2, 2))
                .put("r", Shape.of(c.n(), c.out()), uniform(rnd, c.n() * c.out(), -1, 1));
    }

    /** {@code y = x . W}. */
    private static Values dense(Backend b, DenseCase c, Values in) {
        Tensor y = b.zeros(Shape.of(c.n(), c.out()));
        b.gemm(false, false, 1f, in.upload(b, "x"), in.upload(b, "w"), 0f, y);
        return new Values().read("y", y);
    }

    private static final OpInfo.Gradient<DenseCase> DX = new OpInfo.Gradient<>("gemm dense dx = dy.W^T", DENSE_CASES,
            GemmOps::denseInputs, "x", GemmOps::dense, (b, c, in) -> {
                Tensor dx = b.zeros(Shape.of(c.n(), c.in()));
                b.gemm(false, true, 1f, in.upload(b, "r"), in.upload(b, "w"), 0f, dx);
                return new Values().read("dx", dx);
            }, c -> Steps.LINEAR);

    private static final OpInfo.Gradient<DenseCase> DW = new OpInfo.Gradient<>("gemm dense dW = x^T.dy", DENSE_CASES,
            GemmOps::denseInputs, "w", GemmOps::dense, (b, c, in) -> {
                Tensor dw = b.zeros(Shape.of(c.in(), c.out()));
                b.gemm(true, false, 1f, in.upload(b, "x"), in.upload(b, "r"), 0f, dw);
                return new Values().read("dw", dw);
            }, c -> Steps.LINEAR);

    static List<OpInfo<?>> records() {
        return List.of(OpInfo.of("gemm", GemmOps::cases, GemmOps::inputs, GemmOps::gemm, c -> Tolerances.gemm(c.k()))
                .scaledBy(OpInfo.Scale.absoluteTerms())
                .gradient(DX)
                .gradient(DW)
                .rejects(
                        OpInfo.ErrorInput.of("gemm: 'a' of rank 3", "a (2,3,4)",
                                b -> b.gemm(false, false, 1, zeros(b, 2, 3, 4), zeros(b, 3, 5), 0, zeros(b, 2, 5)),
                                "gemm", "'a'", "rank 2", "[2, 3, 4]"),
                        OpInfo.ErrorInput.of("gemm: inner dimensions differ", "a (2,3) b (4,5)",
                                b -> b.gemm(false, false, 1, zeros(b, 2, 3), zeros(b, 4, 5), 0, zeros(b, 2, 5)),
                                "gemm", "inner dimensions", "[2, 3]", "[4, 5]"),
                        OpInfo.ErrorInput.of("gemm: 'c' of the wrong shape", "a (2,3) b (3,5) c (5,2)",
                                b -> b.gemm(false, false, 1, zeros(b, 2, 3), zeros(b, 3, 5), 0, zeros(b, 5, 2)),
                                "gemm", "'c'", "[5, 2]", "expected [2, 5]"),
                        OpInfo.ErrorInput.of("int32 tensor where float32 is needed", "gemm a int32",
                                b -> b.gemm(false, false, 1, b.zeros(Shape.of(2, 3), DType.INT32), zeros(b, 3, 5), 0,
                                        zeros(b, 2, 5)),
                                "gemm", "'a'", "float32", "[2, 3] int32"),
                        OpInfo.ErrorInput.of("gemm: c is a", "a (3,3) = c", b -> {
                            Tensor a = zeros(b, 3, 3);
                            b.gemm(false, false, 1, a, zeros(b, 3, 3), 0, a);
                        }, "gemm", "'c'", "shares memory", "'a'"),
                        OpInfo.ErrorInput.of("null tensor argument", "gemm b null",
                                b -> b.gemm(false, false, 1, zeros(b, 2, 3), null, 0, zeros(b, 2, 5)),
                                "gemm", "'b'", "null")));
    }
}
