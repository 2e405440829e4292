package dev.ingot.bench;

import dev.ingot.core.Backend;
import dev.ingot.core.Shape;
import dev.ingot.core.Tensor;
import dev.ingot.core.spec.BatchNormSpec;
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
 * Batch normalisation on ResNet-20's three stage shapes at batch 128 (16x32x32, 32x16x16, 64x8x8
 * per image: 2 M values each), beside {@code copy} of one such tensor. The target is
 * forward + backward within twice the time to read and write their tensors once: the forward pass
 * reads x and writes y, the backward pass reads x and dy and writes dx, 5 tensor passes, 2.5 times
 * what {@code copy} moves; so {@code forwardTraining + backward <= 5 * copy}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {ForkOptions.VECTOR_API, ForkOptions.NATIVE_ACCESS, ForkOptions.GC, ForkOptions.HEAP})
@State(Scope.Thread)
public class BatchNormBenchmark {
    @Param({"16x32x32", "32x16x16", "64x8x8"})
    public String stage;
    @Param({"128"})
    public int batchSize;
    @Param({"cpu", "cuda"})
    public String backend;

    private BenchmarkFixture fixture;
    private Backend b;
    private Tensor x, y, dy, dx, gamma, beta, runningMean, runningVar, saveMean, saveInvStd, dgamma, dbeta;

    @Setup(Level.Trial)
    public void setUp() {
        String[] dims = stage.split("x");
        int c = Integer.parseInt(dims[0]), h = Integer.parseInt(dims[1]), w = Integer.parseInt(dims[2]);
        Shape shape = Shape.of(batchSize, c, h, w);
        Shape channels = Shape.of(c);
        fixture = BenchmarkFixture.open(backend);
        b = fixture.backend();
        x = fixture.uniform(shape, -1f, 3f);
        y = fixture.zeros(shape);
        dy = fixture.uniform(shape, -1f, 1f);
        dx = fixture.zeros(shape);
        gamma = fixture.uniform(channels, 0.5f, 1.5f);
        beta = fixture.uniform(channels, -1f, 1f);
        runningMean = fixture.zeros(channels);
        runningVar = fixture.uniform(channels, 1f, 1f);
        saveMean = fixture.zeros(channels);
        saveInvStd = fixture.zeros(channels);
        dgamma = fixture.zeros(channels);
        dbeta = fixture.zeros(channels);
        forwardTraining();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (fixture != null) {
            fixture.close();
            fixture = null;
        }
    }

    @Benchmark
    public void forwardTraining() {
        b.batchNorm2dForwardTraining(x, gamma, beta, BatchNormSpec.DEFAULT, runningMean, runningVar, y, saveMean,
                saveInvStd);
        b.synchronize();
    }

    @Benchmark
    public void forwardInference() {
        b.batchNorm2dForwardInference(x, gamma, beta, runningMean, runningVar, BatchNormSpec.DEFAULT, y);
        b.synchronize();
    }

    @Benchmark
    public void backward() {
        b.batchNorm2dBackward(x, dy, gamma, saveMean, saveInvStd, dx, dgamma, dbeta);
        b.synchronize();
    }

    /** Reads and writes one tensor of the shape: the memory-traffic yardstick. */
    @Benchmark
    public void copy() {
        b.copy(x, y);
        b.synchronize();
    }
}
