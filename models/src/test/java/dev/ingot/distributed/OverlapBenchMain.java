package dev.ingot.distributed;

import dev.ingot.core.Backend;
import dev.ingot.core.Backends;
import dev.ingot.core.Shape;
import dev.ingot.core.Tensor;
import dev.ingot.models.ReferenceModel;
import dev.ingot.models.ReferenceModels;
import dev.ingot.nn.CrossEntropyLoss;
import dev.ingot.nn.Mode;
import dev.ingot.nn.Model;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * How much of the gradient all-reduce the backward pass hides (issue 17, point 6):
 * {@code mpirun -np 2 java ... OverlapBenchMain MODEL SHARD STEPS ROUNDS BUCKET_BYTES}. Per step,
 * after a barrier, on every rank's shard of {@code SHARD} random images:
 * <ul>
 *   <li>{@code backward}: the backward pass alone, no exchange;</li>
 *   <li>{@code sequential}: the backward pass, then the all-reduce of every gradient (one flat
 *       buffer, the way the trainer did it before buckets);</li>
 *   <li>{@code overlapped}: the backward pass with buckets all-reduced while it runs, and the wait
 *       for the last ones.</li>
 * </ul>
 * The three take turns step by step, in rotating order (so load drifts hit all alike); each line gives the
 * median wall time of the timed part, and the CPU time of the training thread and of the
 * communication thread (which waits for the other rank, spinning inside MPI), on rank 0.
 */
public final class OverlapBenchMain {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    public static void main(String[] args) {
        String name = args.length > 0 ? args[0] : "mnist-cnn";
        int shard = args.length > 1 ? Integer.parseInt(args[1]) : 32;
        int steps = args.length > 2 ? Integer.parseInt(args[2]) : 10;
        int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 3;
        long bucketBytes = args.length > 4 ? Long.parseLong(args[4]) : DataParallel.DEFAULT_BUCKET_BYTES;
        ReferenceModel recipe = ReferenceModels.get(name);
        try (MpiCollective mpi = MpiCollective.initialise(300, System.err);
             Backend b = Backends.get("cpu");
             Model model = recipe.newModel().build(b, recipe.inputShape(), 1);
             DataParallel sequential = new DataParallel(mpi, 1L << 30, false);
             DataParallel overlapped = new DataParallel(mpi, bucketBytes, true)) {
            Shape in = recipe.inputShape();
            int[] dims = new int[in.rank() + 1];
            dims[0] = shard;
            System.arraycopy(in.dims(), 0, dims, 1, in.rank());
            SplittableRandom r = new SplittableRandom(10 + mpi.rank());
            float[] pixels = new float[(int) (shard * in.size())];
            for (int i = 0; i < pixels.length; i++) {
                pixels[i] = (float) r.nextDouble();
            }
            int[] labels = new int[shard];
            int classes = (int) model.outputShape().size();
            for (int i = 0; i < shard; i++) {
                labels[i] = r.nextInt(classes);
            }
            CrossEntropyLoss loss = new CrossEntropyLoss();
            try (Tensor x = b.fromHost(Shape.of(dims), pixels); Tensor y = b.fromHost(Shape.of(shard), labels)) {
                String[] modes = {"backward", "sequential", "overlapped"};
                double[][] wall = new double[3][rounds * steps];
                double[][] cpu = new double[3][rounds * steps];
                double[][] process = new double[3][rounds * steps];
                for (int round = 0; round < rounds; round++) {
                    for (int s = -2; s < steps; s++) { // two warm-up steps per round
                        for (int k = 0; k < 3; k++) {
                            int m = Math.floorMod(k + s + round, 3); // each step runs all three, in rotating order
                            loss.forward(model.forward(x, Mode.training(s)), y, true);
                            mpi.barrier();
                            long p0 = overlapped.communicationCpuNanos();
                            long c0 = THREADS.getCurrentThreadCpuTime();
                            long t0 = System.nanoTime();
                            if (m == 2) {
                                overlapped.beforeBackward(model, shard, 2 * shard);
                            }
                            model.backward(loss.gradient());
                            if (m == 1) {
                                sequential.reduceGradients(model, shard, 2 * shard);
                            } else if (m == 2) {
                                overlapped.reduceGradients(model, shard, 2 * shard);
                            }
                            long t1 = System.nanoTime();
                            long c1 = THREADS.getCurrentThreadCpuTime();
                            long p1 = overlapped.communicationCpuNanos();
                            if (s >= 0) {
                                wall[m][round * steps + s] = (t1 - t0) / 1e6;
                                cpu[m][round * steps + s] = (c1 - c0) / 1e6;
                                process[m][round * steps + s] = (p1 - p0) / 1e6;
                            }
                        }
                    }
                }
                if (mpi.rank() == 0) {
                    System.out.printf(Locale.ROOT, "%s, shard %d per rank, %d ranks, %d buckets of <= %,d bytes, "
                                    + "%d steps x %d rounds%n", name, shard, mpi.size(), overlapped.bucketCount(),
                            bucketBytes, steps, rounds);
                    System.out.println("mode         median ms   p25 ms   p75 ms   CPU ms (medians): training thread, communication thread");
                    for (int m = 0; m < 3; m++) {
                        double[] w = wall[m].clone();
                        double[] c = cpu[m].clone();
                        Arrays.sort(w);
                        double[] pc = process[m].clone();
                        Arrays.sort(c);
                        Arrays.sort(pc);
                        System.out.printf(Locale.ROOT, "%-12s %9.2f %8.2f %8.2f %10.2f %8.2f%n", modes[m], w[w.length / 2],
                                w[w.length / 4], w[3 * w.length / 4], c[c.length / 2], pc[pc.length / 2]);
                    }
                }
            }
        }
    }
}
