package dev.ingot.reliability;

import dev.ingot.core.Backend;
import dev.ingot.core.DType;
import dev.ingot.core.Shape;
import dev.ingot.core.Tensor;
import dev.ingot.core.TensorScope;
import dev.ingot.core.spec.Conv2dSpec;
import dev.ingot.core.spec.Pool2dSpec;
import dev.ingot.reference.ReferenceBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.BiConsumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * NaN and infinity semantics (docs/reliability.md, "Non-finite values"), held on every backend
 * against the reference: the kernels where a backend could quietly differ (a vector MAX that
 * drops NaN, an exponential that maps NaN to 0, padding that is skipped instead of multiplied, a
 * GEMM that reads A when alpha is 0). A NaN must meet a NaN, an infinity the same infinity; finite
 * values agree to float rounding (relative 1e-4: sums of up to 576 products).
 */
class NonFiniteParityTest {
    private static final float NAN = Float.NaN;
    private static final float INF = Float.POSITIVE_INFINITY;
    private static final float NINF = Float.NEGATIVE_INFINITY;
    private static final ReferenceBackend REF = new ReferenceBackend();
    private static final List<Backend> OPENED = new ArrayList<>();
    static int checked;

    static List<String> backends() {
        return ReliabilityBackends.available();
    }

    private static Backend backend(String name) {
        for (Backend b : OPENED) {
            if (b.name().equals(name)) {
                return b;
            }
        }
        Backend b = ReliabilityBackends.open(name);
        OPENED.add(b);
        return b;
    }

    @BeforeAll
    static void reset() {
        checked = 0;
    }

    @AfterAll
    static void closeAll() {
        OPENED.forEach(Backend::close);
        OPENED.clear();
        System.out.println("non-finite parity: " + checked + " outputs compared with the reference");
    }

