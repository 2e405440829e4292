package dev.ingot.cpu.kernels;

import dev.ingot.cpu.parallel.Parallel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@link GemmKernels#sgemm} against a plain triple loop that accumulates in double.
 *
 * <p>Tolerance: a float dot product of length K, however it is blocked, is within
 * {@code gamma(K+2) * sum |alpha*a*b| + |beta*c|} of the exact value, where
 * {@code gamma(j) = j * 2^-24 / (1 - j * 2^-24)} (Higham, Accuracy and Stability of Numerical
 * Algorithms, 3.1; the +2 covers the alpha and beta roundings). The test uses that worst-case bound
 * per element, so it is tight enough to catch a wrong index (an error of the size of the values)
 * yet never fails on a correct summation order.
 */
class GemmKernelsTest {
    private static final Parallel ONE = Parallel.withThreads(1);
    private static final Parallel TWO = Parallel.withThreads(2);

    private static final int[] SIZES = {1, 3, 17, 31, 33, 64, 100, 129};

    /** One GEMM problem laid out inside larger arrays, with offsets and padded leading dimensions. */
    private record Problem(boolean transA, boolean transB, int m, int n, int k, float alpha, float beta,
                           int aOff, int lda, int bOff, int ldb, int cOff, int ldc) {

        static Problem dense(boolean transA, boolean transB, int m, int n, int k, float alpha, float beta) {
            return new Problem(transA, transB, m, n, k, alpha, beta, 0, transA ? m : k, 0, transB ? k : n, 0, n);
        }

        static Problem padded(boolean transA, boolean transB, int m, int n, int k, float alpha, float beta) {
            return new Problem(transA, transB, m, n, k, alpha, beta, 5, (transA ? m : k) + 3, 11,
                    (transB ? k : n) + 7, 2, n + 13);
        }

        int aRows() {
            return transA ? k : m;
        }

        int bRows() {
            return transB ? n : k;
        }

        float a(float[] a, int i, int p) {
            return transA ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
        }

        float b(float[] b, int p, int j) {
            return transB ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j];
        }

