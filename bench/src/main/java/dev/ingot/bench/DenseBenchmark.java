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
 * Every kernel of a Keras Dense layer (kernel stored (in, out)), at the dense layers of the reference
 * models (each shape once: cifar10-cnn/dense2 is mnist-cnn/dense2's shape):
 * <ul>
 *   <li>{@link #forward}: {@code y = x W}, gemm (N, in) x (in, out);</li>
 *   <li>{@link #biasAdd}: {@code y += b};</li>
 *   <li>{@link #backwardData}: {@code dx = dy W^T}, gemm with B transposed;</li>
 *   <li>{@link #backwardWeights}: {@code dW = x^T dy}, gemm with A transposed;</li>
 *   <li>{@link #backwardBias}: {@code db = sum over the batch of dy}.</li>
 * </ul>
 * These are the skinny GEMMs (N = 64 rows against 784 or 1024 inputs) that a square-GEMM benchmark
 * does not show.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {ForkOptions.VECTOR_API, ForkOptions.NATIVE_ACCESS, ForkOptions.GC, ForkOptions.HEAP})
@State(Scope.Thread)
public class DenseBenchmark {
    @Param({"mnist-mlp/dense1", "mnist-mlp/dense2", "mnist-cnn/dense1", "mnist-cnn/dense2", "cifar10-cnn/dense1"})
    public String layer;
    @Param({"64"})
    public int batchSize;
    @Param({"cpu", "cuda"})
    public String backend;

    private BenchmarkFixture fixture;
    private Backend b;
    private Tensor x, w, bias, y, dy, dx, dw, db;

    @Setup(Level.Trial)
    public void setUp() {
        ReferenceLayers.DenseLayer dense = ReferenceLayers.dense(layer);
        fixture = BenchmarkFixture.open(backend);
        b = fixture.backend();
        x = fixture.uniform(dense.inputShape(batchSize), 0f, 1f);
        float limit = (float) Math.sqrt(6.0 / (dense.inputs() + dense.outputs()));
        w = fixture.uniform(dense.weightShape(), -limit, limit);
        bias = fixture.uniform(Shape.of(dense.outputs()), -0.1f, 0.1f);
        y = fixture.zeros(dense.outputShape(batchSize));
        dy = fixture.uniform(dense.outputShape(batchSize), -1f, 1f);
        dx = fixture.zeros(dense.inputShape(batchSize));
        dw = fixture.zeros(dense.weightShape());
        db = fixture.zeros(Shape.of(dense.outputs()));
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (fixture != null) {
            fixture.close();
            fixture = null;
        }
    }

    @Benchmark
    public void forward() {
        b.gemm(false, false, 1f, x, w, 0f, y);
        b.synchronize();
    }

    @Benchmark
    public void biasAdd() {
        b.biasAdd(y, bias, y);
        b.synchronize();
    }

    @Benchmark
    public void backwardData() {
        b.gemm(false, true, 1f, dy, w, 0f, dx);
        b.synchronize();
    }

    @Benchmark
    public void backwardWeights() {
        b.gemm(true, false, 1f, x, dy, 0f, dw);
        b.synchronize();
    }

    @Benchmark
    public void backwardBias() {
        b.sumOverBatch(dy, db);
        b.synchronize();
    }
}
