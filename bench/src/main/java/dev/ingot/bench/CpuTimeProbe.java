package dev.ingot.bench;

import dev.ingot.core.Backend;
import dev.ingot.core.Shape;
import dev.ingot.core.Tensor;
import dev.ingot.core.spec.BatchNormSpec;
import dev.ingot.core.spec.SgdSpec;
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
 * {@code bench/python/cpu_time_train.py}); {@code --layers [resnet20 | resnet20-rest]} times layers
 * (the reference side of {@code resnet20-rest}: {@code bench/python/cpu_time_ops.py}). Every kind
 * goes through {@link #measure}: warm-up and window budgets in this thread's CPU seconds.
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
            if (args.length > 1 && args[1].equals("resnet20-rest")) {
                resnet20Rest(args.length > 2 ? Integer.parseInt(args[2]) : 128,
                        args.length > 3 ? Double.parseDouble(args[3]) : 1);
            } else if (args.length > 1 && args[1].equals("resnet20")) {
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
        double peak = rate("fma peak", seconds, FmaPeakBenchmark.flopsPerOperation(FmaPeakBenchmark.SPECIES.length()),
                () -> sink += FmaPeakBenchmark.CHAINS == 16 ? FmaPeakBenchmark.fmaChains16(0.999f, 1e-3f)
                        : FmaPeakBenchmark.fmaChains12(0.999f, 1e-3f), Double.NaN);
        try (Backend cpu = BackendNotAvailableHere.open("cpu")) {
            for (int size : sizes) {
                SplittableRandom random = new SplittableRandom(42);
                try (Tensor a = cpu.fromHost(Shape.of(size, size), GemmBenchmark.uniform(random, size * size));
                     Tensor b = cpu.fromHost(Shape.of(size, size), GemmBenchmark.uniform(random, size * size));
                     Tensor c = cpu.zeros(Shape.of(size, size))) {
                    rate("sgemm " + size, seconds, 2.0 * size * size * size,
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
                Timing t = measure(model, seconds, seconds, bench::trainingStep);
                System.out.println(String.format(Locale.ROOT,
                        "train %-12s batch %d: %7.2f ms CPU per step = %6.0f images per CPU s  (wall %.2f ms, %d steps)",
                        model, batch, t.cpuMsPerCall(), t.perCpuSecond(batch), t.wallMsPerCall(), t.calls()));
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

    /**
     * ResNet-20's activation shapes per image, by stage (C x H x W: 2 M, 1 M and 0.5 M values at batch 128),
     * and how many of each non-convolution op one training step runs there: BatchNorm forward and backward
     * (stem, 2 per block, the projection), ReLU forward and backward (stem, 2 per block), the residual add,
     * and the gradient sum where a block's input fans out to its conv and its shortcut ({@code Graph}'s
     * {@code accumulate}, at the block's input shape: the first block of stages 2 and 3 reads the stage
     * before's shape).
     */
    private static final int[][] RESNET20_STAGES = {{16, 32, 32}, {32, 16, 16}, {64, 8, 8}};
    private static final int[] RESNET20_BATCH_NORMS = {7, 7, 7};
    private static final int[] RESNET20_RELUS = {7, 6, 6};
    private static final int[] RESNET20_ADDS = {3, 3, 3};
    private static final int[] RESNET20_GRADIENT_SUMS = {4, 3, 2};

    /** ResNet-20's parameter tensors (conv weights, BatchNorm gamma and beta, the dense layer), in graph order. */
    static java.util.List<Shape> resnet20ParameterShapes() {
        java.util.List<Shape> shapes = new java.util.ArrayList<>();
        shapes.add(Shape.of(16, 3, 3, 3));
        shapes.add(Shape.of(16));
        shapes.add(Shape.of(16));
        int in = 16;
        for (int stage = 0; stage < 3; stage++) {
            int width = 16 << stage;
            for (int block = 0; block < 3; block++) {
                shapes.add(Shape.of(width, in, 3, 3));
                shapes.add(Shape.of(width));
                shapes.add(Shape.of(width));
                shapes.add(Shape.of(width, width, 3, 3));
                shapes.add(Shape.of(width));
                shapes.add(Shape.of(width));
                if (in != width) {
                    shapes.add(Shape.of(width, in, 1, 1));
                    shapes.add(Shape.of(width));
                    shapes.add(Shape.of(width));
                }
                in = width;
            }
        }
        shapes.add(Shape.of(10, 64));
        shapes.add(Shape.of(10));
        return shapes;
    }

    /**
     * {@code --layers resnet20-rest [batch] [seconds]}: everything of a ResNet-20 training step outside the
     * convolutions, op by op at its shapes (batch 128 unless told), in ms of CPU time per call and per step
     * (times its count in the step): BatchNorm forward (training) and backward, ReLU forward and backward,
     * the residual add and the gradient sum, global average pooling, the SGD step (momentum 0.9, weight
     * decay 5e-4, one call per parameter tensor), beside a copy of each stage's tensor; and BatchNorm's
     * target, {@code forwardTraining + backward <= 5 * copy} (BatchNormBenchmark's). The reference side is
     * {@code bench/python/cpu_time_ops.py}.
     */
    private static void resnet20Rest(int batch, double seconds) {
        System.out.println("vector shape: " + VectorShape.PREFERRED.describe() + "; batch " + batch);
        java.util.Map<String, Double> perStep = new java.util.LinkedHashMap<>();
        try (BenchmarkFixture f = BenchmarkFixture.open("cpu")) {
            Backend b = f.backend();
            for (int s = 0; s < RESNET20_STAGES.length; s++) {
                int[] chw = RESNET20_STAGES[s];
                String stage = chw[0] + "x" + chw[1] + "x" + chw[2];
                Shape shape = Shape.of(batch, chw[0], chw[1], chw[2]);
                Shape channels = Shape.of(chw[0]);
                Tensor x = f.uniform(shape, -1f, 3f);
                Tensor y = f.zeros(shape);
                Tensor dy = f.uniform(shape, -1f, 1f);
                Tensor dx = f.zeros(shape);
                Tensor gamma = f.uniform(channels, 0.5f, 1.5f);
                Tensor beta = f.uniform(channels, -1f, 1f);
                Tensor runningMean = f.zeros(channels);
                Tensor runningVar = f.uniform(channels, 1f, 1f);
                Tensor saveMean = f.zeros(channels);
                Tensor saveInvStd = f.zeros(channels);
                Tensor dgamma = f.zeros(channels);
                Tensor dbeta = f.zeros(channels);
                double copy = perCall(stage + " copy", seconds, () -> b.copy(x, y));
                double bnForward = perCall(stage + " batchNorm forward", seconds,
                        () -> b.batchNorm2dForwardTraining(x, gamma, beta, BatchNormSpec.DEFAULT, runningMean,
                                runningVar, y, saveMean, saveInvStd));
                double bnBackward = perCall(stage + " batchNorm backward", seconds,
                        () -> b.batchNorm2dBackward(x, dy, gamma, saveMean, saveInvStd, dx, dgamma, dbeta));
                System.out.println(String.format(Locale.ROOT,
                        "%-32s %8.2f x copy (target <= 5: %s)", stage + " batchNorm fwd+bwd",
                        (bnForward + bnBackward) / copy,
                        bnForward + bnBackward <= 5 * copy ? "met" : "not met"));
                b.reluForward(x, y);
                double reluForward = perCall(stage + " relu forward", seconds, () -> b.reluForward(x, dx));
                double reluBackward = perCall(stage + " relu backward", seconds, () -> b.reluBackward(y, dy, dx));
                double add = perCall(stage + " add", seconds, () -> b.add(x, dy, dx));
                perStep.merge("batchNorm forward", bnForward * RESNET20_BATCH_NORMS[s], Double::sum);
                perStep.merge("batchNorm backward", bnBackward * RESNET20_BATCH_NORMS[s], Double::sum);
                perStep.merge("relu forward", reluForward * RESNET20_RELUS[s], Double::sum);
                perStep.merge("relu backward", reluBackward * RESNET20_RELUS[s], Double::sum);
                perStep.merge("residual add", add * RESNET20_ADDS[s], Double::sum);
                perStep.merge("gradient sum (fan-out)", add * RESNET20_GRADIENT_SUMS[s], Double::sum);
                if (s == RESNET20_STAGES.length - 1) {
                    Tensor pooled = f.zeros(Shape.of(batch, chw[0]));
                    Tensor dPooled = f.uniform(Shape.of(batch, chw[0]), -1f, 1f);
                    double poolForward = perCall(stage + " global avg pool fwd", seconds,
                            () -> b.globalAvgPool2dForward(x, pooled));
                    double poolBackward = perCall(stage + " global avg pool bwd", seconds,
                            () -> b.globalAvgPool2dBackward(dPooled, dx));
                    perStep.put("global avg pool", poolForward + poolBackward);
                }
            }
            java.util.List<Shape> shapes = resnet20ParameterShapes();
            Tensor[] params = new Tensor[shapes.size()];
            Tensor[] grads = new Tensor[shapes.size()];
            Tensor[] velocity = new Tensor[shapes.size()];
            long count = 0;
            for (int i = 0; i < params.length; i++) {
                params[i] = f.uniform(shapes.get(i), -0.1f, 0.1f);
                grads[i] = f.uniform(shapes.get(i), -0.01f, 0.01f);
                velocity[i] = f.zeros(shapes.get(i));
                count += shapes.get(i).size();
            }
            if (count != TrainingStepBenchmark.RESNET20_PARAMETERS) {
                throw new IllegalStateException("ResNet-20 parameter shapes add up to " + count + ", not "
                        + TrainingStepBenchmark.RESNET20_PARAMETERS);
            }
            SgdSpec sgd = new SgdSpec(0.1f, 0.9f, false);
            perStep.put("sgd step", perCall("sgd momentum+wd, " + params.length + " tensors", seconds, () -> {
                for (int i = 0; i < params.length; i++) {
                    b.sgdStep(params[i], grads[i], velocity[i], sgd, 5e-4f, false);
                }
            }));
        }
        double total = 0;
        for (var e : perStep.entrySet()) {
            System.out.println(String.format(Locale.ROOT, "per step: %-24s %8.2f ms CPU", e.getKey(), e.getValue()));
            total += e.getValue();
        }
        System.out.println(String.format(Locale.ROOT, "per step: %-24s %8.2f ms CPU", "total outside convs", total));
    }

    /**
     * The one timing loop every probe kind uses: {@code body} runs for a warm-up of {@code warmupSeconds},
     * then for a window of {@code seconds}, both budgets in this thread's CPU seconds (on a busy machine a
     * wall-clock warm-up can end before C2 has compiled the kernels); the window ends on the first call
     * that reaches it, so it holds at least one call.
     */
    static Timing measure(String label, double warmupSeconds, double seconds, Runnable body) {
        long warmEnd = THREADS.getCurrentThreadCpuTime() + (long) (warmupSeconds * 1e9);
        while (THREADS.getCurrentThreadCpuTime() < warmEnd) {
            body.run();
        }
        long cpu0 = THREADS.getCurrentThreadCpuTime();
        long wall0 = System.nanoTime();
        long end = cpu0 + (long) (seconds * 1e9);
        long n = 0;
        do {
            body.run();
            n++;
        } while (THREADS.getCurrentThreadCpuTime() < end);
        double cpu = (THREADS.getCurrentThreadCpuTime() - cpu0) / 1e9;
        return new Timing(label, n, cpu, (System.nanoTime() - wall0) / 1e9);
    }

    /** What {@link #measure} saw: {@code calls} calls of the body in {@code cpuSeconds} of thread CPU time. */
    record Timing(String label, long calls, double cpuSeconds, double wallSeconds) {
        double cpuMsPerCall() {
            return cpuSeconds / calls * 1e3;
        }

        double wallMsPerCall() {
            return wallSeconds / calls * 1e3;
        }

        /** {@code perCall} units (FLOPs, bytes, images) per CPU second. */
        double perCpuSecond(double perCall) {
            return perCall * calls / cpuSeconds;
        }

        double perWallSecond(double perCall) {
            return perCall * calls / wallSeconds;
        }
    }

    /** Times {@code op} and prints its ms of CPU time per call; returns that figure. */
    private static double perCall(String name, double seconds, Runnable op) {
        Timing t = measure(name, seconds, seconds, op);
        System.out.println(String.format(Locale.ROOT, "%-32s %8.3f ms CPU per call (%d calls)", name,
                t.cpuMsPerCall(), t.calls()));
        return t.cpuMsPerCall();
    }

    /** {@link #perCall(String, double, Runnable)} with the GFLOP per CPU second of {@code flops} per call. */
    private static double perCall(String name, double seconds, Runnable op, double flops) {
        Timing t = measure(name, seconds, seconds, op);
        System.out.println(String.format(Locale.ROOT, "%-32s %8.3f ms CPU per call = %6.1f GFLOP per CPU s (%d calls)",
                name, t.cpuMsPerCall(), t.perCpuSecond(flops) / 1e9, t.calls()));
        return t.cpuMsPerCall();
    }

    private static float sink;

    /** Times {@code op} and prints its FLOP rate per CPU second and per wall second; returns FLOP per CPU second. */
    private static double rate(String name, double seconds, double flops, Runnable op, double peak) {
        Timing t = measure(name, seconds, seconds, op);
        double perCpuSecond = t.perCpuSecond(flops);
        System.out.println(String.format(Locale.ROOT,
                "%-12s %8.1f GFLOP per CPU s%s  (wall %.1f GFLOP/s, %d ops, cpu/wall %.2f)",
                name, perCpuSecond / 1e9,
                Double.isNaN(peak) ? "" : String.format(Locale.ROOT, " = %5.1f %% of peak", 100 * perCpuSecond / peak),
                t.perWallSecond(flops) / 1e9, t.calls(), t.cpuSeconds() / t.wallSeconds()));
        return perCpuSecond;
    }
}
