package dev.ingot.bench;

import dev.ingot.core.Backend;
import dev.ingot.core.Tensor;
import dev.ingot.core.spec.Pool2dSpec;
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
 * Max and average pooling, forward and backward, at the pooling layers of the two reference CNNs
 * (2x2 window, stride 2). The reference models only max-pool; average pooling is timed on the same
 * shapes, as if AvgPool2d took MaxPool2d's place. Every method ends with
 * {@link Backend#synchronize()}, so an asynchronous backend is timed to completion.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {ForkOptions.VECTOR_API, ForkOptions.NATIVE_ACCESS, ForkOptions.GC, ForkOptions.HEAP})
@State(Scope.Thread)
public class PoolBenchmark {
    @Param({"mnist-cnn/pool1", "mnist-cnn/pool2", "cifar10-cnn/pool1", "cifar10-cnn/pool2"})
    public String layer;
    @Param({"64"})
    public int batchSize;
    @Param({"cpu", "cuda"})
    public String backend;

    private BenchmarkFixture fixture;
    private Backend b;
    private Pool2dSpec spec;
    private Tensor x, y, dy, dx;

    @Setup(Level.Trial)
    public void setUp() {
        ReferenceLayers.PoolLayer pool = ReferenceLayers.pool(layer);
        fixture = BenchmarkFixture.open(backend);
        b = fixture.backend();
        spec = pool.spec();
        // Inputs like a ReLU's output: non-negative.
        x = fixture.uniform(pool.inputShape(batchSize), 0f, 1f);
        y = fixture.zeros(pool.outputShape(batchSize));
        dy = fixture.uniform(pool.outputShape(batchSize), -1f, 1f);
        dx = fixture.zeros(pool.inputShape(batchSize));
        b.maxPool2dForward(x, spec, y);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (fixture != null) {
            fixture.close();
            fixture = null;
        }
    }

    @Benchmark
    public void maxPool2dForward() {
        b.maxPool2dForward(x, spec, y);
        b.synchronize();
    }

    /** Uses the forward output of setUp, which maxPool2dForward recomputes identically. */
    @Benchmark
    public void maxPool2dBackward() {
        b.maxPool2dBackward(x, y, dy, spec, dx);
        b.synchronize();
    }

    @Benchmark
    public void avgPool2dForward() {
        b.avgPool2dForward(x, spec, y);
        b.synchronize();
    }

    @Benchmark
    public void avgPool2dBackward() {
        b.avgPool2dBackward(dy, spec, dx);
        b.synchronize();
    }
}
