package dev.ingot.distributed;

import dev.ingot.core.collective.Reduction;

import java.util.Arrays;
import java.util.Locale;

/**
 * Measures in-place float all-reduce through {@link MpiCollective} (our FFM binding, including the
 * copies between the Java array and the native staging buffer) for message sizes 4 KiB .. 16 MiB:
 * {@code mpirun -np 2 java ... AllReduceBandwidthMain}. Prints the median time per call and the
 * "algorithm bandwidth" bytes/time on rank 0, the same definition as the C reference
 * (docs/distributed.md) and the OSU benchmarks' latency test.
 */
public final class AllReduceBandwidthMain {
    public static void main(String[] args) {
        try (MpiCollective mpi = MpiCollective.initialise(300, System.err)) {
            if (mpi.rank() == 0) {
                System.out.println(mpi.description());
                System.out.println("bytes      median us    MB/s");
            }
            for (int bytes = 4096; bytes <= 16 << 20; bytes *= 4) {
                float[] x = new float[bytes / 4];
                Arrays.fill(x, 1f);
                int reps = Math.max(10, Math.min(1000, (64 << 20) / bytes));
                for (int i = 0; i < 5; i++) {
                    mpi.allReduce(x, Reduction.SUM);
                }
                double[] t = new double[reps];
                for (int i = 0; i < reps; i++) {
                    mpi.barrier();
                    long t0 = System.nanoTime();
                    mpi.allReduce(x, Reduction.SUM);
                    t[i] = (System.nanoTime() - t0) / 1e3;
                }
                Arrays.sort(t);
                double median = t[reps / 2];
                if (mpi.rank() == 0) {
                    System.out.printf(Locale.ROOT, "%-10d %10.1f %8.0f%n", bytes, median, bytes / median);
                }
            }
        }
    }
}