    /** Values with the specials spread over vector bodies and tails. */
    private static float[] sprinkled(int n, long seed, float... specials) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) r.nextDouble(-2, 2);
        }
        for (int i = 0; i < specials.length; i++) {
            v[(int) ((long) i * 7919 % n)] = specials[i];
        }
        return v;
    }

    static void same(String what, float[] expected, float[] actual) {
        assertEquals(expected.length, actual.length, what);
        for (int i = 0; i < expected.length; i++) {
            float e = expected[i], a = actual[i];
            boolean ok = Float.isNaN(e) ? Float.isNaN(a)
                    : Float.isInfinite(e) ? e == a
                    : !Float.isNaN(a) && !Float.isInfinite(a) && Math.abs(a - e) <= 1e-4 * Math.max(1, Math.abs(e));
            if (!ok) {
                fail(what + ": element " + i + " is " + a + ", the reference says " + e);
            }
            checked++;
        }
    }

    /** Runs {@code kernel} on both backends with copies of {@code inputs}; compares output {@code out}. */
    private static void compare(String what, Backend b, Shape[] shapes, float[][] inputs, int out,
                                BiConsumer<Backend, Tensor[]> kernel) {
        float[] expected = run(REF, shapes, inputs, out, kernel);
        float[] actual = run(b, shapes, inputs, out, kernel);
        same(what + " on " + b.name(), expected, actual);
    }

    private static float[] run(Backend b, Shape[] shapes, float[][] inputs, int out, BiConsumer<Backend, Tensor[]> k) {
        try (TensorScope scope = TensorScope.open()) {
            Tensor[] t = new Tensor[shapes.length];
            for (int i = 0; i < shapes.length; i++) {
                t[i] = inputs[i] == null ? b.zeros(shapes[i]) : b.fromHost(shapes[i], inputs[i]);
            }
            k.accept(b, t);
            return t[out].toFloatArray();
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void reluPropagatesNaN(String name) {
        Backend b = backend(name);
        for (int n : new int[] {5, 37, 300}) {
            float[] x = sprinkled(n, n, NAN, INF, NINF, -0f, NAN, 0f);
            compare("reluForward", b, new Shape[] {Shape.of(n), Shape.of(n)}, new float[][] {x, null}, 1,
                    (k, t) -> k.reluForward(t[0], t[1]));
            // Backward from the forward output: a NaN y passes no gradient (dx = y > 0 ? dy : 0).
            float[] dy = sprinkled(n, n + 1);
            compare("reluBackward", b, new Shape[] {Shape.of(n), Shape.of(n), Shape.of(n)},
                    new float[][] {x, dy, null}, 2, (k, t) -> k.reluBackward(t[0], t[1], t[2]));
        }
        assertEquals(NAN, reluOf(b, NAN), 0f);
    }

    private static float reluOf(Backend b, float v) {
        try (TensorScope scope = TensorScope.open()) {
            Tensor x = b.fromHost(Shape.of(1), new float[] {v});
            b.reluForward(x, x);
            return x.toFloatArray()[0];
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void maxPoolingPropagatesNaNAndRoutesItsGradientToIt(String name) {
        Backend b = backend(name);
        Shape x = Shape.of(2, 3, 9, 10);
        float[] xv = sprinkled((int) x.size(), 3, NAN, INF, NINF, NAN, INF, NAN, NINF, NINF);
        // A window of -Inf only, and one holding two NaNs.
        for (int i : new int[] {0, 1, 10, 11}) {
            xv[100 + i] = NINF;
        }
        xv[200] = NAN;
        xv[211] = NAN;
        for (Pool2dSpec spec : new Pool2dSpec[] {Pool2dSpec.of(2), Pool2dSpec.of(3, 1, 1), Pool2dSpec.of(3, 2, 0)}) {
            int p = (9 + 2 * spec.padH() - spec.kernelH()) / spec.strideH() + 1;
            int q = (10 + 2 * spec.padW() - spec.kernelW()) / spec.strideW() + 1;
            Shape y = Shape.of(2, 3, p, q);
            compare("maxPool2dForward " + spec, b, new Shape[] {x, y}, new float[][] {xv, null}, 1,
                    (k, t) -> k.maxPool2dForward(t[0], spec, t[1]));
            float[] dy = sprinkled((int) y.size(), 5);
            compare("maxPool2dBackward " + spec, b, new Shape[] {x, y, y, x}, new float[][] {xv, null, dy, null}, 3,
                    (k, t) -> {
                        k.maxPool2dForward(t[0], spec, t[1]);
                        k.maxPool2dBackward(t[0], t[1], t[2], spec, t[3]);
                    });
        }
    }

    private static final float[][] ROWS = {
            {1, NAN, 3, NAN}, {NAN, 1, 2, 0}, {1, 2, 3, NAN}, {NINF, NINF, NINF, NINF}, {INF, 1, INF, 2},
            {NINF, 1, 2, 3}, {INF, NINF, 0, 0}, {NAN, NINF, INF, 1}, {-0f, 0f, -0f, 0f}, {3, 3, 1, 3}};

    private static float[] rows(int cols) {
        float[] v = new float[ROWS.length * cols];
        for (int r = 0; r < ROWS.length; r++) {
            for (int c = 0; c < cols; c++) {
                v[r * cols + c] = c < 4 ? ROWS[r][c] : -5f - c; // wider rows: the specials stay in front
            }
        }
        return v;
    }

    @ParameterizedTest
    @MethodSource("backends")
    void argmaxAndCountCorrectTakeTheFirstNaN(String name) {
        Backend b = backend(name);
        for (int cols : new int[] {4, 10, 19}) {
            Shape s = Shape.of(ROWS.length, cols);
            float[] x = rows(cols);
            int[] expected = argmax(REF, s, x);
            int[] actual = argmax(b, s, x);
            for (int r = 0; r < ROWS.length; r++) {
                assertEquals(expected[r], actual[r], "argmax of row " + r + " (" + cols + " columns) on " + name);
                checked++;
            }
            if (cols == 4) {
                assertEquals(List.of(1, 0, 3, 0, 0, 3, 0, 0, 0, 0), java.util.Arrays.stream(expected).boxed().toList(),
                        "the reference's rule: the first NaN, else the first maximum");
            }
            for (int label = 0; label < 4; label++) {
                int[] labels = new int[ROWS.length];
                java.util.Arrays.fill(labels, label);
                assertEquals(countCorrect(REF, s, x, labels), countCorrect(b, s, x, labels), "countCorrect on " + name);
                checked++;
            }
        }
    }

    private static int[] argmax(Backend b, Shape s, float[] x) {
        try (TensorScope scope = TensorScope.open()) {
            Tensor idx = b.zeros(Shape.of(s.dim(0)), DType.INT32);
            b.argmax(b.fromHost(s, x), idx);
            return idx.toIntArray();
        }
    }

    private static long countCorrect(Backend b, Shape s, float[] x, int[] labels) {
        try (TensorScope scope = TensorScope.open()) {
            return b.countCorrect(b.fromHost(s, x), b.fromHost(Shape.of(s.dim(0)), labels));
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void softmaxFamilyWithInfinities(String name) {
        Backend b = backend(name);
        for (int cols : new int[] {4, 10, 19}) {
            Shape s = Shape.of(ROWS.length, cols);
            float[] x = rows(cols);
            compare("softmaxForward", b, new Shape[] {s, s}, new float[][] {x, null}, 1,
                    (k, t) -> k.softmaxForward(t[0], t[1]));
            compare("logSoftmaxForward", b, new Shape[] {s, s}, new float[][] {x, null}, 1,
                    (k, t) -> k.logSoftmaxForward(t[0], t[1]));
            for (int label = 0; label < 4; label++) {
                int[] labels = new int[ROWS.length];
                java.util.Arrays.fill(labels, label);
                for (int row = 0; row < ROWS.length; row++) {
                    // One row at a time: the mean would hide which row's loss differs.
                    float[] one = java.util.Arrays.copyOfRange(x, row * cols, (row + 1) * cols);
                    Shape rs = Shape.of(1, cols);
                    float[][] expected = crossEntropy(REF, rs, one, label);
                    float[][] actual = crossEntropy(b, rs, one, label);
                    String what = "softmaxCrossEntropy of row " + java.util.Arrays.toString(ROWS[row]) + ", label "
                            + label + ", " + cols + " columns, on " + name;
                    same(what + " (loss)", expected[0], actual[0]);
                    same(what + " (gradient)", expected[1], actual[1]);
                }
            }
        }
    }

    private static float[][] crossEntropy(Backend b, Shape s, float[] x, int label) {
        try (TensorScope scope = TensorScope.open()) {
            Tensor loss = b.zeros(Shape.scalar());
            Tensor grad = b.zeros(s);
            b.softmaxCrossEntropy(b.fromHost(s, x), b.fromHost(Shape.of(1), new int[] {label}), loss, grad);
            return new float[][] {loss.toFloatArray(), grad.toFloatArray()};
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void convolutionPaddingIsZerosThatMultiply(String name) {
        Backend b = backend(name);
        Shape x = Shape.of(2, 3, 7, 8);
        Shape w = Shape.of(4, 3, 3, 3);
        Conv2dSpec spec = Conv2dSpec.of(1, 1);
        Shape y = Shape.of(2, 4, 7, 8);
        float[] xv = sprinkled((int) x.size(), 11);
        xv[0] = INF; // a corner pixel, beside the padding
        xv[8 * 7 - 1] = NINF;
        float[] finiteW = sprinkled((int) w.size(), 12);
        float[] wv = finiteW.clone();
        wv[5] = INF; // a weight that meets padding at the border
        wv[40] = NAN;
        Shape[] shapes = {x, w, y};
        compare("conv2dForward, non-finite weights", b, shapes, new float[][] {sprinkled((int) x.size(), 11), wv, null},
                2, (k, t) -> k.conv2dForward(t[0], t[1], null, spec, t[2]));
        compare("conv2dForward, non-finite input", b, shapes, new float[][] {xv, finiteW, null}, 2,
                (k, t) -> k.conv2dForward(t[0], t[1], null, spec, t[2]));
        float[] dy = sprinkled((int) y.size(), 13, INF, NAN);
        compare("conv2dBackwardFilter, non-finite dy", b, new Shape[] {x, y, w},
                new float[][] {sprinkled((int) x.size(), 11), dy, null}, 2,
                (k, t) -> k.conv2dBackwardFilter(t[0], t[1], spec, t[2]));
        compare("conv2dBackwardData, non-finite dy", b, new Shape[] {y, w, x}, new float[][] {dy, finiteW, null}, 2,
                (k, t) -> k.conv2dBackwardData(t[0], t[1], spec, t[2]));
        // Unpadded, stride 1, at the reference CNNs' sizes: the CPU's "wide" backward-data layout
        // multiplied w by phantom zero columns, so an infinite weight gave NaN on real pixels.
        for (int[] d : new int[][] {{2, 8, 13, 13, 16}, {2, 4, 7, 8, 4}, {1, 32, 13, 13, 64}}) {
            Shape xs = Shape.of(d[0], d[1], d[2], d[3]);
            Shape ws = Shape.of(d[4], d[1], 3, 3);
            Shape ys = Shape.of(d[0], d[4], d[2] - 2, d[3] - 2);
            float[] w2 = sprinkled((int) ws.size(), 14);
            w2[7] = INF;
            w2[(int) ws.size() - 3] = NAN;
            compare("conv2dBackwardData, non-finite w, " + xs, b, new Shape[] {ys, ws, xs},
                    new float[][] {sprinkled((int) ys.size(), 15), w2, null}, 2,
                    (k, t) -> k.conv2dBackwardData(t[0], t[1], Conv2dSpec.DEFAULT, t[2]));
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void gemmAlphaZeroReadsNeitherAnorB(String name) {
        Backend b = backend(name);
        Shape a = Shape.of(9, 13);
        Shape bs = Shape.of(13, 11);
        Shape c = Shape.of(9, 11);
        float[] av = sprinkled(9 * 13, 21, NAN, INF, NINF);
        float[] bv = sprinkled(13 * 11, 22, INF);
        float[] cv = sprinkled(9 * 11, 23, NAN);
        for (float beta : new float[] {0f, 1f, 0.5f}) {
            compare("gemm alpha 0, beta " + beta, b, new Shape[] {a, bs, c}, new float[][] {av, bv, cv}, 2,
                    (k, t) -> k.gemm(false, false, 0f, t[0], t[1], beta, t[2]));
        }
        // Every transpose: a backend may choose its path by them (cuBLAS's op flags); alpha == 0
        // must not reach a product on any of them.
        for (boolean ta : new boolean[] {false, true}) {
            for (boolean tb : new boolean[] {false, true}) {
                Shape at = ta ? Shape.of(13, 9) : a, bt = tb ? Shape.of(11, 13) : bs;
                for (float beta : new float[] {0f, -2f}) {
                    compare("gemm alpha 0, beta " + beta + (ta ? ", A^T" : "") + (tb ? ", B^T" : ""), b,
                            new Shape[] {at, bt, c}, new float[][] {av, bv, cv}, 2,
                            (k, t) -> k.gemm(ta, tb, 0f, t[0], t[1], beta, t[2]));
                }
            }
        }
        // beta 0: C is not read, so a NaN in C does not survive.
        compare("gemm beta 0 over a NaN C", b, new Shape[] {a, bs, c},
                new float[][] {sprinkled(9 * 13, 24), sprinkled(13 * 11, 25), cv}, 2,
                (k, t) -> k.gemm(false, false, 1f, t[0], t[1], 0f, t[2]));
    }

    @ParameterizedTest
    @MethodSource("backends")
    void gemmHugeAlphaScalesAFirst(String name) {
        Backend b = backend(name);
        Shape a = Shape.of(6, 5);
        Shape bs = Shape.of(5, 7);
        Shape c = Shape.of(6, 7);
        float[] small = sprinkled(30, 31);
        for (int i = 0; i < small.length; i++) {
            small[i] *= 1e-3f; // alpha * a stays within float32's range
        }
        for (float alpha : new float[] {1e30f, -3e35f, 3.4e38f, 1e-30f}) {
            compare("gemm alpha " + alpha, b, new Shape[] {a, bs, c},
                    new float[][] {alpha > 1e37f ? small : sprinkled(30, 31), sprinkled(35, 32), null}, 2,
                    (k, t) -> k.gemm(false, false, alpha, t[0], t[1], 0f, t[2]));
        }
        // Past float32's range the order of a float32 accumulation decides between +-Inf and NaN, so
        // only this is promised: a result is finite exactly where the reference's is.
        float[] expected = run(REF, new Shape[] {a, bs, c}, new float[][] {sprinkled(30, 31), sprinkled(35, 32), null},
                2, (k, t) -> k.gemm(false, false, 3.4e38f, t[0], t[1], 0f, t[2]));
        float[] actual = run(b, new Shape[] {a, bs, c}, new float[][] {sprinkled(30, 31), sprinkled(35, 32), null},
                2, (k, t) -> k.gemm(false, false, 3.4e38f, t[0], t[1], 0f, t[2]));
        for (int i = 0; i < expected.length; i++) {
            assertEquals(Float.isFinite(expected[i]), Float.isFinite(actual[i]),
                    "gemm alpha 3.4e38, element " + i + ": " + actual[i] + ", the reference says " + expected[i]);
            checked++;
        }
    }
}
