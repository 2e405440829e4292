package dev.ingot.bench;

import dev.ingot.core.Backend;
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

import java.util.concurrent.TimeUnit;

/**
 * The element-wise kernels the layers and the autograd use (add, multiply, scale, axpy for gradient
 * accumulation; copy and fill), on the largest activation of the reference models (cifar10-cnn/conv1:
 * 1.8 M floats at batch 64, past the L2 cache) and on a small one (mnist-mlp/dense1: 8 K floats, in
 * L1), so both the bandwidth limit and the fixed cost per call show.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {ForkOptions.VECTOR_API, ForkOptions.NATIVE_ACCESS, ForkOptions.GC, ForkOptions.HEAP})
@State(Scope.Thread)
public class ElementwiseBenchmark {
    @Param({"mnist-mlp/dense1", "cifar10-cnn/conv1"})
    public String layer;
    @Param({"64"})
    public int batchSize;
    @Param({"cpu", "cuda"})
    public String backend;

    private BenchmarkFixture fixture;
    private Backend b;
    private Tensor x, y, out;

    @Setup(Level.Trial)
    public void setUp() {
        var shape = ReferenceLayers.activationShape(layer, batchSize);
        fixture = BenchmarkFixture.open(backend);
        b = fixture.backend();
        x = fixture.uniform(shape, -1f, 1f);
        y = fixture.uniform(shape, -1f, 1f);
        out = fixture.zeros(shape);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (fixture != null) {
            fixture.close();
            fixture = null;
        }
    }

    @Benchmark
    public void add() {
        b.add(x, y, out);
        b.synchronize();
    }

    @Benchmark
    public void multiply() {
        b.multiply(x, y, out);
        b.synchronize();
    }

    @Benchmark
    public void scale() {
        b.scale(x, 0.5f, out);
        b.synchronize();
    }

    /** {@code out += 1e-3 * x}: stays finite however many times it runs. */
    @Benchmark
    public void axpy() {
        b.axpy(1e-3f, x, out);
        b.synchronize();
    }

    @Benchmark
    public void copy() {
        b.copy(x, out);
        b.synchronize();
    }

    @Benchmark
    public void fill() {
        b.fill(out, 0f);
        b.synchronize();
    }
}
