package dev.ingot.bench;

import dev.ingot.core.Backend;
import dev.ingot.core.Shape;
import dev.ingot.core.Tensor;
import dev.ingot.cpu.kernels.VectorShape;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * SGEMM and the FMA peak on one thread, timed in the thread's CPU time as well as wall time: for
 * A/B comparisons on a machine other processes share. Wall-clock benchmarks there measure the
 * scheduler; CPU seconds measure the kernel (only cache and SMT sharing still leak in). The
 * reference side of such a comparison is {@code bench/python/cpu_time_gemm.py}, which times
 * OpenBLAS on one thread the same way.
 *
 * <pre>
 * java --add-modules=jdk.incubator.vector -Dingot.cpu.threads=1 [-XX:UseAVX=2] \
 *     -cp bench/target/benchmarks.jar dev.ingot.bench.CpuTimeProbe 1024,2048 [seconds]
 * </pre>
 * Prints one line per measurement: the FMA peak (GFLOP per CPU second), then per size the GEMM's
 * GFLOP per CPU second, its fraction of that peak, and the wall-clock GFLOP/s beside it.
 * {@code --train mnist-cnn,cifar10-cnn 64} times training steps instead (the reference side:
 * {@code bench/python/cpu_time_train.py}).
 */
public final class CpuTimeProbe {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private CpuTimeProbe() {
    }

    public static void main(String[] args) {
        if (args.length > 0 && args[0].equals("--train")) {
            train(args);
            return;
        }
        if (args.length > 0 && args[0].equals("--layers")) {
            if (args.length > 1 && args[1].equals("resnet20")) {
                resnet20Layers(args.length > 2 ? Integer.parseInt(args[2]) : 128,
                        args.length > 3 ? Double.parseDouble(args[3]) : 1);
            } else {
                layers(args.length > 1 ? Double.parseDouble(args[1]) : 1);
            }
            return;
        }
        int[] sizes = java.util.Arrays.stream((args.length > 0 ? args[0] : "1024,2048").split(","))
                .mapToInt(Integer::parseInt).toArray();
        double seconds = args.length > 1 ? Double.parseDouble(args[1]) : 3;
        System.out.println("vector shape: " + VectorShape.PREFERRED.describe() + "; FMA chains " + FmaPeakBenchmark.CHAINS);
        double peak = measure("fma peak", seconds, FmaPeakBenchmark.flopsPerOperation(FmaPeakBenchmark.SPECIES.length()),
                () -> sink += FmaPeakBenchmark.CHAINS == 16 ? FmaPeakBenchmark.fmaChains16(0.999f, 1e-3f)
                        : FmaPeakBenchmark.fmaChains12(0.999f, 1e-3f), Double.NaN);
        try (Backend cpu = BackendNotAvailableHere.open("cpu")) {
            for (int size : sizes) {
                SplittableRandom random = new SplittableRandom(42);
                try (Tensor a = cpu.fromHost(Shape.of(size, size), GemmBenchmark.uniform(random, size * size));
                     Tensor b = cpu.fromHost(Shape.of(size, size), GemmBenchmark.uniform(random, size * size));
                     Tensor c = cpu.zeros(Shape.of(size, size))) {
                    measure("sgemm " + size, seconds, 2.0 * size * size * size,
                            () -> cpu.gemm(false, false, 1f, a, b, 0f, c), peak);
                }
            }
        }
        if (sink == 42.4242f) {
            System.out.println();
        }
    }

