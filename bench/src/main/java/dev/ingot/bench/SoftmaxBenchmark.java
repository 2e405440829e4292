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
 * Softmax and log-softmax, forward and backward, on a batch of logits over the reference models' 10
 * classes: (N, 10). Tiny rows, so these time the per-row overhead more than arithmetic.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {ForkOptions.VECTOR_API, ForkOptions.NATIVE_ACCESS, ForkOptions.GC, ForkOptions.HEAP})
@State(Scope.Thread)
public class SoftmaxBenchmark {
    @Param({"64"})
    public int batchSize;
    @Param({"10"})
    public int classes;
    @Param({"cpu", "cuda"})
    public String backend;

    private BenchmarkFixture fixture;
    private Backend b;
    private Tensor x, y, logY, dy, dx;

    @Setup(Level.Trial)
    public void setUp() {
        Shape shape = Shape.of(batchSize, classes);
        fixture = BenchmarkFixture.open(backend);
        b = fixture.backend();
        x = fixture.uniform(shape, -4f, 4f);
        y = fixture.zeros(shape);
        logY = fixture.zeros(shape);
        dy = fixture.uniform(shape, -1f, 1f);
        dx = fixture.zeros(shape);
        b.softmaxForward(x, y);
        b.logSoftmaxForward(x, logY);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (fixture != null) {
            fixture.close();
            fixture = null;
        }
    }

    @Benchmark
    public void softmaxForward() {
        b.softmaxForward(x, y);
        b.synchronize();
    }

    @Benchmark
    public void softmaxBackward() {
        b.softmaxBackward(y, dy, dx);
        b.synchronize();
    }

    @Benchmark
    public void logSoftmaxForward() {
        b.logSoftmaxForward(x, logY);
        b.synchronize();
    }

    @Benchmark
    public void logSoftmaxBackward() {
        b.logSoftmaxBackward(logY, dy, dx);
        b.synchronize();
    }
}
