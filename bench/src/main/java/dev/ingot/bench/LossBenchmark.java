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
 * The head of every training and evaluation step, on (N, 10) logits: softmax cross-entropy with its
 * gradient (training), the loss alone (validation), and the metrics' argmax and correct-prediction
 * count. countCorrect returns its count to the host, so on an asynchronous backend it includes a
 * wait for the device.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {ForkOptions.VECTOR_API, ForkOptions.NATIVE_ACCESS, ForkOptions.GC, ForkOptions.HEAP})
@State(Scope.Thread)
public class LossBenchmark {
    @Param({"64"})
    public int batchSize;
    @Param({"10"})
    public int classes;
    @Param({"cpu", "cuda"})
    public String backend;

    private BenchmarkFixture fixture;
    private Backend b;
    private Tensor logits, labels, loss, gradLogits, indices;

    @Setup(Level.Trial)
    public void setUp() {
        fixture = BenchmarkFixture.open(backend);
        b = fixture.backend();
        logits = fixture.uniform(Shape.of(batchSize, classes), -4f, 4f);
        labels = fixture.labels(batchSize, classes);
        loss = fixture.zeros(Shape.of(1));
        gradLogits = fixture.zeros(Shape.of(batchSize, classes));
        indices = fixture.ints(Shape.of(batchSize));
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (fixture != null) {
            fixture.close();
            fixture = null;
        }
    }

    @Benchmark
    public void softmaxCrossEntropy() {
        b.softmaxCrossEntropy(logits, labels, loss, gradLogits);
        b.synchronize();
    }

    @Benchmark
    public void softmaxCrossEntropyLossOnly() {
        b.softmaxCrossEntropy(logits, labels, loss, null);
        b.synchronize();
    }

    @Benchmark
    public void argmax() {
        b.argmax(logits, indices);
        b.synchronize();
    }

    @Benchmark
    public long countCorrect() {
        return b.countCorrect(logits, labels);
    }
}