    /**
     * {@code --train MODELS BATCH [seconds]}: one training step of each model (TrainingStepBenchmark's
     * step: forward, loss, backward, Adam on one fixed batch of real images), timed the same way;
     * prints ms of CPU time per step. Run with {@code -Dingot.cpu.threads=1} so the step runs on this
     * thread.
     */
    private static void train(String[] args) {
        String[] models = (args.length > 1 ? args[1] : "mnist-cnn,cifar10-cnn").split(",");
        int batch = args.length > 2 ? Integer.parseInt(args[2]) : 64;
        double seconds = args.length > 3 ? Double.parseDouble(args[3]) : 5;
        System.out.println("vector shape: " + VectorShape.PREFERRED.describe());
        for (String model : models) {
            TrainingStepBenchmark bench = new TrainingStepBenchmark();
            bench.model = model;
            bench.batchSize = batch;
            bench.backend = "cpu";
            bench.setUp();
            try {
                // Budgets in CPU seconds, not wall seconds: on a busy machine a wall-clock warm-up
                // can end before C2 has compiled the kernels.
                long warmEnd = THREADS.getCurrentThreadCpuTime() + (long) (seconds * 1e9);
                while (THREADS.getCurrentThreadCpuTime() < warmEnd) {
                    bench.trainingStep();
                }
                long cpu0 = THREADS.getCurrentThreadCpuTime();
                long wall0 = System.nanoTime();
                long n = 0;
                long end = cpu0 + (long) (seconds * 1e9);
                do {
                    bench.trainingStep();
                    n++;
                } while (THREADS.getCurrentThreadCpuTime() < end);
                double cpu = (THREADS.getCurrentThreadCpuTime() - cpu0) / 1e9;
                double wall = (System.nanoTime() - wall0) / 1e9;
                System.out.println(String.format(Locale.ROOT,
                        "train %-12s batch %d: %7.2f ms CPU per step = %6.0f images per CPU s  (wall %.2f ms, %d steps)",
                        model, batch, cpu / n * 1e3, batch * n / cpu, wall / n * 1e3, n));
            } finally {
                bench.tearDown();
            }
        }
    }

    /**
     * {@code --layers [seconds]}: each pass of each convolution and max-pool layer of the reference
     * CNNs at batch 64 (Conv2dBenchmark's and PoolBenchmark's), in ms of CPU time per call: which
     * kernels a narrower ISA slows down.
     */
    private static void layers(double seconds) {
        System.out.println("vector shape: " + VectorShape.PREFERRED.describe());
        for (String layer : new String[] {"mnist-conv1", "mnist-conv2", "mnist-conv3", "cifar-conv1", "cifar-conv2",
                "cifar-conv3"}) {
            Conv2dBenchmark conv = new Conv2dBenchmark();
            conv.layer = layer;
            conv.batch = 64;
            conv.backend = "cpu";
            conv.setUp();
            try {
                perCall(layer + " forward", seconds, conv::forward);
                perCall(layer + " backwardData", seconds, conv::backwardData);
                perCall(layer + " backwardFilter", seconds, conv::backwardFilter);
            } finally {
                conv.tearDown();
            }
        }
        for (String layer : new String[] {"mnist-cnn/pool1", "mnist-cnn/pool2", "cifar10-cnn/pool1",
                "cifar10-cnn/pool2"}) {
            PoolBenchmark pool = new PoolBenchmark();
            pool.layer = layer;
            pool.batchSize = 64;
            pool.backend = "cpu";
            pool.setUp();
            try {
                perCall(layer + " maxForward", seconds, pool::maxPool2dForward);
                perCall(layer + " maxBackward", seconds, pool::maxPool2dBackward);
            } finally {
                pool.tearDown();
            }
        }
    }

