package dev.ingot.cuda;

import dev.ingot.core.Availability;
import dev.ingot.core.Backend;
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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The CUDA backend on a real GPU: every kernel against plain loops ({@link Naive}), the label checks,
 * device memory staying flat over thousands of training steps, out-of-memory recovery, and
 * lifetime rules. Skipped, with the probe's reasons, where CUDA is not available (the build
 * machines); run on a GPU machine with {@code scripts/gpu-run.sh}. The parity suite in
 * {@code tests/} holds the same kernels to the reference backend on every shape of the
 * reference models; this class covers what only this backend has (memory, labels, threads).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@SuppressWarnings("try") // scopes are opened to close what is made inside them
class CudaBackendGpuTest {
    private CudaBackend cuda;
    private final SplittableRandom random = new SplittableRandom(20240611);

    @BeforeAll
    void open() {
        Availability a = Backends.provider("cuda").probe();
        assumeTrue(a.available(), () -> "CUDA is not available here: " + String.join("; ", a.reasons()));
        cuda = (CudaBackend) Backends.get("cuda");
        System.out.println("[cuda] " + cuda.description());
    }

    @AfterAll
    void close() {
        if (cuda != null) {
            System.out.println("[cuda] conv algorithms: " + cuda.convolutionAlgorithms());
            System.out.println("[cuda] memory: " + cuda.memoryStats());
            cuda.close();
        }
    }

