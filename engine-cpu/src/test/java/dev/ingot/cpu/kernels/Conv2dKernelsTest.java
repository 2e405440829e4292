package dev.ingot.cpu.kernels;

import dev.ingot.core.Shape;
import dev.ingot.core.spec.Conv2dGeometry;
import dev.ingot.core.spec.Conv2dSpec;
import dev.ingot.cpu.parallel.Parallel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@link Conv2dKernels} against the definitions, written as plain loops accumulating in double.
 *
 * <p>Tolerance: every output is a float sum of T products (forward: C*R*S, plus the bias; backward
 * data: at most K*R*S; backward filter: N*P*Q; bias: N*P*Q values). Whatever order the kernel sums
 * in, the error is at most {@code gamma(T + 2) * sum |terms|} with {@code gamma(j) = j u / (1 - j u)},
 * u = 2^-24 (Higham 3.1), which the test checks per element. A wrong index or a missed term is off
 * by the size of a term and fails; a correct kernel never does.
 */
class Conv2dKernelsTest {
    private static final Parallel ONE = Parallel.withThreads(1);
    private static final Parallel TWO = Parallel.withThreads(2);

    /** One convolution case: x (N, C, H, W), w (K, C, R, S), spec. */
    private record Case(String name, int n, int c, int h, int w, int k, int r, int s, Conv2dSpec spec) {
        Conv2dGeometry geometry() {
            return Conv2dGeometry.of("test", Shape.of(n, c, h, w), Shape.of(k, c, r, s), spec);
        }

        @Override
        public String toString() {
            return name + " x(" + n + "," + c + "," + h + "," + w + ") w(" + k + "," + c + "," + r + "," + s + ") " + spec;
        }
    }

