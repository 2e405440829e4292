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

import java.util.SplittableRandom;

/**
 * Moving one training batch in and one loss out: copying a batch of a reference model's images and
 * labels from host arrays into tensors, and reading a one-element loss back. On the CPU backend these
 * are array copies; on a GPU they are the host-device transfers (and the wait) each step pays.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {ForkOptions.VECTOR_API, ForkOptions.NATIVE_ACCESS, ForkOptions.GC, ForkOptions.HEAP})
@State(Scope.Thread)
public class TransferBenchmark {
    @Param({"mnist-cnn", "cifar10-cnn"})
    public String model;
    @Param({"64"})
    public int batchSize;
    @Param({"cpu", "cuda"})
    public String backend;

    private BenchmarkFixture fixture;
    private Backend b;
    private float[] hostImages;
    private int[] hostLabels;
    private final float[] hostLoss = new float[1];
    private Tensor images, labels, loss;

    @Setup(Level.Trial)
    public void setUp() {
        ReferenceLayers.ReferenceModel m = ReferenceLayers.model(model);
        fixture = BenchmarkFixture.open(backend);
        b = fixture.backend();
        SplittableRandom random = new SplittableRandom(7);
        hostImages = new float[Math.toIntExact(m.inputShape(batchSize).size())];
        for (int i = 0; i < hostImages.length; i++) {
            hostImages[i] = (float) random.nextDouble();
        }
        hostLabels = new int[batchSize];
        for (int i = 0; i < batchSize; i++) {
            hostLabels[i] = random.nextInt(m.classes());
        }
        images = fixture.zeros(m.inputShape(batchSize));
        labels = fixture.ints(Shape.of(batchSize));
        loss = fixture.uniform(Shape.of(1), 0f, 1f);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (fixture != null) {
            fixture.close();
            fixture = null;
        }
    }

    @Benchmark
    public void copyBatchFromHost() {
        b.copyFromHost(hostImages, images);
        b.copyFromHost(hostLabels, labels);
        b.synchronize();
    }

    @Benchmark
    public float readLoss() {
        b.copyToHost(loss, hostLoss);
        return hostLoss[0];
    }
}