    /**
     * {@code --layers resnet20 [batch] [seconds]}: each pass of each distinct convolution shape of
     * ResNet-20 (batch 128 unless told), in ms of CPU time per call and GFLOP per CPU second, then the
     * three passes summed over the network (each shape times its count; the stem's backward data is
     * not needed and not counted).
     */
    private static void resnet20Layers(int batch, double seconds) {
        System.out.println("vector shape: " + VectorShape.PREFERRED.describe() + "; batch " + batch);
        double[] total = new double[3];
        String[] passes = {"forward", "backwardData", "backwardFilter"};
        for (int i = 0; i < Conv2dBenchmark.RESNET20.length; i++) {
            String layer = Conv2dBenchmark.RESNET20[i];
            Conv2dBenchmark conv = new Conv2dBenchmark();
            conv.layer = layer;
            conv.batch = batch;
            conv.backend = "cpu";
            conv.setUp();
            try {
                double flops = conv.flops();
                Runnable[] ops = {conv::forward, conv::backwardData, conv::backwardFilter};
                for (int pass = 0; pass < 3; pass++) {
                    double ms = perCall(layer + " " + passes[pass], seconds, ops[pass], flops);
                    if (pass != 1 || i != 0) {
                        total[pass] += ms * Conv2dBenchmark.RESNET20_COUNT[i];
                    }
                }
            } finally {
                conv.tearDown();
            }
        }
        System.out.println(String.format(Locale.ROOT,
                "resnet20 convs per step: forward %.1f ms, backwardData %.1f ms, backwardFilter %.1f ms, total %.1f ms CPU",
                total[0], total[1], total[2], total[0] + total[1] + total[2]));
    }

    private static double perCall(String name, double seconds, Runnable op, double flops) {
        long warmEnd = THREADS.getCurrentThreadCpuTime() + (long) (seconds * 1e9);
        while (THREADS.getCurrentThreadCpuTime() < warmEnd) {
            op.run();
        }
        long cpu0 = THREADS.getCurrentThreadCpuTime();
        long n = 0;
        long end = cpu0 + (long) (seconds * 1e9);
        do {
            op.run();
            n++;
        } while (THREADS.getCurrentThreadCpuTime() < end);
        double cpu = (THREADS.getCurrentThreadCpuTime() - cpu0) / 1e9;
        System.out.println(String.format(Locale.ROOT, "%-32s %8.3f ms CPU per call = %6.1f GFLOP per CPU s (%d calls)",
                name, cpu / n * 1e3, flops * n / cpu / 1e9, n));
        return cpu / n * 1e3;
    }

    private static void perCall(String name, double seconds, Runnable op) {
        long warmEnd = THREADS.getCurrentThreadCpuTime() + (long) (seconds * 1e9);
        while (THREADS.getCurrentThreadCpuTime() < warmEnd) {
            op.run();
        }
        long cpu0 = THREADS.getCurrentThreadCpuTime();
        long n = 0;
        long end = cpu0 + (long) (seconds * 1e9);
        do {
            op.run();
            n++;
        } while (THREADS.getCurrentThreadCpuTime() < end);
        double cpu = (THREADS.getCurrentThreadCpuTime() - cpu0) / 1e9;
        System.out.println(String.format(Locale.ROOT, "%-32s %8.3f ms CPU per call (%d calls)", name, cpu / n * 1e3, n));
    }

    private static float sink;

    /** Runs {@code op} for a warm-up of {@code seconds}, then for {@code seconds} more, timed; returns FLOP per CPU second. */
    private static double measure(String name, double seconds, double flops, Runnable op, double peak) {
        long warmEnd = System.nanoTime() + (long) (seconds * 1e9);
        while (System.nanoTime() < warmEnd) {
            op.run();
        }
        long cpu0 = THREADS.getCurrentThreadCpuTime();
        long wall0 = System.nanoTime();
        long n = 0;
        long end = wall0 + (long) (seconds * 1e9);
        do {
            op.run();
            n++;
        } while (System.nanoTime() < end);
        double cpu = (THREADS.getCurrentThreadCpuTime() - cpu0) / 1e9;
        double wall = (System.nanoTime() - wall0) / 1e9;
        double perCpuSecond = flops * n / cpu;
        System.out.println(String.format(Locale.ROOT, "%-12s %8.1f GFLOP per CPU s%s  (wall %.1f GFLOP/s, %d ops, cpu/wall %.2f)",
                name, perCpuSecond / 1e9,
                Double.isNaN(peak) ? "" : String.format(Locale.ROOT, " = %5.1f %% of peak", 100 * perCpuSecond / peak),
                flops * n / wall / 1e9, n, cpu / wall));
        return perCpuSecond;
    }
}