    static Stream<Arguments> cases() {
        return Stream.of(
                new Case("batch 1, odd sizes", 1, 3, 7, 9, 5, 3, 3, Conv2dSpec.DEFAULT),
                new Case("stride 2, padding 1, K not a multiple of 16", 2, 5, 11, 11, 17, 3, 3, Conv2dSpec.of(2, 1)),
                new Case("dilation 2, padding 2, 3x2 kernel", 3, 4, 13, 10, 6, 3, 2, Conv2dSpec.of(1, 2, 2)),
                new Case("stride 2x1, padding 0x1, 2x4 kernel", 2, 3, 9, 8, 7, 2, 4, new Conv2dSpec(2, 1, 0, 1, 1, 1)),
                new Case("stride 3, dilation 2x1, padding 1", 2, 2, 12, 14, 3, 3, 3, new Conv2dSpec(3, 3, 1, 1, 2, 1)),
                new Case("5x5 'same' padding", 2, 6, 10, 10, 19, 5, 5, Conv2dSpec.of(1, 2)),
                new Case("pointwise 1x1", 3, 19, 6, 5, 7, 1, 1, Conv2dSpec.DEFAULT),
                new Case("1x1 with stride 2", 2, 9, 7, 7, 4, 1, 1, Conv2dSpec.of(2, 0)),
                new Case("padding larger than needed", 1, 2, 4, 4, 3, 3, 3, Conv2dSpec.of(1, 3)),
                new Case("3x4 output plane (one vector), stride 2x1, dilation 2", 2, 3, 9, 8, 5, 3, 3,
                        new Conv2dSpec(2, 1, 0, 0, 2, 2)),
                new Case("mnist conv1", 3, 1, 28, 28, 32, 3, 3, Conv2dSpec.DEFAULT),
                new Case("mnist conv2", 3, 32, 13, 13, 64, 3, 3, Conv2dSpec.DEFAULT),
                new Case("mnist conv3", 3, 64, 5, 5, 64, 3, 3, Conv2dSpec.DEFAULT),
                new Case("cifar conv1", 3, 3, 32, 32, 32, 3, 3, Conv2dSpec.DEFAULT),
                new Case("cifar conv2", 2, 32, 15, 15, 64, 3, 3, Conv2dSpec.DEFAULT),
                new Case("cifar conv3", 1, 64, 6, 6, 64, 3, 3, Conv2dSpec.DEFAULT),
                // Big enough (> GemmKernels.PARALLEL_MACS multiply-adds, see bigCasesAreAboveTheGrain)
                // to be split over threads:
                // by images, with groups of several 4x4 planes and a last, smaller group ...
                new Case("cifar conv3, batch 37, split by images", 37, 64, 6, 6, 64, 3, 3, Conv2dSpec.DEFAULT),
                new Case("mnist conv2, batch 9, split by images", 9, 32, 13, 13, 64, 3, 3, Conv2dSpec.DEFAULT),
                // ... and, for a single image, inside the GEMM.
                new Case("batch 1, GEMM split over threads", 1, 64, 18, 18, 48, 3, 3, Conv2dSpec.of(1, 1)),
                new Case("pointwise, batch 5, split by images", 5, 96, 20, 20, 64, 1, 1, Conv2dSpec.DEFAULT),
                // Stride 1 with padding 0, 1 and 2, odd sizes, dilation (backward data's two column layouts).
                new Case("padding 1, odd sizes, batch 9, split by images", 9, 24, 13, 11, 32, 3, 3, Conv2dSpec.of(1, 1)),
                new Case("padding 2, odd sizes, batch 1", 1, 5, 7, 9, 6, 3, 3, Conv2dSpec.of(1, 2)),
                new Case("padding 2, odd sizes, batch 3", 3, 5, 9, 7, 11, 3, 3, Conv2dSpec.of(1, 2)),
                new Case("padding 1, odd sizes, 3x5 kernel, batch 3", 3, 7, 9, 11, 5, 3, 5, Conv2dSpec.of(1, 1)),
                new Case("dilation 2x3, no padding, 3x2 kernel, batch 3", 3, 4, 13, 10, 6, 3, 2,
                        new Conv2dSpec(1, 1, 0, 0, 2, 3)),
                // Stride 1 with Q == W (Conv2dPlan.planeShift): ResNet-20's 'same' convolutions and variants.
                new Case("resnet-20 stage 1, 16 -> 16 on 32x32, padding 1", 2, 16, 32, 32, 16, 3, 3, Conv2dSpec.of(1, 1)),
                new Case("resnet-20 stage 2, batch 9, split by images", 9, 32, 16, 16, 32, 3, 3, Conv2dSpec.of(1, 1)),
                new Case("resnet-20 stem, 3 -> 16", 3, 3, 32, 32, 16, 3, 3, Conv2dSpec.of(1, 1)),
                new Case("resnet-20 stride 2, 16 -> 32", 2, 16, 32, 32, 32, 3, 3, Conv2dSpec.of(2, 1)),
                // Column stride 2 (Conv2dPlan.strideTwoColumns): rows of one vector, two vectors and a part of one.
                new Case("resnet-20 stride 2, 32 -> 64 on 16x16", 2, 32, 16, 16, 64, 3, 3, Conv2dSpec.of(2, 1)),
                new Case("resnet-20 projection, 1x1 stride 2, 16 -> 32", 2, 16, 32, 32, 32, 1, 1, Conv2dSpec.of(2, 0)),
                new Case("stride 2 on 70x66 (rows of 33 outputs), padding 1", 2, 3, 70, 66, 5, 3, 3, Conv2dSpec.of(2, 1)),
                new Case("stride 1x3, padding 2x0, 2x3 kernel", 2, 3, 9, 40, 4, 2, 3, new Conv2dSpec(1, 3, 2, 0, 1, 1)),
                new Case("'same' with dilation 2, odd sizes", 2, 3, 11, 9, 4, 3, 3, Conv2dSpec.of(1, 2, 2)),
                new Case("padding 0x1 (rows shrink, columns stay), 3x3", 2, 3, 7, 13, 5, 3, 3,
                        new Conv2dSpec(1, 1, 0, 1, 1, 1)),
                new Case("padding 2x1, 5x3 kernel, plane not a multiple of the lanes", 2, 4, 5, 7, 6, 5, 3,
                        new Conv2dSpec(1, 1, 2, 1, 1, 1))
,
                // Stride 1 'same' with P*Q a whole number of vectors (Conv2dShiftedPlanes): other kernels,
                // dilations and paddings than ResNet's 3x3, K a multiple of 4 or not.
                new Case("implicit: 'same' 5x5 on 16x16, K = 8", 2, 3, 16, 16, 8, 5, 5, Conv2dSpec.of(1, 2)),
                new Case("implicit: 'same' 3x3 with dilation 2 on 8x16, K = 12", 3, 5, 8, 16, 12, 3, 3,
                        Conv2dSpec.of(1, 2, 2)),
                new Case("implicit: 3x5 kernel, padding 1x2 on 8x8, K = 4, batch 5", 5, 6, 8, 8, 4, 3, 5,
                        new Conv2dSpec(1, 1, 1, 2, 1, 1)),
                new Case("implicit: 1x3 kernel, padding 0x1 on 4x16, K = 6 (filter dots only)", 2, 7, 4, 16, 6, 1, 3,
                        new Conv2dSpec(1, 1, 0, 1, 1, 1)),
                new Case("resnet-20 stage 3, 64 -> 64 on 8x8, batch 3", 3, 64, 8, 8, 64, 3, 3, Conv2dSpec.of(1, 1))
        ).flatMap(c -> Stream.of(Arguments.of(c, 1), Arguments.of(c, 2)));
    }

