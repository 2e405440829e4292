package dev.ingot.cpu.kernels;

import dev.ingot.core.Shape;
import dev.ingot.core.spec.Conv2dGeometry;
import dev.ingot.core.spec.Conv2dSpec;
import dev.ingot.cpu.parallel.Parallel;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Winograd F(4x4,3x3) alone against Conv2dKernels' forward pass without it, one thread, in this thread's CPU
 * time (a measuring tool for the selection rule in Conv2dPlan, not a test):
 * <pre>
 * java --add-modules=jdk.incubator.vector -cp engine-core/target/classes:engine-cpu/target/classes:engine-cpu/target/test-classes \
 *     dev.ingot.cpu.kernels.Conv2dWinogradTiming [seconds]
 * </pre>
 */
final class Conv2dWinogradTiming {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private Conv2dWinogradTiming() {
    }

    public static void main(String[] args) {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 1;
        System.out.println(VectorShape.PREFERRED.describe() + "; Winograd tile 4x" + Conv2dWinograd.VECTORS + "V");
        int[][] shapes = {
                // n, c, h, w, k, pad
                {128, 16, 32, 32, 16, 1}, {128, 32, 16, 16, 32, 1}, {128, 64, 8, 8, 64, 1},
                {64, 256, 16, 16, 256, 1}, {64, 256, 8, 8, 256, 1}, {64, 128, 16, 16, 128, 1},
                {64, 32, 26, 26, 64, 0}, {64, 32, 15, 15, 64, 0}, {64, 64, 32, 32, 64, 1}, {64, 64, 32, 32, 128, 1}};
        if (args.length > 1) {
            String[] f = args[1].split(",");
            shapes = new int[][] {java.util.Arrays.stream(f).mapToInt(Integer::parseInt).toArray()};
        }
        try (Conv2dKernels conv = new Conv2dKernels(Parallel.withThreads(1), false)) {
            for (int[] s : shapes) {
                Conv2dGeometry g = Conv2dGeometry.of("t", Shape.of(s[0], s[1], s[2], s[3]), Shape.of(s[4], s[1], 3, 3),
                        Conv2dSpec.of(1, s[5]));
                SplittableRandom rnd = new SplittableRandom(3);
                float[] x = new float[(int) g.inputShape().size()];
                float[] w = new float[(int) g.weightShape().size()];
                float[] b = new float[g.k()];
                for (int i = 0; i < x.length; i++) {
                    x[i] = (float) rnd.nextDouble(-1, 1);
                }
                for (int i = 0; i < w.length; i++) {
                    w[i] = (float) rnd.nextDouble(-0.1, 0.1);
                }
                float[] y = new float[(int) g.outputShape().size()];
                Conv2dWinograd wino = new Conv2dWinograd(g, 1);
                double flops = g.flops();
                Runnable current = () -> conv.forward(g, x, w, b, y);
                Runnable winograd = () -> {
                    wino.transformFilters(w);
                    wino.forwardImages(0, x, b, y, 0, g.n());
                };
                double a1 = ms(current, seconds), w1 = ms(winograd, seconds), a2 = ms(current, seconds),
                        w2 = ms(winograd, seconds);
                double a = Math.min(a1, a2), wv = Math.min(w1, w2);
                System.out.println(String.format(Locale.ROOT,
                        "%-28s current %7.2f ms (%5.1f GFLOP/s)  winograd %7.2f ms (%5.1f eff GFLOP/s)  ratio %.2f  [runs %.2f %.2f / %.2f %.2f]",
                        java.util.Arrays.toString(s), a, flops / a / 1e6, wv, flops / wv / 1e6, a / wv, a1, a2, w1, w2));
            }
        }
    }

    private static double ms(Runnable r, double seconds) {
        long budget = (long) (seconds * 1e9);
        long start = THREADS.getCurrentThreadCpuTime();
        while (THREADS.getCurrentThreadCpuTime() - start < budget / 2) {
            r.run();
        }
        int calls = 0;
        start = THREADS.getCurrentThreadCpuTime();
        long now;
        do {
            r.run();
            calls++;
            now = THREADS.getCurrentThreadCpuTime();
        } while (now - start < budget);
        return (now - start) / 1e6 / calls;
    }
}
