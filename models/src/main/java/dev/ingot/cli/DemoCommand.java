package dev.ingot.cli;

import dev.ingot.core.Availability;
import dev.ingot.core.Backend;
import dev.ingot.core.BackendProvider;
import dev.ingot.core.Backends;
import dev.ingot.core.DType;
import dev.ingot.core.Shape;
import dev.ingot.core.Tensor;
import dev.ingot.core.TensorScope;
import dev.ingot.core.spec.Conv2dSpec;
import dev.ingot.core.spec.Pool2dSpec;
import picocli.CommandLine.Command;

import java.util.SplittableRandom;
import java.util.concurrent.Callable;

/**
 * Runs a few kernels (a GEMM and one forward/backward pass of a small conv layer with its loss) on
 * every backend that is available here, and prints what ran, how long it took and a checksum, so
 * that backends can be compared at a glance.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Run a few kernels on every available backend and print what they did.")
final class DemoCommand implements Callable<Integer> {

    @Override
    public Integer call() {
        for (BackendProvider provider : Backends.providers()) {
            Availability a = provider.probe();
            if (!a.available()) {
                String why = a.reasons().getFirst();
                System.out.println(provider.name() + ": skipped, not available: "
                        + (why.length() > 120 ? why.substring(0, 120) + "..." : why)
                        + " (./ingot doctor gives every reason)");
                continue;
            }
            try (Backend backend = provider.create()) {
                System.out.println(backend.description());
                run(backend);
            }
        }
        return 0;
    }

    private static void run(Backend b) {
        try (TensorScope scope = TensorScope.open()) {
            SplittableRandom random = new SplittableRandom(42);
            int size = 512;
            Tensor x = b.fromHost(Shape.of(size, size), uniform(random, size * size));
            Tensor y = b.fromHost(Shape.of(size, size), uniform(random, size * size));
            Tensor z = b.zeros(Shape.of(size, size));
            double ms = Double.MAX_VALUE;
            long t0;
            for (int rep = 0; rep < 20; rep++) { // the first calls run before the JIT has compiled the kernel
                t0 = System.nanoTime();
                b.gemm(false, false, 1f, x, y, 0f, z);
                b.synchronize();
                ms = Math.min(ms, (System.nanoTime() - t0) / 1e6);
            }
            System.out.printf("  gemm %dx%dx%d: %.2f ms (best of 20), %.1f GFLOP/s, checksum %.4f%n", size, size, size, ms,
                    2.0 * size * size * size / ms / 1e6, sum(z.toFloatArray()));

            // One conv layer of cifar10-cnn at batch 16: conv 3->32 k3, ReLU, 2x2 max-pool, dense to 10, loss.
            int n = 16;
            Tensor images = b.fromHost(Shape.of(n, 3, 32, 32), uniform(random, n * 3 * 32 * 32));
            Tensor w = b.fromHost(Shape.of(32, 3, 3, 3), uniform(random, 32 * 27));
            Tensor bias = b.zeros(Shape.of(32));
            Tensor conv = b.zeros(Shape.of(n, 32, 30, 30));
            Tensor pooled = b.zeros(Shape.of(n, 32, 15, 15));
            Tensor dense = b.fromHost(Shape.of(32 * 15 * 15, 10), uniform(random, 32 * 225 * 10));
            Tensor logits = b.zeros(Shape.of(n, 10));
            int[] labelValues = new int[n];
            for (int i = 0; i < n; i++) {
                labelValues[i] = i % 10;
            }
            Tensor labels = b.fromHost(Shape.of(n), labelValues);
            Tensor loss = b.zeros(Shape.of(1));
            Tensor dLogits = b.zeros(Shape.of(n, 10));
            Tensor dPooled = b.zeros(Shape.of(n, 32 * 15 * 15));
            Tensor dConv = b.zeros(Shape.of(n, 32, 30, 30));
            Tensor dw = b.zeros(Shape.of(32, 3, 3, 3));
            Tensor db = b.zeros(Shape.of(32));
            Tensor predictions = b.zeros(Shape.of(n), DType.INT32);

            double first = 0;
            ms = Double.MAX_VALUE;
            float lossValue = 0;
            for (int rep = 0; rep < 10; rep++) {
                t0 = System.nanoTime();
                b.conv2dForward(images, w, bias, Conv2dSpec.DEFAULT, conv);
                b.reluForward(conv, conv);
                b.maxPool2dForward(conv, Pool2dSpec.of(2), pooled);
                Tensor flat = pooled.view(Shape.of(n, 32 * 15 * 15));
                b.gemm(false, false, 1f, flat, dense, 0f, logits);
                b.softmaxCrossEntropy(logits, labels, loss, dLogits);
                b.gemm(false, true, 1f, dLogits, dense, 0f, dPooled);
                b.maxPool2dBackward(conv, pooled, dPooled.view(pooled.shape()), Pool2dSpec.of(2), dConv);
                b.reluBackward(conv, dConv, dConv);
                b.conv2dBackwardFilter(images, dConv, Conv2dSpec.DEFAULT, dw);
                b.conv2dBackwardBias(dConv, db);
                b.argmax(logits, predictions);
                lossValue = loss.item();
                double elapsed = (System.nanoTime() - t0) / 1e6;
                first = rep == 0 ? elapsed : first;
                ms = Math.min(ms, elapsed);
            }
            System.out.printf("  conv 3->32 k3 + relu + maxpool + dense + softmax cross-entropy, forward and"
                    + " backward, batch %d: %.2f ms (best of 10; the first, before the JIT, %.0f ms)%n", n, ms, first);
            System.out.printf("  loss %.4f, |dw| sum %.4f, db sum %.6f, %d of %d predicted right%n", lossValue,
                    sumAbs(dw.toFloatArray()), sum(db.toFloatArray()), b.countCorrect(logits, labels), n);
        }
    }

    private static float[] uniform(SplittableRandom random, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (random.nextDouble() * 2 - 1) * 0.1f;
        }
        return a;
    }

    private static double sum(float[] a) {
        double s = 0;
        for (float v : a) {
            s += v;
        }
        return s;
    }

    private static double sumAbs(float[] a) {
        double s = 0;
        for (float v : a) {
            s += Math.abs(v);
        }
        return s;
    }
}