    private static float[] random(SplittableRandom r, long size) {
        float[] x = new float[Math.toIntExact(size)];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextDouble(-2, 2);
        }
        return x;
    }

    private static float[] nan(long size) {
        float[] x = new float[Math.toIntExact(size)];
        Arrays.fill(x, Float.NaN);
        return x;
    }

    private static double gamma(long terms) {
        double t = (terms + 2) * 0x1p-24;
        return t / (1 - t);
    }

    /** The input row and column kernel tap (r, s) of output pixel (p, q) reads, or -1 when padding. */
    private static int inputRow(Conv2dGeometry g, int p, int r) {
        int ih = p * g.spec().strideH() - g.spec().padH() + r * g.spec().dilationH();
        return ih >= 0 && ih < g.h() ? ih : -1;
    }

    private static int inputCol(Conv2dGeometry g, int q, int s) {
        int iw = q * g.spec().strideW() - g.spec().padW() + s * g.spec().dilationW();
        return iw >= 0 && iw < g.w() ? iw : -1;
    }

    private static void assertWithin(String what, float[] actual, double[] expected, double[] bound) {
        for (int i = 0; i < expected.length; i++) {
            double err = Math.abs(actual[i] - expected[i]);
            if (!(err <= bound[i] + 1e-30)) {
                fail(what + ": element " + i + " is " + actual[i] + ", expected " + expected[i] + " (error " + err
                        + " > bound " + bound[i] + ")");
            }
        }
    }

    @ParameterizedTest(name = "{0}, {1} thread(s)")
    @MethodSource("cases")
    void forwardMatchesDefinition(Case cs, int threads) {
        Conv2dGeometry g = cs.geometry();
        SplittableRandom rnd = new SplittableRandom(1);
        float[] x = random(rnd, g.inputShape().size());
        float[] w = random(rnd, g.weightShape().size());
        float[] b = random(rnd, g.k());
        double[] expected = new double[Math.toIntExact(g.outputShape().size())];
        double[] bound = new double[expected.length];
        double[] expectedNoBias = new double[expected.length];
        double[] boundNoBias = new double[expected.length];
        double gamma = gamma((long) g.c() * g.r() * g.s() + 1);
        for (int n = 0; n < g.n(); n++) {
            for (int k = 0; k < g.k(); k++) {
                for (int p = 0; p < g.p(); p++) {
                    for (int q = 0; q < g.q(); q++) {
                        double sum = 0, mag = 0;
                        for (int c = 0; c < g.c(); c++) {
                            for (int r = 0; r < g.r(); r++) {
                                for (int s = 0; s < g.s(); s++) {
                                    int ih = inputRow(g, p, r), iw = inputCol(g, q, s);
                                    if (ih >= 0 && iw >= 0) {
                                        double t = (double) x[((n * g.c() + c) * g.h() + ih) * g.w() + iw]
                                                * w[((k * g.c() + c) * g.r() + r) * g.s() + s];
                                        sum += t;
                                        mag += Math.abs(t);
                                    }
                                }
                            }
                        }
                        int i = ((n * g.k() + k) * g.p() + p) * g.q() + q;
                        expectedNoBias[i] = sum;
                        boundNoBias[i] = gamma * mag;
                        expected[i] = sum + b[k];
                        bound[i] = gamma * (mag + Math.abs(b[k]));
                    }
                }
            }
        }
        try (Conv2dKernels conv = new Conv2dKernels(threads == 1 ? ONE : TWO)) {
            float[] y = nan(expected.length);
            conv.forward(g, x, w, b, y);
            assertWithin(cs + " forward with bias", y, expected, bound);
            y = nan(expected.length);
            conv.forward(g, x, w, null, y);
            assertWithin(cs + " forward without bias", y, expectedNoBias, boundNoBias);
        }
    }

    @ParameterizedTest(name = "{0}, {1} thread(s)")
    @MethodSource("cases")
    void backwardDataMatchesDefinition(Case cs, int threads) {
        Conv2dGeometry g = cs.geometry();
        SplittableRandom rnd = new SplittableRandom(2);
        float[] dy = random(rnd, g.outputShape().size());
        float[] w = random(rnd, g.weightShape().size());
        double[] expected = new double[Math.toIntExact(g.inputShape().size())];
        double[] mag = new double[expected.length];
        for (int n = 0; n < g.n(); n++) {
            for (int k = 0; k < g.k(); k++) {
                for (int p = 0; p < g.p(); p++) {
                    for (int q = 0; q < g.q(); q++) {
                        double d = dy[((n * g.k() + k) * g.p() + p) * g.q() + q];
                        for (int c = 0; c < g.c(); c++) {
                            for (int r = 0; r < g.r(); r++) {
                                for (int s = 0; s < g.s(); s++) {
                                    int ih = inputRow(g, p, r), iw = inputCol(g, q, s);
                                    if (ih >= 0 && iw >= 0) {
                                        double t = d * w[((k * g.c() + c) * g.r() + r) * g.s() + s];
                                        int i = ((n * g.c() + c) * g.h() + ih) * g.w() + iw;
                                        expected[i] += t;
                                        mag[i] += Math.abs(t);
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        double gamma = gamma((long) g.k() * g.r() * g.s());
        double[] bound = Arrays.stream(mag).map(m -> gamma * m).toArray();
        try (Conv2dKernels conv = new Conv2dKernels(threads == 1 ? ONE : TWO)) {
            float[] dx = nan(expected.length);
            conv.backwardData(g, dy, w, dx);
            assertWithin(cs + " backwardData", dx, expected, bound);
            // Both column layouts, whichever backwardData chose.
            dx = nan(expected.length);
            conv.backwardData(g, dy, w, dx, false);
            assertWithin(cs + " backwardData, P*Q-wide columns", dx, expected, bound);
            if (Conv2dPlan.wideBackwardData(g)) {
                dx = nan(expected.length);
                conv.backwardData(g, dy, w, dx, true);
                assertWithin(cs + " backwardData, P*W-wide columns", dx, expected, bound);
            }
        }
    }

    @ParameterizedTest(name = "{0}, {1} thread(s)")
    @MethodSource("cases")
    void backwardFilterAndBiasMatchDefinition(Case cs, int threads) {
        Conv2dGeometry g = cs.geometry();
        SplittableRandom rnd = new SplittableRandom(3);
        float[] x = random(rnd, g.inputShape().size());
        float[] dy = random(rnd, g.outputShape().size());
        double[] expected = new double[Math.toIntExact(g.weightShape().size())];
        double[] mag = new double[expected.length];
        double[] expectedBias = new double[g.k()];
        double[] magBias = new double[g.k()];
        for (int n = 0; n < g.n(); n++) {
            for (int k = 0; k < g.k(); k++) {
                for (int p = 0; p < g.p(); p++) {
                    for (int q = 0; q < g.q(); q++) {
                        double d = dy[((n * g.k() + k) * g.p() + p) * g.q() + q];
                        expectedBias[k] += d;
                        magBias[k] += Math.abs(d);
                        for (int c = 0; c < g.c(); c++) {
                            for (int r = 0; r < g.r(); r++) {
                                for (int s = 0; s < g.s(); s++) {
                                    int ih = inputRow(g, p, r), iw = inputCol(g, q, s);
                                    if (ih >= 0 && iw >= 0) {
                                        double t = d * x[((n * g.c() + c) * g.h() + ih) * g.w() + iw];
                                        int i = ((k * g.c() + c) * g.r() + r) * g.s() + s;
                                        expected[i] += t;
                                        mag[i] += Math.abs(t);
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        double gamma = gamma((long) g.n() * g.p() * g.q());
        double[] bound = Arrays.stream(mag).map(m -> gamma * m).toArray();
        double[] boundBias = Arrays.stream(magBias).map(m -> gamma * m).toArray();
        try (Conv2dKernels conv = new Conv2dKernels(threads == 1 ? ONE : TWO)) {
            float[] dw = nan(expected.length);
            conv.backwardFilter(g, x, dy, dw);
            assertWithin(cs + " backwardFilter", dw, expected, bound);
            float[] db = nan(g.k());
            conv.backwardBias(g.n(), g.k(), g.p() * g.q(), dy, db);
            assertWithin(cs + " backwardBias", db, expectedBias, boundBias);
        }
    }

    /**
     * The plane-shift and stride-2 im2col and col2im against the row-by-row reference, bit for bit, with
     * infinities and NaNs on every border pixel: a blanked lane must neither read them (im2col) nor
     * add to them (col2im), and an image's columns must not touch its neighbours in the batch.
     */
    @ParameterizedTest(name = "{0}, {1} thread(s)")
    @MethodSource("cases")
    void planeShiftColumnsEqualTheRowLoop(Case cs, int threads) {
        if (threads != 1) {
            return;
        }
        Conv2dGeometry g = cs.geometry();
        Conv2dPlan plan = new Conv2dPlan(g, 1, jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.length());
        if (!plan.planeShift && !plan.strideTwoColumns) {
            return;
        }
        SplittableRandom rnd = new SplittableRandom(4);
        float[] x = withNonFiniteBorders(random(rnd, g.inputShape().size()), g);
        int crs = plan.crs, pq = plan.pq, ld = g.n() * pq + 3;
        float[] fast = nan((long) crs * ld), rows = nan((long) crs * ld);
        for (int n = 0; n < g.n(); n++) {
            Conv2dKernels.im2col(g, plan, x, n * plan.chw, fast, n * pq, ld);
            Conv2dKernels.im2colRows(g, x, n * plan.chw, rows, n * pq, ld);
        }
        assertArrayEquals(rows, fast, cs + " im2col");
        float[] columns = random(rnd, (long) crs * ld);
        float[] dxFast = random(rnd, g.inputShape().size());
        float[] dxRows = dxFast.clone();
        for (int n = 0; n < g.n(); n++) {
            Conv2dKernels.col2im(g, plan, columns, n * pq, ld, dxFast, n * plan.chw);
            Conv2dKernels.col2imRows(g, columns, n * pq, ld, dxRows, n * plan.chw);
        }
        for (int i = 0; i < dxRows.length; i++) {
            if (Float.floatToRawIntBits(dxRows[i]) != Float.floatToRawIntBits(dxFast[i])) {
                fail(cs + " col2im: element " + i + " is " + dxFast[i] + ", the row loop gives " + dxRows[i]);
            }
        }
    }

    /** {@code x} with +Inf on every plane's first row and column and NaN on its last (the rest kept). */
    private static float[] withNonFiniteBorders(float[] x, Conv2dGeometry g) {
        for (int i = 0; i < x.length; i++) {
            int col = i % g.w(), row = i / g.w() % g.h();
            if (col == 0 || row == 0) {
                x[i] = Float.POSITIVE_INFINITY;
            } else if (col == g.w() - 1 || row == g.h() - 1) {
                x[i] = Float.NaN;
            }
        }
        return x;
    }

    /**
     * The shifted copies' runs against the row-by-row im2col, bit for bit, with infinities and NaNs on
     * every border pixel: row i of col(x_n) must be copies[rowStart[i] + t], t in [0, P*Q), for every
     * image of the batch filled in turn into the same buffer (no image may leave values behind).
     */
    @ParameterizedTest(name = "{0}, {1} thread(s)")
    @MethodSource("cases")
    void shiftedCopiesHoldTheColumnMatrixRows(Case cs, int threads) {
        Conv2dGeometry g = cs.geometry();
        Conv2dShiftedPlanes planes = Conv2dShiftedPlanes.of(g);
        if (threads != 1 || planes == null) {
            return;
        }
        SplittableRandom rnd = new SplittableRandom(8);
        float[] x = withNonFiniteBorders(random(rnd, g.inputShape().size()), g);
        int crs = g.c() * g.r() * g.s(), pq = g.p() * g.q(), chw = g.c() * g.h() * g.w();
        float[] copies = new float[planes.floats()], rows = new float[crs * pq];
        for (int n = 0; n < g.n(); n++) {
            planes.fill(x, n * chw, copies);
            Conv2dKernels.im2colRows(g, x, n * chw, rows, 0, pq);
            for (int i = 0; i < crs; i++) {
                for (int t = 0; t < pq; t++) {
                    float copy = copies[planes.rowStart[i] + t], row = rows[i * pq + t];
                    if (Float.floatToRawIntBits(copy) != Float.floatToRawIntBits(row)) {
                        fail(cs + ": image " + n + ", column row " + i + ", pixel " + t + " is " + copy
                                + " in the copies, " + row + " in the row loop");
                    }
                }
            }
        }
    }

    /**
     * ResNet-20's 'same' shapes take the implicit forward pass at every vector width (so the cases
     * above test it there), and it gives the same bits on one thread as on two.
     */
    @Test
    void implicitForwardTakesResNetShapesAndDoesNotDependOnTheThreadCount() {
        int lanes = jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.length();
        for (int[] shape : new int[][] {{16, 32}, {32, 16}, {64, 8}, {3, 32}}) {
            Conv2dGeometry g = Conv2dGeometry.of("test", Shape.of(1, shape[0], shape[1], shape[1]),
                    Shape.of(16, shape[0], 3, 3), Conv2dSpec.of(1, 1));
            assertTrue(new Conv2dPlan(g, 2, lanes).implicitForward, "implicit forward for " + g);
        }
        Conv2dGeometry g = Conv2dGeometry.of("test", Shape.of(11, 16, 32, 32), Shape.of(16, 16, 3, 3), Conv2dSpec.of(1, 1));
        assertTrue(g.flops() / 2 >= GemmKernels.PARALLEL_MACS, "big enough to be split over two threads");
        SplittableRandom rnd = new SplittableRandom(9);
        float[] x = random(rnd, g.inputShape().size()), w = random(rnd, g.weightShape().size());
        float[] b = random(rnd, g.k());
        float[] one = nan(g.outputShape().size()), two = nan(g.outputShape().size());
        try (Conv2dKernels a = new Conv2dKernels(ONE); Conv2dKernels c = new Conv2dKernels(TWO)) {
            a.forward(g, x, w, b, one);
            c.forward(g, x, w, b, two);
        }
        assertArrayEquals(one, two);
    }

    /**
     * With a non-finite weight, backward data must not take the forward form, whose padding zeros
     * would multiply the infinity into NaNs the math does not have (issue 19): it gives the col2im
     * path's bits.
     */
    @Test
    void backwardDataWithAnInfiniteWeightKeepsToTheColumnPath() {
        Conv2dGeometry g = Conv2dGeometry.of("test", Shape.of(2, 16, 12, 12), Shape.of(16, 16, 3, 3), Conv2dSpec.of(1, 1));
        SplittableRandom rnd = new SplittableRandom(5);
        float[] dy = random(rnd, g.outputShape().size());
        float[] w = random(rnd, g.weightShape().size());
        w[7] = Float.POSITIVE_INFINITY;
        try (Conv2dKernels conv = new Conv2dKernels(ONE)) {
            float[] dx = nan(g.inputShape().size()), expected = nan(g.inputShape().size());
            conv.backwardData(g, dy, w, dx);
            conv.backwardData(g, dy, w, expected, false);
            assertArrayEquals(expected, dx);
        }
    }

    /** The filter gradient's dot-product form gives the same bits on one thread and on two. */
    @Test
    void filterDotsDoNotDependOnTheThreadCount() {
        Conv2dGeometry g = Conv2dGeometry.of("test", Shape.of(33, 16, 24, 24), Shape.of(4, 16, 3, 3), Conv2dSpec.of(1, 1));
        assertTrue(new Conv2dPlan(g, 2, jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.length()).filterDots);
        assertTrue(g.flops() / 2 >= GemmKernels.PARALLEL_MACS, "big enough to be split over two threads");
        SplittableRandom rnd = new SplittableRandom(7);
        float[] x = random(rnd, g.inputShape().size()), dy = random(rnd, g.outputShape().size());
        float[] one = new float[(int) g.weightShape().size()], two = new float[one.length];
        try (Conv2dKernels a = new Conv2dKernels(ONE); Conv2dKernels b = new Conv2dKernels(TWO)) {
            a.backwardFilter(g, x, dy, one);
            b.backwardFilter(g, x, dy, two);
        }
        assertArrayEquals(one, two);
    }

    /** ResNet-20's 'same' shape, every pass, after warm-up: no garbage per call (the plan holds every buffer). */
    @Test
    void sameConvolutionPassesAllocateNothingOnceWarm() {
        passesAllocateNothingOnceWarm(
                Conv2dGeometry.of("test", Shape.of(2, 16, 16, 16), Shape.of(16, 16, 3, 3), Conv2dSpec.of(1, 1)));
    }

    /** ResNet-20's stride-2 shapes, every pass, after warm-up: no garbage per call. */
    @Test
    void strideTwoPassesAllocateNothingOnceWarm() {
        passesAllocateNothingOnceWarm(
                Conv2dGeometry.of("test", Shape.of(2, 16, 16, 16), Shape.of(32, 16, 3, 3), Conv2dSpec.of(2, 1)));
        passesAllocateNothingOnceWarm(
                Conv2dGeometry.of("test", Shape.of(2, 16, 16, 16), Shape.of(32, 16, 1, 1), Conv2dSpec.of(2, 0)));
    }

    private static void passesAllocateNothingOnceWarm(Conv2dGeometry g) {
        SplittableRandom rnd = new SplittableRandom(6);
        float[] x = random(rnd, g.inputShape().size()), w = random(rnd, g.weightShape().size());
        float[] dy = random(rnd, g.outputShape().size());
        float[] y = new float[dy.length], dx = new float[x.length], dw = new float[w.length];
        try (Conv2dKernels conv = new Conv2dKernels(ONE)) {
            double bytes = AllocationProbe.bytesPerCall(() -> {
                conv.forward(g, x, w, null, y);
                conv.backwardData(g, dy, w, dx);
                conv.backwardFilter(g, x, dy, dw);
            }, 3000, 300, 256);
            assertTrue(bytes < 256, "a forward + backward of " + g + " allocated " + bytes + " bytes per call");
        }
    }

    @Test
    void bigCasesAreAboveTheGrain() {
        // The threaded paths are only tested if these stay above the grain.
        assertTrue(37L * 64 * 16 * 576 >= GemmKernels.PARALLEL_MACS);
        assertTrue(9L * 64 * 121 * 288 >= GemmKernels.PARALLEL_MACS);
        assertTrue(48L * 576 * 18 * 18 >= GemmKernels.PARALLEL_MACS);
        assertTrue(5L * 64 * 96 * 400 >= GemmKernels.PARALLEL_MACS);
        assertTrue(9L * 32 * 143 * 24 * 9 >= GemmKernels.PARALLEL_MACS);
        assertTrue(9L * 32 * 256 * 32 * 9 >= GemmKernels.PARALLEL_MACS);
    }

    @Test
    void plansAreReusedAcrossBatchSizesAndCallsStayCorrect() {
        // The same shape at batch 4 and 1, twice each, with one Conv2dKernels: the cached plan's
        // buffers must not leak state from one call into the next.
        try (Conv2dKernels conv = new Conv2dKernels(TWO)) {
            for (int round = 0; round < 2; round++) {
                for (int n : new int[] {4, 1}) {
                    Conv2dGeometry g = Conv2dGeometry.of("test", Shape.of(n, 8, 12, 12), Shape.of(16, 8, 3, 3),
                            Conv2dSpec.of(1, 1));
                    SplittableRandom rnd = new SplittableRandom(n);
                    float[] x = random(rnd, g.inputShape().size());
                    float[] w = random(rnd, g.weightShape().size());
                    float[] dy = random(rnd, g.outputShape().size());
                    float[] y = new float[(int) g.outputShape().size()];
                    float[] dx = new float[(int) g.inputShape().size()];
                    float[] dw = new float[(int) g.weightShape().size()];
                    conv.forward(g, x, w, null, y);
                    conv.backwardData(g, dy, w, dx);
                    conv.backwardFilter(g, x, dy, dw);
                    try (Conv2dKernels fresh = new Conv2dKernels(TWO)) {
                        float[] y2 = new float[y.length], dx2 = new float[dx.length], dw2 = new float[dw.length];
                        fresh.forward(g, x, w, null, y2);
                        fresh.backwardData(g, dy, w, dx2);
                        fresh.backwardFilter(g, x, dy, dw2);
                        assertArrayEquals(y2, y, "forward, batch " + n + ", round " + round);
                        assertArrayEquals(dx2, dx, "backwardData, batch " + n + ", round " + round);
                        assertArrayEquals(dw2, dw, "backwardFilter, batch " + n + ", round " + round);
                    }
                }
            }
        }
    }
}
