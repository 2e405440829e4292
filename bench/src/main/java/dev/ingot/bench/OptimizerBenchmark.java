package dev.ingot.bench;

import dev.ingot.core.Backend;
import dev.ingot.core.Shape;
import dev.ingot.core.Tensor;
import dev.ingot.core.spec.AdamSpec;
import dev.ingot.core.spec.SgdSpec;
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

import java.util.List;

/**
 * One optimizer step over every parameter tensor of a reference model (weights and biases of each
 * layer, one kernel call per tensor, as the optimizer issues them): Adam with Keras' defaults, and SGD
 * with momentum 0.9. The step counter advances each call, as in training.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {ForkOptions.VECTOR_API, ForkOptions.NATIVE_ACCESS, ForkOptions.GC, ForkOptions.HEAP})
@State(Scope.Thread)
public class OptimizerBenchmark {
    @Param({"mnist-mlp", "mnist-cnn", "cifar10-cnn"})
    public String model;
    @Param({"cpu", "cuda"})
    public String backend;

    private BenchmarkFixture fixture;
    private Backend b;
    private Tensor[] params, grads, m, v, velocity;
    private final AdamSpec adam = AdamSpec.keras();
    private final SgdSpec sgd = new SgdSpec(0.01f, 0.9f, false);
    private long step;

    @Setup(Level.Trial)
    public void setUp() {
        List<Shape> shapes = ReferenceLayers.model(model).parameterShapes();
        fixture = BenchmarkFixture.open(backend);
        b = fixture.backend();
        int count = shapes.size();
        params = new Tensor[count];
        grads = new Tensor[count];
        m = new Tensor[count];
        v = new Tensor[count];
        velocity = new Tensor[count];
        for (int i = 0; i < count; i++) {
            params[i] = fixture.uniform(shapes.get(i), -0.1f, 0.1f);
            grads[i] = fixture.uniform(shapes.get(i), -0.01f, 0.01f);
            m[i] = fixture.zeros(shapes.get(i));
            v[i] = fixture.zeros(shapes.get(i));
            velocity[i] = fixture.zeros(shapes.get(i));
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (fixture != null) {
            fixture.close();
            fixture = null;
        }
    }

    @Benchmark
    public void adamStep() {
        long t = ++step;
        for (int i = 0; i < params.length; i++) {
            b.adamStep(params[i], grads[i], m[i], v[i], adam, t);
        }
        b.synchronize();
    }

    @Benchmark
    public void sgdStep() {
        for (int i = 0; i < params.length; i++) {
            b.sgdStep(params[i], grads[i], velocity[i], sgd);
        }
        b.synchronize();
    }
}
