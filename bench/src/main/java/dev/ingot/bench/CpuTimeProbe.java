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
 */
public final class CpuTimeProbe {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private CpuTimeProbe() {
    }

    public static void main(String[] args) {
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
