package dev.ingot.bench;

import dev.ingot.core.Backend;
import dev.ingot.core.BackendProvider;
import dev.ingot.core.Backends;
import dev.ingot.core.DType;
import dev.ingot.core.Shape;
import dev.ingot.core.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * One benchmark's backend and the tensors it made, closed together (tensors first, in reverse order of
 * creation, then the backend) in the benchmark's {@code @TearDown}. Inputs are seeded, so every run and
 * every backend times the same numbers.
 *
 * <p>A backend that cannot run here is opened as GemmBenchmark opens it, through
 * {@link BackendNotAvailableHere#open}: that trial fails with the backend's own reasons ("benchmark
 * skipped: ..."), gets no score, and JMH goes on with the next (it has no "skip" outcome).
 * {@code bench/run.sh} avoids even that by passing only the backends {@link #main available} here
 * with {@code -p backend=...}.
 */
public final class BenchmarkFixture implements AutoCloseable {
    private final Backend backend;
    private final List<Tensor> tensors = new ArrayList<>();
    private final SplittableRandom random = new SplittableRandom(20240917L);

    private BenchmarkFixture(Backend backend) {
        this.backend = backend;
    }

    /**
     * The backend called {@code name}, new and owned by the fixture.
     *
     * @throws RuntimeException ({@link BackendNotAvailableHere}) naming the reasons when it cannot run here
     */
    public static BenchmarkFixture open(String name) {
        return new BenchmarkFixture(BackendNotAvailableHere.open(name));
    }

    public Backend backend() {
        return backend;
    }

    /** A float32 tensor of values drawn uniformly from [lo, hi). */
    public Tensor uniform(Shape shape, float lo, float hi) {
        float[] values = new float[Math.toIntExact(shape.size())];
        for (int i = 0; i < values.length; i++) {
            values[i] = lo + (hi - lo) * (float) random.nextDouble();
        }
        return keep(backend.fromHost(shape, values));
    }

    /** A float32 tensor of zeros. */
    public Tensor zeros(Shape shape) {
        return keep(backend.zeros(shape, DType.FLOAT32));
    }

    /** An int32 tensor of {@code n} class labels drawn uniformly from [0, classes). */
    public Tensor labels(int n, int classes) {
        int[] values = new int[n];
        for (int i = 0; i < n; i++) {
            values[i] = random.nextInt(classes);
        }
        return keep(backend.fromHost(Shape.of(n), values));
    }

    /** An int32 tensor of zeros. */
    public Tensor ints(Shape shape) {
        return keep(backend.zeros(shape, DType.INT32));
    }

    /** Takes ownership of a tensor made elsewhere on this fixture's backend. */
    public Tensor keep(Tensor t) {
        tensors.add(t);
        return t;
    }

    @Override
    public void close() {
        for (int i = tensors.size() - 1; i >= 0; i--) {
            tensors.get(i).close();
        }
        tensors.clear();
        backend.close();
    }

    /**
     * Prints the names of the backends that can run here, comma-separated ({@code cpu} or
     * {@code cpu,cuda}), for {@code -p backend=...}; the reasons of the others go to stderr.
     */
    public static void main(String[] args) {
        List<String> available = new ArrayList<>();
        for (BackendProvider p : Backends.providers()) {
            var a = p.probe();
            if (a.available()) {
                available.add(p.name());
            } else {
                System.err.println("benchmarks skip backend '" + p.name() + "': " + String.join("; ", a.reasons()));
            }
        }
        System.out.println(String.join(",", available));
    }
}
