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
 * ReLU forward and backward on the output of every layer the reference models put a ReLU behind
 * (each shape once: cifar10-cnn/dense1 is mnist-cnn/dense1's shape). Memory-bound kernels: the
 * report gives them in GB/s.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {ForkOptions.VECTOR_API, ForkOptions.NATIVE_ACCESS, ForkOptions.GC, ForkOptions.HEAP})
@State(Scope.Thread)
public class ActivationBenchmark {
    @Param({"mnist-mlp/dense1", "mnist-cnn/conv1", "mnist-cnn/conv2", "mnist-cnn/conv3", "mnist-cnn/dense1",
            "cifar10-cnn/conv1", "cifar10-cnn/conv2", "cifar10-cnn/conv3"})
    public String layer;
    @Param({"64"})
    public int batchSize;
    @Param({"cpu", "cuda"})
    public String backend;

    private BenchmarkFixture fixture;
    private Backend b;
    private Tensor x, y, dy, dx;

    @Setup(Level.Trial)
    public void setUp() {
        var shape = ReferenceLayers.activationShape(layer, batchSize);
        fixture = BenchmarkFixture.open(backend);
        b = fixture.backend();
        x = fixture.uniform(shape, -1f, 1f);
        y = fixture.zeros(shape);
        dy = fixture.uniform(shape, -1f, 1f);
        dx = fixture.zeros(shape);
        b.reluForward(x, y);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (fixture != null) {
            fixture.close();
            fixture = null;
        }
    }

    @Benchmark
    public void reluForward() {
        b.reluForward(x, y);
        b.synchronize();
    }

    @Benchmark
    public void reluBackward() {
        b.reluBackward(y, dy, dx);
        b.synchronize();
    }
}
