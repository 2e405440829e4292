package dev.ingot.bench;

import dev.ingot.core.Backend;
import dev.ingot.core.Shape;
import dev.ingot.core.Tensor;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Square single-precision matrix product {@code C = A . B} (M = N = K = {@code size}, row-major,
 * alpha 1, beta 0) through {@link Backend#gemm}. Score: milliseconds per product;
 * GFLOP/s = {@code 2 * size^3 / (score * 1e6)}.
 *
 * <pre>
 * java -jar bench/target/benchmarks.jar GemmBenchmark                                      # all sizes, cpu and cuda
 * java -jar bench/target/benchmarks.jar GemmBenchmark -p backend=cpu -jvmArgsPrepend -Dingot.cpu.threads=1
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@State(Scope.Benchmark)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 4, time = 1)
@Measurement(iterations = 5, time = 1)
public class GemmBenchmark {

    @Param({"128", "256", "512", "1024", "2048"})
    public int size;

    @Param({"cpu", "cuda"})
    public String backend;

    private Backend device;
    private Tensor a;
    private Tensor b;
    private Tensor c;

    @Setup(Level.Trial)
    public void setUp() {
        device = BackendNotAvailableHere.open(backend);
        SplittableRandom random = new SplittableRandom(42);
        a = device.fromHost(Shape.of(size, size), uniform(random, size * size));
        b = device.fromHost(Shape.of(size, size), uniform(random, size * size));
        c = device.zeros(Shape.of(size, size));
    }

    static float[] uniform(SplittableRandom random, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) random.nextDouble(-1, 1);
        }
        return x;
    }

    @Benchmark
    public void gemm() {
        device.gemm(false, false, 1f, a, b, 0f, c);
        device.synchronize();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (device != null) {
            c.close();
            b.close();
            a.close();
            device.close();
        }
    }
}
