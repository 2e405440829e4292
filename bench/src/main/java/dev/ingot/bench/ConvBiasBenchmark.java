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

import java.util.concurrent.TimeUnit;

/**
 * The convolution kernel Conv2dBenchmark leaves out: the bias gradient
 * {@code db[k] = sum_{n,p,q} dy[n,k,p,q]}, at the output of every conv layer of the reference CNNs.
 * (The forward bias is part of conv2dForward.)
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {ForkOptions.VECTOR_API, ForkOptions.NATIVE_ACCESS, ForkOptions.GC, ForkOptions.HEAP})
@State(Scope.Thread)
public class ConvBiasBenchmark {
    @Param({"mnist-cnn/conv1", "mnist-cnn/conv2", "mnist-cnn/conv3",
            "cifar10-cnn/conv1", "cifar10-cnn/conv2", "cifar10-cnn/conv3"})
    public String layer;
    @Param({"64"})
    public int batchSize;
    @Param({"cpu", "cuda"})
    public String backend;

    private BenchmarkFixture fixture;
    private Backend b;
    private Tensor dy, db;

    @Setup(Level.Trial)
    public void setUp() {
        ReferenceLayers.ConvLayer conv = ReferenceLayers.conv(layer);
        fixture = BenchmarkFixture.open(backend);
        b = fixture.backend();
        dy = fixture.uniform(conv.outputShape(batchSize), -1f, 1f);
        db = fixture.zeros(Shape.of(conv.filters()));
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (fixture != null) {
            fixture.close();
            fixture = null;
        }
    }

    @Benchmark
    public void conv2dBackwardBias() {
        b.conv2dBackwardBias(dy, db);
        b.synchronize();
    }
}