    private float[] uniform(int n, double lo, double hi) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (lo + (hi - lo) * random.nextDouble());
        }
        return a;
    }

    private static void assertClose(String what, float[] expected, float[] actual, double atol, double rtol) {
        assertEquals(expected.length, actual.length, what + ": length");
        double worst = 0;
        int at = -1;
        for (int i = 0; i < expected.length; i++) {
            double err = Math.abs(expected[i] - actual[i]);
            double budget = atol + rtol * Math.abs(expected[i]);
            if (!(err <= budget) && (at < 0 || err - budget > worst)) {
                worst = err - budget;
                at = i;
            }
        }
        if (at >= 0) {
            fail(what + ": element " + at + " is " + actual[at] + ", expected " + expected[at] + " (atol " + atol
                    + ", rtol " + rtol + ")");
        }
    }

    // ---------------------------------------------------------------- memory and copies

    @Test
    void copiesRoundTripIncludingChunkedLargeOnes() {
        try (TensorScope scope = TensorScope.open()) {
            float[] small = uniform(1000, -2, 2);
            assertArrayEquals(small, cuda.fromHost(Shape.of(10, 100), small).toFloatArray());
            float[] large = uniform(6_000_001, -1, 1); // 24 MB: more than one 16 MiB staging chunk
            Tensor t = cuda.fromHost(Shape.of(6_000_001), large);
            assertArrayEquals(large, t.toFloatArray());
            int[] labels = {3, 1, 4, 1, 5, 9, 2, 6};
            assertArrayEquals(labels, cuda.fromHost(Shape.of(8), labels).toIntArray());
            Tensor z = cuda.zeros(Shape.of(7, 3));
            assertArrayEquals(new float[21], z.toFloatArray());
            cuda.fill(z, -2.5f);
            float[] filled = new float[21];
            java.util.Arrays.fill(filled, -2.5f);
            assertArrayEquals(filled, z.toFloatArray());
            Tensor copy = cuda.zeros(Shape.of(21));
            cuda.copy(z, copy);
            assertArrayEquals(filled, copy.toFloatArray());
        }
    }

    @Test
    void bytesInUseCountsOpenTensorsOnly() {
        long before = cuda.bytesInUse();
        Tensor a = cuda.zeros(Shape.of(1000));
        Tensor b = cuda.zeros(Shape.of(10), DType.INT32);
        assertEquals(before + 4040, cuda.bytesInUse());
        a.close();
        b.close();
        assertEquals(before, cuda.bytesInUse());
    }

    /**
     * A small CNN's training step, repeated: after the first steps every block comes from the
     * allocator's cache, so the driver is never asked for memory again and the device's free memory
     * does not move.
     */
    /** How far the device's free memory may fall in steady state for reasons not ours (lazy module loading). */
    static final long FREE_MEMORY_SLACK = 64L << 20;

    @Test
    void thousandsOfTrainingStepsLeaveDeviceMemoryFlat() {
        Conv2dSpec conv = Conv2dSpec.DEFAULT;
        Pool2dSpec pool = Pool2dSpec.of(2);
        AdamSpec adam = AdamSpec.keras();
        int n = 32;
        try (TensorScope model = TensorScope.open()) {
            Tensor w1 = cuda.fromHost(Shape.of(8, 1, 3, 3), uniform(72, -0.3, 0.3));
            Tensor b1 = cuda.zeros(Shape.of(8));
            Tensor wd = cuda.fromHost(Shape.of(8 * 13 * 13, 10), uniform(8 * 13 * 13 * 10, -0.05, 0.05));
            Tensor[] params = {w1, b1, wd};
            Tensor[] m = new Tensor[3];
            Tensor[] v = new Tensor[3];
            for (int i = 0; i < 3; i++) {
                m[i] = cuda.zeros(params[i].shape());
                v[i] = cuda.zeros(params[i].shape());
            }
            float[] images = uniform(n * 28 * 28, 0, 1);
            int[] labels = new int[n];
            for (int i = 0; i < n; i++) {
                labels[i] = random.nextInt(10);
            }
            long baselineBytes = cuda.bytesInUse();
            long driverCallsAfterWarmup = -1;
            long freeAfterWarmup = -1;
            float firstLoss = Float.NaN;
            float lastLoss = Float.NaN;
            int steps = 3000;
            for (int step = 1; step <= steps; step++) {
                try (TensorScope s = TensorScope.open()) {
                    Tensor x = cuda.fromHost(Shape.of(n, 1, 28, 28), images);
                    Tensor y = cuda.fromHost(Shape.of(n), labels);
                    Tensor c1 = cuda.zeros(Shape.of(n, 8, 26, 26));
                    cuda.conv2dForward(x, w1, b1, conv, c1);
                    cuda.reluForward(c1, c1);
                    Tensor p1 = cuda.zeros(Shape.of(n, 8, 13, 13));
                    cuda.maxPool2dForward(c1, pool, p1);
                    Tensor flat = p1.view(Shape.of(n, 8 * 13 * 13));
                    Tensor logits = cuda.zeros(Shape.of(n, 10));
                    cuda.gemm(false, false, 1f, flat, wd, 0f, logits);
                    Tensor loss = cuda.zeros(Shape.scalar());
                    Tensor dLogits = cuda.zeros(Shape.of(n, 10));
                    cuda.softmaxCrossEntropy(logits, y, loss, dLogits);
                    Tensor dWd = cuda.zeros(wd.shape());
                    cuda.gemm(true, false, 1f, flat, dLogits, 0f, dWd);
                    Tensor dFlat = cuda.zeros(Shape.of(n, 8 * 13 * 13));
                    cuda.gemm(false, true, 1f, dLogits, wd, 0f, dFlat);
                    Tensor dC1 = cuda.zeros(c1.shape());
                    cuda.maxPool2dBackward(c1, p1, dFlat.view(p1.shape()), pool, dC1);
                    cuda.reluBackward(c1, dC1, dC1);
                    Tensor dW1 = cuda.zeros(w1.shape());
                    cuda.conv2dBackwardFilter(x, dC1, conv, dW1);
                    Tensor dB1 = cuda.zeros(b1.shape());
                    cuda.conv2dBackwardBias(dC1, dB1);
                    Tensor[] grads = {dW1, dB1, dWd};
                    for (int i = 0; i < 3; i++) {
                        cuda.adamStep(params[i], grads[i], m[i], v[i], adam, step);
                    }
                    cuda.countCorrect(logits, y);
                    if (step == 1) {
                        firstLoss = loss.item();
                    }
                    if (step == steps) {
                        lastLoss = loss.item();
                    }
                }
                assertEquals(baselineBytes, cuda.bytesInUse(), "step " + step + " leaked tensor memory");
                if (step == 10) {
                    cuda.synchronize();
                    driverCallsAfterWarmup = cuda.memoryStats().driverAllocations();
                    freeAfterWarmup = cuda.deviceMemory()[0];
                }
            }
            cuda.synchronize();
            MemoryStats stats = cuda.memoryStats();
            System.out.println("[cuda] after " + steps + " steps: " + stats + ", loss " + firstLoss + " -> " + lastLoss);
            assertEquals(driverCallsAfterWarmup, stats.driverAllocations(),
                    "steady-state steps must not call cuMemAlloc");
            // Our allocator is held exactly (no cuMemAlloc above). The device's free memory gets a slack:
            // with lazy module loading (CUDA 12.2+ default) the driver loads a cuDNN or cuBLAS kernel image
            // the first time that kernel runs, and cuBLAS may size its workspace late, none of which is ours.
            long drop = freeAfterWarmup - cuda.deviceMemory()[0];
            assertTrue(drop <= FREE_MEMORY_SLACK, "device free memory fell by " + drop
                    + " bytes during steady state (more than the " + (FREE_MEMORY_SLACK >> 20)
                    + " MiB that lazily loaded library kernels may take)");
            assertTrue(lastLoss < firstLoss, "memorising one batch must lower the loss: " + firstLoss + " -> " + lastLoss);
        }
    }

    @Test
    void outOfMemoryIsATypedExceptionAndTheBackendCarriesOn() {
        List<Tensor> hog = new ArrayList<>();
        try {
            CudaOutOfMemoryException oom = assertThrows(CudaOutOfMemoryException.class, () -> {
                for (int i = 0; i < 1000; i++) {
                    hog.add(cuda.zeros(Shape.of(Integer.MAX_VALUE / 2))); // 4 GiB each
                }
            });
            assertTrue(oom.requestedBytes() >= 4L * (Integer.MAX_VALUE / 2), oom.getMessage());
            assertTrue(oom.freeBytes() < oom.requestedBytes(), oom.getMessage());
            assertTrue(oom.totalBytes() > 0, oom.getMessage());
            System.out.println("[cuda] " + oom.getMessage());
        } finally {
            hog.forEach(Tensor::close);
        }
        cuda.releaseCachedMemory();
        try (Tensor t = cuda.fromHost(Shape.of(3), new float[] {1, 2, 3})) {
            assertArrayEquals(new float[] {1, 2, 3}, t.toFloatArray());
        }
    }

    @Test
    void callsFromAnotherThreadFindTheContext() throws Exception {
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try (Tensor a = cuda.fromHost(Shape.of(4), new float[] {1, -2, 3, -4}); Tensor b = cuda.zeros(Shape.of(4))) {
            Future<float[]> f = pool.submit(() -> {
                cuda.reluForward(a, b);
                return b.toFloatArray();
            });
            assertArrayEquals(new float[] {1, 0, 3, 0}, f.get());
        } finally {
            pool.shutdown();
        }
    }

    @Test
    void aClosedBackendRefusesWorkAndLateTensorClosesAreHarmless() {
        Backend other = Backends.get("cuda");
        Tensor t = other.fromHost(Shape.of(2), new float[] {1, 2});
        other.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> other.zeros(Shape.of(1)));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
        assertThrows(IllegalStateException.class, t::toFloatArray);
        t.close();
        other.close();
    }

    // ---------------------------------------------------------------- kernels vs plain loops

    @Test
    void gemmAllTranspositionsAlphaBeta() {
        int[][] sizes = {{1, 1, 1}, {7, 17, 33}, {33, 7, 129}, {64, 10, 1100}};
        for (int[] mnk : sizes) {
            int m = mnk[0], n = mnk[1], k = mnk[2];
            for (int t = 0; t < 4; t++) {
                boolean ta = (t & 1) != 0, tb = (t & 2) != 0;
                float[] a = uniform(m * k, -2, 2), b = uniform(k * n, -2, 2), c = uniform(m * n, -2, 2);
                float alpha = 0.75f, beta = t == 3 ? 0f : -0.5f;
                try (TensorScope s = TensorScope.open()) {
                    Tensor ta2 = cuda.fromHost(ta ? Shape.of(k, m) : Shape.of(m, k), a);
                    Tensor tb2 = cuda.fromHost(tb ? Shape.of(n, k) : Shape.of(k, n), b);
                    Tensor tc = cuda.fromHost(Shape.of(m, n), c);
                    cuda.gemm(ta, tb, alpha, ta2, tb2, beta, tc);
                    assertClose("gemm " + m + "x" + n + "x" + k + " ta=" + ta + " tb=" + tb,
                            Naive.gemm(ta, tb, m, n, k, alpha, a, b, beta, c), tc.toFloatArray(), 1e-4 * Math.sqrt(k), 1e-4);
                }
            }
        }
    }

    @Test
    void gemmWithBetaZeroIgnoresNaNsInC() {
        try (TensorScope s = TensorScope.open()) {
            Tensor a = cuda.fromHost(Shape.of(1, 2), new float[] {1, 2});
            Tensor b = cuda.fromHost(Shape.of(2, 1), new float[] {3, 4});
            Tensor c = cuda.fromHost(Shape.of(1, 1), new float[] {Float.NaN});
            cuda.gemm(false, false, 1f, a, b, 0f, c);
            assertArrayEquals(new float[] {11}, c.toFloatArray());
        }
    }

    @Test
    void convolutionForwardBackwardAndBiasAcrossStridesPaddingsDilations() {
        record Case(int n, int c, int h, int w, int k, int r, int s, Conv2dSpec spec) {
        }
        List<Case> cases = List.of(
                new Case(2, 1, 28, 28, 32, 3, 3, Conv2dSpec.DEFAULT),
                new Case(1, 3, 32, 32, 32, 3, 3, Conv2dSpec.DEFAULT),
                new Case(3, 5, 11, 9, 7, 3, 3, Conv2dSpec.of(2, 1)),
                new Case(2, 4, 13, 13, 6, 3, 3, Conv2dSpec.of(1, 2, 2)),
                new Case(2, 64, 5, 5, 64, 3, 3, Conv2dSpec.DEFAULT),
                new Case(1, 2, 7, 7, 3, 1, 1, Conv2dSpec.DEFAULT));
        for (Case cs : cases) {
            Conv2dSpec sp = cs.spec();
            int p = Naive.outSize(cs.h(), cs.r(), sp.strideH(), sp.padH(), sp.dilationH());
            int q = Naive.outSize(cs.w(), cs.s(), sp.strideW(), sp.padW(), sp.dilationW());
            float[] x = uniform(cs.n() * cs.c() * cs.h() * cs.w(), -2, 2);
            float[] w = uniform(cs.k() * cs.c() * cs.r() * cs.s(), -1, 1);
            float[] b = uniform(cs.k(), -1, 1);
            float[] dy = uniform(cs.n() * cs.k() * p * q, -1, 1);
            double tol = 2e-5 * cs.c() * cs.r() * cs.s();
            try (TensorScope s = TensorScope.open()) {
                Tensor tx = cuda.fromHost(Shape.of(cs.n(), cs.c(), cs.h(), cs.w()), x);
                Tensor tw = cuda.fromHost(Shape.of(cs.k(), cs.c(), cs.r(), cs.s()), w);
                Tensor tb = cuda.fromHost(Shape.of(cs.k()), b);
                Tensor ty = cuda.zeros(Shape.of(cs.n(), cs.k(), p, q));
                cuda.conv2dForward(tx, tw, tb, sp, ty);
                assertClose("conv forward " + cs, Naive.convForward(x, w, b, cs.n(), cs.c(), cs.h(), cs.w(), cs.k(),
                        cs.r(), cs.s(), sp), ty.toFloatArray(), tol, 1e-4);
                cuda.conv2dForward(tx, tw, null, sp, ty);
                assertClose("conv forward without bias " + cs, Naive.convForward(x, w, null, cs.n(), cs.c(), cs.h(),
                        cs.w(), cs.k(), cs.r(), cs.s(), sp), ty.toFloatArray(), tol, 1e-4);
                Tensor tdy = cuda.fromHost(ty.shape(), dy);
                Tensor tdx = cuda.zeros(tx.shape());
                cuda.conv2dBackwardData(tdy, tw, sp, tdx);
                assertClose("conv backward data " + cs, Naive.convBackwardData(dy, w, cs.n(), cs.c(), cs.h(), cs.w(),
                        cs.k(), cs.r(), cs.s(), sp), tdx.toFloatArray(), 2e-5 * cs.k() * cs.r() * cs.s(), 1e-4);
                Tensor tdw = cuda.zeros(tw.shape());
                cuda.conv2dBackwardFilter(tx, tdy, sp, tdw);
                assertClose("conv backward filter " + cs, Naive.convBackwardFilter(x, dy, cs.n(), cs.c(), cs.h(),
                        cs.w(), cs.k(), cs.r(), cs.s(), sp), tdw.toFloatArray(), 4e-5 * cs.n() * p * q, 1e-4);
                Tensor tdb = cuda.zeros(Shape.of(cs.k()));
                cuda.conv2dBackwardBias(tdy, tdb);
                float[] db = new float[cs.k()];
                for (int i = 0; i < dy.length; i++) {
                    db[(i / (p * q)) % cs.k()] += dy[i];
                }
                assertClose("conv backward bias " + cs, db, tdb.toFloatArray(), 1e-5 * cs.n() * p * q, 1e-4);
            }
        }
    }

    @Test
    void poolingForwardAndBackwardIncludingTiesAndPadding() {
        Pool2dSpec[] specs = {Pool2dSpec.of(2), Pool2dSpec.of(3, 2, 1), Pool2dSpec.of(3, 1, 1),
            new Pool2dSpec(2, 3, 1, 2, 1, 0)};
        for (Pool2dSpec sp : specs) {
            int n = 2, c = 3, h = 9, w = 8;
            float[] x = uniform(n * c * h * w, -2, 2);
            for (int i = 0; i < x.length; i += 5) {
                x[i] = 1.0f; // many ties: the first maximum in row-major order must get the gradient
            }
            int p = (h + 2 * sp.padH() - sp.kernelH()) / sp.strideH() + 1;
            int q = (w + 2 * sp.padW() - sp.kernelW()) / sp.strideW() + 1;
            float[] dy = uniform(n * c * p * q, -1, 1);
            float[] dxMax = new float[x.length];
            float[] yMax = Naive.maxPool(x, dy, dxMax, n, c, h, w, sp);
            float[] dxAvg = new float[x.length];
            float[] yAvg = Naive.avgPool(x, dy, dxAvg, n, c, h, w, sp);
            try (TensorScope s = TensorScope.open()) {
                Tensor tx = cuda.fromHost(Shape.of(n, c, h, w), x);
                Tensor ty = cuda.zeros(Shape.of(n, c, p, q));
                Tensor tdy = cuda.fromHost(ty.shape(), dy);
                Tensor tdx = cuda.zeros(tx.shape());
                cuda.maxPool2dForward(tx, sp, ty);
                assertArrayEquals(yMax, ty.toFloatArray(), "max pool forward " + sp);
                cuda.maxPool2dBackward(tx, ty, tdy, sp, tdx);
                assertClose("max pool backward " + sp, dxMax, tdx.toFloatArray(), 1e-6, 1e-6);
                cuda.avgPool2dForward(tx, sp, ty);
                assertClose("avg pool forward " + sp, yAvg, ty.toFloatArray(), 1e-6, 1e-5);
                cuda.avgPool2dBackward(tdy, sp, tdx);
                assertClose("avg pool backward " + sp, dxAvg, tdx.toFloatArray(), 1e-6, 1e-5);
            }
        }
    }

    @Test
    void reluAndSoftmaxFamiliesIncludingInPlace() {
        int rows = 37, cols = 10;
        float[] x = uniform(rows * cols, -4, 4);
        float[] dy = uniform(rows * cols, -1, 1);
        try (TensorScope s = TensorScope.open()) {
            Tensor tx = cuda.fromHost(Shape.of(rows, cols), x);
            Tensor ty = cuda.zeros(tx.shape());
            cuda.reluForward(tx, ty);
            float[] relu = new float[x.length];
            float[] reluGrad = new float[x.length];
            for (int i = 0; i < x.length; i++) {
                relu[i] = Math.max(x[i], 0f);
                reluGrad[i] = relu[i] > 0 ? dy[i] : 0f;
            }
            assertArrayEquals(relu, ty.toFloatArray());
            Tensor tdy = cuda.fromHost(tx.shape(), dy);
            cuda.reluBackward(ty, tdy, tdy); // in place on dy
            assertArrayEquals(reluGrad, tdy.toFloatArray());

            for (boolean log : new boolean[] {false, true}) {
                float[] expected = Naive.softmax(x, rows, cols, log);
                Tensor in = cuda.fromHost(tx.shape(), x);
                if (log) {
                    cuda.logSoftmaxForward(in, in); // in place
                } else {
                    cuda.softmaxForward(in, in);
                }
                float[] y = in.toFloatArray();
                assertClose((log ? "log-" : "") + "softmax forward", expected, y, 1e-6, 1e-5);
                float[] dx = new float[x.length];
                for (int r = 0; r < rows; r++) {
                    double dot = 0;
                    double sum = 0;
                    for (int i = 0; i < cols; i++) {
                        dot += dy[r * cols + i] * (double) y[r * cols + i];
                        sum += dy[r * cols + i];
                    }
                    for (int i = 0; i < cols; i++) {
                        int k = r * cols + i;
                        dx[k] = (float) (log ? dy[k] - Math.exp(y[k]) * sum : y[k] * (dy[k] - dot));
                    }
                }
                Tensor g = cuda.fromHost(tx.shape(), dy);
                if (log) {
                    cuda.logSoftmaxBackward(in, g, g);
                } else {
                    cuda.softmaxBackward(in, g, g);
                }
                assertClose((log ? "log-" : "") + "softmax backward", dx, g.toFloatArray(), 1e-6, 1e-5);
            }
        }
    }

    @Test
    void crossEntropyLossGradientAndLabelChecks() {
        int rows = 45, cols = 10;
        float[] logits = uniform(rows * cols, -3, 3);
        int[] labels = new int[rows];
        for (int i = 0; i < rows; i++) {
            labels[i] = random.nextInt(cols);
        }
        float[] p = Naive.softmax(logits, rows, cols, false);
        double loss = 0;
        float[] grad = new float[p.length];
        for (int r = 0; r < rows; r++) {
            loss -= Math.log(p[r * cols + labels[r]]);
            for (int i = 0; i < cols; i++) {
                grad[r * cols + i] = (p[r * cols + i] - (i == labels[r] ? 1f : 0f)) / rows;
            }
        }
        loss /= rows;
        try (TensorScope s = TensorScope.open()) {
            Tensor tl = cuda.fromHost(Shape.of(rows, cols), logits);
            Tensor ty = cuda.fromHost(Shape.of(rows), labels);
            Tensor tLoss = cuda.zeros(Shape.of(1));
            Tensor tGrad = cuda.zeros(tl.shape());
            cuda.softmaxCrossEntropy(tl, ty, tLoss, tGrad);
            assertClose("cross-entropy loss", new float[] {(float) loss}, tLoss.toFloatArray(), 1e-6, 1e-5);
            assertClose("cross-entropy gradient", grad, tGrad.toFloatArray(), 1e-7, 1e-5);
            cuda.softmaxCrossEntropy(tl, ty, tLoss, null);
            assertClose("cross-entropy loss only", new float[] {(float) loss}, tLoss.toFloatArray(), 1e-6, 1e-5);

            // a bad label uploaded from the host: caught without a device round trip, nothing written
            int[] bad = labels.clone();
            bad[17] = cols;
            ty.copyFrom(bad);
            cuda.fill(tGrad, 7f);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> cuda.softmaxCrossEntropy(tl, ty, tLoss, tGrad));
            assertEquals("softmaxCrossEntropy: 'labels' has 10 at row 17, expected a class index in [0, 10)",
                    e.getMessage());
            float[] sevens = new float[rows * cols];
            java.util.Arrays.fill(sevens, 7f);
            assertArrayEquals(sevens, tGrad.toFloatArray(), "nothing may be written when a label is out of range");
            e = assertThrows(IllegalArgumentException.class, () -> cuda.countCorrect(tl, ty));
            assertEquals("countCorrect: 'labels' has 10 at row 17, expected a class index in [0, 10)", e.getMessage());

            // labels the host never saw (argmax over 12 classes used against 10): checked on the device
            Tensor wide = cuda.fromHost(Shape.of(rows, 12), uniform(rows * 12, -1, 1));
            Tensor computed = cuda.zeros(Shape.of(rows), DType.INT32);
            cuda.argmax(wide, computed);
            int[] host = computed.toIntArray();
            int firstBad = -1;
            for (int i = 0; i < rows; i++) {
                if (host[i] >= cols) {
                    firstBad = i;
                    break;
                }
            }
            if (firstBad >= 0) {
                int row = firstBad;
                e = assertThrows(IllegalArgumentException.class, () -> cuda.countCorrect(tl, computed));
                assertEquals("countCorrect: 'labels' has " + host[row] + " at row " + row
                        + ", expected a class index in [0, 10)", e.getMessage());
            }
        }
    }

    @Test
    void optimizersMatchTheirFormulasInFloat() {
        int n = 1001;
        float[] p0 = uniform(n, -1, 1), g = uniform(n, -1, 1);
        AdamSpec adam = AdamSpec.keras();
        float[] p = p0.clone(), m = new float[n], v = new float[n];
        try (TensorScope s = TensorScope.open()) {
            Tensor tp = cuda.fromHost(Shape.of(n), p0), tg = cuda.fromHost(Shape.of(n), g);
            Tensor tm = cuda.zeros(Shape.of(n)), tv = cuda.zeros(Shape.of(n));
            for (int step = 1; step <= 5; step++) {
                float a = adam.stepSize(step);
                for (int i = 0; i < n; i++) { // OptimizerKernels.adam's scalar tail, fused where it fuses
                    m[i] = Math.fma(m[i], adam.beta1(), g[i] * (1 - adam.beta1()));
                    v[i] = Math.fma(v[i], adam.beta2(), g[i] * (1 - adam.beta2()) * g[i]);
                    p[i] = p[i] - m[i] * a / ((float) Math.sqrt(v[i]) + adam.epsilon());
                }
                cuda.adamStep(tp, tg, tm, tv, adam, step);
            }
            assertClose("adam m", m, tm.toFloatArray(), 0, 1e-6);
            assertClose("adam v", v, tv.toFloatArray(), 0, 1e-6);
            assertClose("adam param", p, tp.toFloatArray(), 1e-7, 1e-6);

            for (SgdSpec spec : new SgdSpec[] {new SgdSpec(0.1f, 0f, false), new SgdSpec(0.1f, 0.9f, false),
                new SgdSpec(0.1f, 0.9f, true)}) {
                float[] q = p0.clone(), vel = new float[n];
                Tensor tq = cuda.fromHost(Shape.of(n), p0);
                Tensor tvel = spec.momentum() == 0 ? null : cuda.zeros(Shape.of(n));
                for (int step = 0; step < 3; step++) {
                    for (int i = 0; i < n; i++) {
                        // OptimizerKernels.sgd's scalar tail
                        float lrG = g[i] * -spec.learningRate();
                        if (spec.momentum() == 0) {
                            q[i] = Math.fma(g[i], -spec.learningRate(), q[i]);
                        } else {
                            vel[i] = Math.fma(vel[i], spec.momentum(), lrG);
                            q[i] = q[i] + (spec.nesterov() ? Math.fma(vel[i], spec.momentum(), lrG) : vel[i]);
                        }
                    }
                    cuda.sgdStep(tq, tg, tvel, spec);
                }
                assertClose("sgd " + spec, q, tq.toFloatArray(), 1e-7, 1e-6);
            }
        }
    }

    @Test
    void dropoutMasksEqualTheCpuRuleBitForBit() {
        int n = 100_003;
        float[] x = uniform(n, -1, 1);
        DropoutSpec spec = new DropoutSpec(0.2f, 0x1234_5678_9abc_def0L);
        try (TensorScope s = TensorScope.open()) {
            Tensor tx = cuda.fromHost(Shape.of(n), x);
            Tensor ty = cuda.zeros(Shape.of(n)), mask = cuda.zeros(Shape.of(n));
            cuda.dropoutForward(tx, spec, ty, mask);
            float[] gotMask = mask.toFloatArray();
            float[] gotY = ty.toFloatArray();
            for (int i = 0; i < n; i++) {
                float expected = spec.keep(i) ? spec.scale() : 0f;
                if (Float.floatToRawIntBits(expected) != Float.floatToRawIntBits(gotMask[i])) {
                    fail("dropout mask differs at " + i + ": " + gotMask[i] + " vs " + expected);
                }
                assertEquals(x[i] * expected, gotY[i], 0f, "dropout output at " + i);
            }
            cuda.dropoutForward(tx, spec, tx, mask); // y may be x
            assertArrayEquals(gotY, tx.toFloatArray());
        }
    }

    @Test
    void elementwiseOpsBiasAddReductionsArgmaxAndCounts() {
        int n = 4, c = 3, hw = 5;
        float[] a = uniform(n * c * hw, -2, 2), b = uniform(n * c * hw, -2, 2), bias = uniform(c, -1, 1);
        try (TensorScope s = TensorScope.open()) {
            Tensor ta = cuda.fromHost(Shape.of(n, c, 1, hw), a), tb = cuda.fromHost(Shape.of(n, c, 1, hw), b);
            Tensor out = cuda.zeros(ta.shape());
            float[] sum = new float[a.length], prod = new float[a.length], scaled = new float[a.length];
            float[] axpy = new float[a.length], biased = new float[a.length];
            for (int i = 0; i < a.length; i++) {
                sum[i] = a[i] + b[i];
                prod[i] = a[i] * b[i];
                scaled[i] = 0.3f * a[i];
                axpy[i] = Math.fma(a[i], -1.5f, b[i]); // ElementwiseKernels.axpy: one rounding
                biased[i] = a[i] + bias[(i / hw) % c];
            }
            cuda.add(ta, tb, out);
            assertArrayEquals(sum, out.toFloatArray());
            cuda.multiply(ta, tb, out);
            assertArrayEquals(prod, out.toFloatArray());
            cuda.scale(ta, 0.3f, out);
            assertArrayEquals(scaled, out.toFloatArray());
            cuda.copy(tb, out);
            cuda.axpy(-1.5f, ta, out);
            assertArrayEquals(axpy, out.toFloatArray());
            cuda.biasAdd(ta, cuda.fromHost(Shape.of(c), bias), out);
            assertArrayEquals(biased, out.toFloatArray());

            Tensor rows = cuda.fromHost(Shape.of(n, c * hw), a);
            Tensor colSums = cuda.zeros(Shape.of(c * hw));
            cuda.sumOverBatch(rows, colSums);
            float[] expected = new float[c * hw];
            for (int r = 0; r < n; r++) {
                for (int f = 0; f < c * hw; f++) {
                    expected[f] += a[r * c * hw + f];
                }
            }
            assertArrayEquals(expected, colSums.toFloatArray());

            float nan = Float.NaN;
            float[] logits = {1, 3, 3, 0, /**/ 5, 5, 5, 5, /**/ -1, -2, -3, -0.5f, /**/ 1, nan, 2, nan};
            Tensor tl = cuda.fromHost(Shape.of(4, 4), logits);
            Tensor idx = cuda.zeros(Shape.of(4), DType.INT32);
            cuda.argmax(tl, idx);
            assertArrayEquals(new int[] {1, 0, 3, 1}, idx.toIntArray(),
                    "ties go to the first index; the first NaN beats every number (the CPU's rule)");
            assertEquals(3, cuda.countCorrect(tl, cuda.fromHost(Shape.of(4), new int[] {1, 2, 3, 1})));
            assertEquals(4, cuda.countCorrect(tl, idx), "argmax's own output: a bound the host knows, no device check");
        }
    }

    @Test
    void kernelsAreCachedOnDiskForTheNextBackend() throws Exception {
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("ingot-kernel-cache");
        String previous = System.getProperty("ingot.cache.dir");
        System.setProperty("ingot.cache.dir", dir.toString());
        try {
            for (int round = 0; round < 2; round++) {
                try (Backend b = Backends.get("cuda"); Tensor x = b.fromHost(Shape.of(3), new float[] {1, 2, 3});
                     Tensor y = b.zeros(Shape.of(3))) {
                    b.scale(x, 2f, y);
                    assertArrayEquals(new float[] {2, 4, 6}, y.toFloatArray());
                    String d = b.description();
                    System.out.println("[cuda] round " + round + ": " + d);
                    assertTrue(d.contains(round == 0 ? "1 modules compiled, 0 loaded" : "0 modules compiled, 1 loaded"), d);
                }
            }
        } finally {
            if (previous == null) {
                System.clearProperty("ingot.cache.dir");
            } else {
                System.setProperty("ingot.cache.dir", previous);
            }
        }
    }
}