        @Override
        public String toString() {
            return (transA ? "T" : "N") + (transB ? "T" : "N") + " M=" + m + " N=" + n + " K=" + k + " alpha=" + alpha
                    + " beta=" + beta + (aOff > 0 ? " (offsets, padded leading dims)" : "");
        }
    }

    private static float[] random(SplittableRandom r, int size) {
        float[] x = new float[size];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextDouble(-2, 2);
        }
        return x;
    }

    /** Runs the problem on {@code parallel} and checks every element of C, and that C's padding is untouched. */
    private static void check(Problem pr, Parallel parallel, boolean nanInC) {
        SplittableRandom r = new SplittableRandom(31L * pr.m + 17L * pr.n + pr.k);
        float[] a = random(r, pr.aOff + pr.aRows() * pr.lda);
        float[] b = random(r, pr.bOff + pr.bRows() * pr.ldb);
        float[] c = random(r, pr.cOff + pr.m * pr.ldc + 3);
        if (nanInC) {
            for (int i = 0; i < pr.m; i++) {
                Arrays.fill(c, pr.cOff + i * pr.ldc, pr.cOff + i * pr.ldc + pr.n, Float.NaN);
            }
        }
        float[] before = c.clone();
        GemmKernels.sgemm(parallel, pr.transA, pr.transB, pr.m, pr.n, pr.k, pr.alpha, a, pr.aOff, pr.lda,
                b, pr.bOff, pr.ldb, pr.beta, c, pr.cOff, pr.ldc);

        double gamma = (pr.k + 2) * 0x1p-24 / (1 - (pr.k + 2) * 0x1p-24);
        for (int i = 0; i < pr.m; i++) {
            for (int j = 0; j < pr.n; j++) {
                double sum = 0, magnitude = 0;
                for (int p = 0; p < pr.k; p++) {
                    double prod = (double) pr.a(a, i, p) * pr.b(b, p, j);
                    sum += prod;
                    magnitude += Math.abs(prod);
                }
                int ci = pr.cOff + i * pr.ldc + j;
                double oldC = pr.beta == 0 ? 0 : pr.beta * (double) before[ci]; // never NaN * 0
                double expected = pr.alpha * sum + oldC;
                double bound = gamma * (Math.abs(pr.alpha) * magnitude + Math.abs(oldC)) + 1e-30;
                double err = Math.abs(c[ci] - expected);
                if (!(err <= bound)) {
                    fail(pr + " on " + parallel.threads() + " thread(s): C[" + i + "][" + j + "] = " + c[ci]
                            + ", expected " + expected + " (error " + err + " > bound " + bound + ")");
                }
            }
        }
        for (int idx = 0; idx < c.length; idx++) {
            int rel = idx - pr.cOff;
            boolean inside = rel >= 0 && rel / pr.ldc < pr.m && rel % pr.ldc < pr.n;
            if (!inside && Float.floatToRawIntBits(c[idx]) != Float.floatToRawIntBits(before[idx])) {
                fail(pr + ": element " + idx + " outside C was changed from " + before[idx] + " to " + c[idx]);
            }
        }
    }

    static Stream<Arguments> squareSizesAllTransposes() {
        List<Arguments> all = new ArrayList<>();
        for (int s : SIZES) {
            for (int t = 0; t < 4; t++) {
                all.add(Arguments.of(s, (t & 1) != 0, (t & 2) != 0));
            }
        }
        return all.stream();
    }

    @ParameterizedTest(name = "size {0}, transA {1}, transB {2}")
    @MethodSource("squareSizesAllTransposes")
    void squareProductsMatchReference(int size, boolean transA, boolean transB) {
        check(Problem.dense(transA, transB, size, size, size, 1f, 0f), TWO, false);
    }

    static Stream<Arguments> rectangularShapes() {
        List<Arguments> all = new ArrayList<>();
        for (int i = 0; i < SIZES.length; i++) {
            for (int t = 0; t < 4; t++) {
                int m = SIZES[i], n = SIZES[(i + 3) % SIZES.length], k = SIZES[(i + 5) % SIZES.length];
                all.add(Arguments.of(m, n, k, (t & 1) != 0, (t & 2) != 0));
            }
        }
        return all.stream();
    }

    @ParameterizedTest(name = "M={0} N={1} K={2}, transA {3}, transB {4}")
    @MethodSource("rectangularShapes")
    void rectangularProductsWithAlphaBetaOffsetsAndLeadingDimensions(int m, int n, int k, boolean transA,
                                                                     boolean transB) {
        check(Problem.padded(transA, transB, m, n, k, -0.75f, 0.5f), TWO, false);
        check(Problem.padded(transA, transB, m, n, k, 1.25f, 1f), ONE, false);
    }

    @ParameterizedTest(name = "transA {0}, transB {1}")
    @MethodSource("transposes")
    void betaZeroIgnoresNaNInC(boolean transA, boolean transB) {
        check(Problem.padded(transA, transB, 33, 47, 19, 1f, 0f), ONE, true);
        check(Problem.dense(transA, transB, 129, 100, 64, 2f, 0f), TWO, true);
    }

    static Stream<Arguments> transposes() {
        return Stream.of(Arguments.of(false, false), Arguments.of(false, true), Arguments.of(true, false),
                Arguments.of(true, true));
    }

    @ParameterizedTest(name = "transA {0}, transB {1}")
    @MethodSource("transposes")
    void deepProductsCrossSeveralKBlocks(boolean transA, boolean transB) {
        // K = 1500 runs three K blocks of 500: the first applies beta, the later ones accumulate.
        assertTrue(GemmKernels.kStep(1500) < 1500, "K must span several K blocks");
        check(Problem.padded(transA, transB, 37, 45, 1500, 1f, 0.25f), TWO, false);
    }

    @ParameterizedTest(name = "transA {0}, transB {1}")
    @MethodSource("transposes")
    void largeProductsSplitOverThreadsWithTails(boolean transA, boolean transB) {
        // Big enough to be split over both threads, along N (wide C) and along M (tall C), with
        // tiles that are not multiples of the register block.
        assertTrue(131L * 517 * 130 >= GemmKernels.PARALLEL_MACS && 403L * 45 * 470 >= GemmKernels.PARALLEL_MACS
                        && 100L * 700 * 300 >= GemmKernels.PARALLEL_MACS,
                "the products must be above the threading grain to test the split");
        check(Problem.padded(transA, transB, 131, 517, 130, 1f, 0f), TWO, false);
        check(Problem.padded(transA, transB, 403, 45, 470, 1f, -1f), TWO, false);
        // Short and wide: B is read in place when untransposed, and C's columns are split too.
        check(Problem.padded(transA, transB, 100, 700, 300, 1f, 0.5f), TWO, false);
    }

    @Test
    void kIsCutIntoTheFewestEqualBlocks() {
        assertEquals(1, GemmKernels.kStep(1));
        assertEquals(GemmKernels.KC, GemmKernels.kStep(GemmKernels.KC));
        assertEquals(GemmKernels.KC / 2 + 1, GemmKernels.kStep(GemmKernels.KC + 1));
        assertEquals(GemmKernels.KC, GemmKernels.kStep(4 * GemmKernels.KC));
        assertEquals(500, GemmKernels.kStep(1500));
        assertEquals(288, GemmKernels.kStep(576), "a 3x3 convolution over 64 channels: two blocks of 288");
    }

    @Test
    void largeProductsTakeDeeperKBlocks() {
        int tall = GemmKernels.MC;
        int wide = (int) (GemmKernels.DEEP_C_FLOATS / tall);
        assertEquals(GemmKernels.kStep(1500), GemmKernels.kStepFor(tall - 1, 4 * wide, 1500), "C too short");
        assertEquals(GemmKernels.kStep(1500), GemmKernels.kStepFor(tall, wide - 1, 1500), "C too small");
        assertEquals(750, GemmKernels.kStepFor(tall, wide, 1500), "two blocks of 750 at KC_DEEP = 1024");
        assertEquals(GemmKernels.KC_DEEP, GemmKernels.kStepFor(1024, 1024, 1024), "one block at 1024");
        assertEquals(GemmKernels.KC_DEEP, GemmKernels.kStepFor(2048, 2048, 2048), "two blocks at 2048");
    }

    @Test
    void deepKBlocksOfALargeProductAgreeWithTheReference() {
        // C of 260 x 1010 floats takes KC_DEEP; K = 1100 runs two blocks of 550, the edges of M and N too.
        assertTrue(GemmKernels.kStepFor(260, 1010, 1100) > GemmKernels.kStep(1100), "must take the deep blocks");
        check(Problem.padded(false, false, 260, 1010, 1100, 1f, 0.5f), TWO, false);
        check(Problem.padded(true, true, 260, 1010, 1100, 1f, 0f), TWO, false);
    }

    @Test
    void alphaZeroScalesCWithoutReadingAOrB() {
        float[] a = {Float.NaN, 1, 2, 3};
        float[] b = {Float.POSITIVE_INFINITY, 1, 2, 3};
        float[] c = {1, 2, 3, 4};
        GemmKernels.sgemm(ONE, false, false, 2, 2, 2, 0f, a, 0, 2, b, 0, 2, 0.5f, c, 0, 2);
        assertTrue(Arrays.equals(new float[] {0.5f, 1, 1.5f, 2}, c), Arrays.toString(c));
        float[] nan = {Float.NaN, Float.NaN, Float.NaN, Float.NaN};
        GemmKernels.sgemm(ONE, false, false, 2, 2, 2, 0f, a, 0, 2, b, 0, 2, 0f, nan, 0, 2);
        assertTrue(Arrays.equals(new float[4], nan), Arrays.toString(nan));
    }

    @Test
    void resultDoesNotDependOnTheThreadCount() {
        SplittableRandom r = new SplittableRandom(7);
        int m = 96, n = 700, k = 300;
        assertTrue((long) m * n * k >= GemmKernels.PARALLEL_MACS, "must be above the threading grain");
        float[] a = random(r, m * k), b = random(r, k * n);
        float[] c1 = new float[m * n], c2 = new float[m * n];
        GemmKernels.sgemm(ONE, false, false, m, n, k, 1f, a, 0, k, b, 0, n, 0f, c1, 0, n);
        GemmKernels.sgemm(TWO, false, false, m, n, k, 1f, a, 0, k, b, 0, n, 0f, c2, 0, n);
        assertTrue(Arrays.equals(c1, c2), "1 and 2 threads give different bits");
    }

    @Test
    void deepKBlocksDoNotDependOnTheThreadCount() {
        SplittableRandom r = new SplittableRandom(8);
        int m = 260, n = 1010, k = 1100;
        assertTrue(GemmKernels.kStepFor(m, n, k) > GemmKernels.kStep(k), "must take the deep blocks");
        float[] a = random(r, m * k), b = random(r, k * n);
        assertTrue(Arrays.equals(product(ONE, a, b, m, n, k), product(TWO, a, b, m, n, k)),
                "1 and 2 threads give different bits");
    }

    /** C = A . B for the (m, n, k) product of resultDoesNotDependOnTheThreadCount's data, on {@code parallel}. */
    private static float[] product(Parallel parallel, float[] a, float[] b, int m, int n, int k) {
        float[] c = new float[m * n];
        GemmKernels.sgemm(parallel, false, false, m, n, k, 1f, a, 0, k, b, 0, n, 0f, c, 0, n);
        return c;
    }

    @Test
    void productsStartedInsidePoolWorkersRunToTheEnd() throws Exception {
        // Inside a pool worker the pool runs a product's parts one after the other on the same
        // thread; the threads of a product must then not wait for each other.
        SplittableRandom r = new SplittableRandom(11);
        int m = 300, n = 280, k = 260;
        float[] a = random(r, m * k), b = random(r, k * n);
        float[] expected = product(ONE, a, b, m, n, k);
        float[][] fromWorkers = new float[2][];
        TWO.forEachPart(2, (part, count) -> fromWorkers[part] = product(TWO, a, b, m, n, k));
        float[] fromCommonPool = java.util.concurrent.ForkJoinPool.commonPool()
                .submit(() -> product(TWO, a, b, m, n, k)).get(60, java.util.concurrent.TimeUnit.SECONDS);
        assertTrue(Arrays.equals(expected, fromWorkers[0]) && Arrays.equals(expected, fromWorkers[1]),
                "products run inside pool workers differ from the one-thread product");
        assertTrue(Arrays.equals(expected, fromCommonPool), "product run in the common pool differs");
    }

    @Test
    void concurrentCallersShareThePoolWithoutMixingTheirProducts() throws Exception {
        SplittableRandom r = new SplittableRandom(12);
        int m = 256, n = 300, k = 200;
        float[] a1 = random(r, m * k), b1 = random(r, k * n), a2 = random(r, m * k), b2 = random(r, k * n);
        float[] expected1 = product(ONE, a1, b1, m, n, k), expected2 = product(ONE, a2, b2, m, n, k);
        List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        Thread t1 = new Thread(() -> {
            for (int i = 0; i < 20; i++) {
                if (!Arrays.equals(expected1, product(TWO, a1, b1, m, n, k))) {
                    failures.add("caller 1, round " + i);
                }
            }
        });
        Thread t2 = new Thread(() -> {
            for (int i = 0; i < 20; i++) {
                if (!Arrays.equals(expected2, product(TWO, a2, b2, m, n, k))) {
                    failures.add("caller 2, round " + i);
                }
            }
        });
        t1.start();
        t2.start();
        t1.join(60_000);
        t2.join(60_000);
        assertTrue(!t1.isAlive() && !t2.isAlive(), "concurrent products did not finish within a minute");
        assertTrue(failures.isEmpty(), "wrong products: " + failures);
    }

    @Test
    void rejectsBadArgumentsWithMessagesNamingThem() {
        float[] a = new float[12], b = new float[12], c = new float[9];
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> GemmKernels.sgemm(ONE, false, false, 3, 3, 4, 1f, a, 0, 3, b, 0, 3, 0f, c, 0, 3));
        assertTrue(e.getMessage().contains("'a' (3x4)") && e.getMessage().contains(">= 4"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> GemmKernels.sgemm(ONE, false, false, 3, 3, 4, 1f, a, 0, 4, b, 1, 3, 0f, c, 0, 3));
        assertTrue(e.getMessage().contains("'b' (4x3)") && e.getMessage().contains("reaches element 13")
                && e.getMessage().contains("holds 12"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> GemmKernels.sgemm(ONE, false, false, 0, 3, 4, 1f, a, 0, 4, b, 0, 3, 0f, c, 0, 3));
        assertTrue(e.getMessage().contains("M=0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> GemmKernels.sgemm(ONE, false, false, 3, 3, 3, 1f, c, 0, 3, b, 0, 3, 0f, c, 0, 3));
        assertTrue(e.getMessage().contains("same array as 'a'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> GemmKernels.sgemm(ONE, true, false, 3, 3, 4, 1f, null, 0, 3, b, 0, 3, 0f, c, 0, 3));
        assertTrue(e.getMessage().contains("'a' (4x3, stored transposed) must not be null"), e.getMessage());
    }
}
