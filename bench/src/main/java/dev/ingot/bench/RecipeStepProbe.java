package dev.ingot.bench;

import dev.ingot.core.Backend;
import dev.ingot.core.Shape;
import dev.ingot.core.Tensor;
import dev.ingot.core.spec.Conv2dGeometry;
import dev.ingot.core.spec.CrossEntropySpec;
import dev.ingot.cpu.kernels.VectorShape;
import dev.ingot.data.DataDir;
import dev.ingot.data.Dataset;
import dev.ingot.data.Datasets;
import dev.ingot.data.Split;
import dev.ingot.models.ReferenceModel;
import dev.ingot.models.ReferenceModels;
import dev.ingot.nn.Conv2d;
import dev.ingot.nn.CrossEntropyLoss;
import dev.ingot.nn.Linear;
import dev.ingot.nn.Mode;
import dev.ingot.nn.Model;
import dev.ingot.nn.Optimizer;
import dev.ingot.nn.Sequential;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.Locale;

/**
 * One training step of a reference model with its whole recipe (its initialization, label
 * smoothing, optimizer with schedule and EMA), on one fixed batch of real training images, timed in
 * this thread's CPU time beside the FMA peak measured the same way ({@link CpuTimeProbe}'s method):
 *
 * <pre>
 * java --add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Dingot.cpu.threads=1 \
 *     -cp bench/target/benchmarks.jar dev.ingot.bench.RecipeStepProbe cifar10-airbench94 1024 3
 * </pre>
 * The FLOP count is the useful work, as {@link ReferenceLayers} counts it: 2 per multiply-add of
 * each convolution and linear layer, three products each (forward, weight and input gradients),
 * except that a layer whose weights are frozen and whose input needs no gradient counts its
 * forward only (airbench's whitening convolution). The reference side is
 * {@code bench/python/airbench94_reference.py --step-only --threads 1}.
 */
public final class RecipeStepProbe {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private static float sink;

    private RecipeStepProbe() {
    }

    public static void main(String[] args) {
        String name = args.length > 0 ? args[0] : "cifar10-airbench94";
        int batch = args.length > 1 ? Integer.parseInt(args[1]) : 1024;
        int steps = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        ReferenceModel recipe = ReferenceModels.get(name);
        Dataset train = Datasets.load(recipe.dataset(), Split.TRAIN, DataDir.resolve(null), false);
        System.out.println("vector shape: " + VectorShape.PREFERRED.describe() + "; FMA chains " + FmaPeakBenchmark.CHAINS);
        double peak = fmaPeak(3);
        System.out.printf(Locale.ROOT, "fma peak     %8.1f GFLOP per CPU s%n", peak / 1e9);
        int imageSize = train.imageSize();
        int[] dims = new int[recipe.inputShape().rank() + 1];
        dims[0] = batch;
        System.arraycopy(recipe.inputShape().dims(), 0, dims, 1, recipe.inputShape().rank());
        try (Backend b = BackendNotAvailableHere.open("cpu");
             Model model = recipe.newModel().build(b, recipe.inputShape(), 42);
             Tensor x = b.fromHost(Shape.of(dims), train.subset(0, batch).images());
             Tensor y = b.fromHost(Shape.of(batch), Arrays.copyOf(train.labels(), batch));
             CrossEntropyLoss loss = new CrossEntropyLoss(new CrossEntropySpec(recipe.labelSmoothing(), null));
             Optimizer optimizer = recipe.newOptimizer(train.size() / batch, recipe.epochs())) {
            recipe.initialize(model, train);
            long flops = usefulFlops((Sequential) model, batch);
            long step = 0;
            long cpu0 = THREADS.getCurrentThreadCpuTime();
            step(model, loss, optimizer, x, y, ++step); // warm-up: buffers, optimizer state, JIT
            System.out.printf(Locale.ROOT, "warm-up step: %.2f s CPU%n", (THREADS.getCurrentThreadCpuTime() - cpu0) / 1e9);
            cpu0 = THREADS.getCurrentThreadCpuTime();
            long wall0 = System.nanoTime();
            for (int i = 0; i < steps; i++) {
                step(model, loss, optimizer, x, y, ++step);
            }
            double cpu = (THREADS.getCurrentThreadCpuTime() - cpu0) / 1e9 / steps;
            double wall = (System.nanoTime() - wall0) / 1e9 / steps;
            System.out.printf(Locale.ROOT, "train %s batch %d: %.3f s CPU per step = %.1f images per CPU s;"
                            + " %.1f GFLOP per step, %.1f GFLOP per CPU s = %.1f %% of FMA peak (wall %.3f s, %d steps)%n",
                    name, batch, cpu, batch / cpu, flops / 1e9, flops / cpu / 1e9, 100 * flops / cpu / peak, wall, steps);
        }
    }

    private static void step(Model model, CrossEntropyLoss loss, Optimizer optimizer, Tensor x, Tensor y, long seed) {
        Tensor logits = model.forward(x, Mode.training(seed));
        loss.forward(logits, y, true);
        model.backward(loss.gradient());
        optimizer.step(model.trainableParameters());
    }

    /** Useful FLOPs of one training step: convolutions and linear layers, see the class comment. */
    static long usefulFlops(Sequential model, int batch) {
        long flops = 0;
        boolean inputNeedsGradient = false;   // the images need none
        for (Sequential.LayerShapes l : model.layerShapes()) {
            boolean trains = l.layer().parameters().stream().anyMatch(p -> !p.frozen());
            boolean weightsFrozen = l.layer().parameters().stream()
                    .allMatch(p -> p.frozen() || p.value().shape().rank() < 2);
            long forward = 0;
            if (l.layer() instanceof Conv2d c) {
                Shape w = l.layer().parameters().get(0).value().shape();
                Shape in = l.input();
                forward = Conv2dGeometry.of("probe", Shape.of(batch, in.dim(0), in.dim(1), in.dim(2)), w, c.spec()).flops();
            } else if (l.layer() instanceof Linear) {
                forward = 2L * batch * l.input().size() * l.output().size();
            }
            flops += forward * (1 + (weightsFrozen ? 0 : 1) + (inputNeedsGradient ? 1 : 0));
            inputNeedsGradient |= trains;   // a trainable parameter here (a bias too) needs the gradient of what is above
        }
        return flops;
    }

    /** FMA peak of this thread in FLOP per CPU second, FmaPeakBenchmark's kernel. */
    private static double fmaPeak(double seconds) {
        long flopsPer = FmaPeakBenchmark.flopsPerOperation(FmaPeakBenchmark.SPECIES.length());
        long warmEnd = System.nanoTime() + (long) (seconds * 1e9);
        while (System.nanoTime() < warmEnd) {
            sink += fma();
        }
        long cpu0 = THREADS.getCurrentThreadCpuTime();
        long n = 0;
        long end = System.nanoTime() + (long) (seconds * 1e9);
        do {
            sink += fma();
            n++;
        } while (System.nanoTime() < end);
        if (sink == 42.4242f) {
            System.out.println();
        }
        return (double) flopsPer * n / ((THREADS.getCurrentThreadCpuTime() - cpu0) / 1e9);
    }

    private static float fma() {
        return FmaPeakBenchmark.CHAINS == 16 ? FmaPeakBenchmark.fmaChains16(0.999f, 1e-3f)
                : FmaPeakBenchmark.fmaChains12(0.999f, 1e-3f);
    }
}
