package dev.ingot.bench;

import dev.ingot.core.Backend;
import dev.ingot.core.Tensor;
import dev.ingot.core.spec.DropoutSpec;
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
 * Dropout(0.2) on the mnist-mlp hidden layer: the forward pass draws a fresh counter-based mask each
 * call (a new seed per step, as training does); the backward pass is {@code dx = dy * mask}, the
 * backend's {@link Backend#multiply}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {ForkOptions.VECTOR_API, ForkOptions.NATIVE_ACCESS, ForkOptions.GC, ForkOptions.HEAP})
@State(Scope.Thread)
public class DropoutBenchmark {
    @Param({"mnist-mlp/dense1"})
    public String layer;
    @Param({"64"})
    public int batchSize;
    @Param({"cpu", "cuda"})
    public String backend;

    private BenchmarkFixture fixture;
    private Backend b;
    private Tensor x, y, mask, dy, dx;
    private long seed;

    @Setup(Level.Trial)
    public void setUp() {
        var shape = ReferenceLayers.activationShape(layer, batchSize);
        fixture = BenchmarkFixture.open(backend);
        b = fixture.backend();
        x = fixture.uniform(shape, 0f, 1f);
        y = fixture.zeros(shape);
        mask = fixture.zeros(shape);
        dy = fixture.uniform(shape, -1f, 1f);
        dx = fixture.zeros(shape);
        b.dropoutForward(x, new DropoutSpec(0.2f, seed), y, mask);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (fixture != null) {
            fixture.close();
            fixture = null;
        }
    }

    @Benchmark
    public void dropoutForward() {
        b.dropoutForward(x, new DropoutSpec(0.2f, ++seed), y, mask);
        b.synchronize();
    }

    @Benchmark
    public void dropoutBackward() {
        b.multiply(dy, mask, dx);
        b.synchronize();
    }
}
