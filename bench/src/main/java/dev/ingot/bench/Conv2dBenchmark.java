package dev.ingot.bench;

import dev.ingot.core.Backend;
import dev.ingot.core.Shape;
import dev.ingot.core.Tensor;
import dev.ingot.core.spec.Conv2dGeometry;
import dev.ingot.core.spec.Conv2dSpec;
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

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * The convolution layers of the reference CNNs (Keras 'valid', stride 1, 3x3 kernels), each pass
 * on its own: forward (with bias), backward data, backward filter and backward bias. Score:
 * milliseconds per call on a batch; a layer's training step costs forward + backwardData +
 * backwardFilter + backwardBias (the first layer of a network needs no backwardData). GFLOP/s of
 * a pass = {@code 2*N*K*P*Q*C*R*S / (score * 1e6)}.
 *
 * <pre>
 * java -jar bench/target/benchmarks.jar Conv2dBenchmark -p backend=cpu
 * java -jar bench/target/benchmarks.jar 'Conv2dBenchmark' -p layer=cifar-conv1,cifar-conv2,cifar-conv3 -p backend=cpu
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@State(Scope.Benchmark)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 4, time = 1)
@Measurement(iterations = 5, time = 1)
public class Conv2dBenchmark {

    /**
     * Input (C, H, W), output channels K, kernel size and spec of each layer: the reference CNNs' are
     * 3x3, stride 1, no padding; ResNet-20's 3x3 ones have padding 1 ({@code resnet-*}: the stem, the
     * three stages' 16/32/64-channel convolutions, the stride-2 first convolutions of stages 2 and 3
     * and their 1x1 stride-2 projections).
     */
    private record Layer(int c, int h, int w, int k, int size, Conv2dSpec spec) {
        Layer(int c, int h, int w, int k) {
            this(c, h, w, k, 3, Conv2dSpec.DEFAULT);
        }

        static Layer named(String name) {
            return switch (name) {
                case "mnist-conv1" -> new Layer(1, 28, 28, 32);
                case "mnist-conv2" -> new Layer(32, 13, 13, 64);
                case "mnist-conv3" -> new Layer(64, 5, 5, 64);
                case "cifar-conv1" -> new Layer(3, 32, 32, 32);
                case "cifar-conv2" -> new Layer(32, 15, 15, 64);
                case "cifar-conv3" -> new Layer(64, 6, 6, 64);
                case "resnet-stem" -> new Layer(3, 32, 32, 16, 3, Conv2dSpec.of(1, 1));
                case "resnet-16" -> new Layer(16, 32, 32, 16, 3, Conv2dSpec.of(1, 1));
                case "resnet-32s2" -> new Layer(16, 32, 32, 32, 3, Conv2dSpec.of(2, 1));
                case "resnet-32" -> new Layer(32, 16, 16, 32, 3, Conv2dSpec.of(1, 1));
                case "resnet-64s2" -> new Layer(32, 16, 16, 64, 3, Conv2dSpec.of(2, 1));
                case "resnet-64" -> new Layer(64, 8, 8, 64, 3, Conv2dSpec.of(1, 1));
                case "resnet-proj32" -> new Layer(16, 32, 32, 32, 1, Conv2dSpec.of(2, 0));
                case "resnet-proj64" -> new Layer(32, 16, 16, 64, 1, Conv2dSpec.of(2, 0));
                default -> throw new IllegalArgumentException("unknown layer '" + name + "'; known: mnist-conv1..3,"
                        + " cifar-conv1..3, " + String.join(", ", RESNET20));
            };
        }
    }

    /** ResNet-20's convolution shapes (each stage's 3x3 16/32/64 appears 5-6 times per network). */
    static final String[] RESNET20 = {"resnet-stem", "resnet-16", "resnet-32s2", "resnet-32", "resnet-64s2",
            "resnet-64", "resnet-proj32", "resnet-proj64"};

    /** How many times each of {@link #RESNET20} occurs in one ResNet-20 forward pass. */
    static final int[] RESNET20_COUNT = {1, 6, 1, 5, 1, 5, 1, 1};

    /** The geometry of {@code layer} (a name {@link Layer#named} knows) at batch {@code batch}. */
    public static Conv2dGeometry geometry(String layer, int batch) {
        Layer l = Layer.named(layer);
        return Conv2dGeometry.of("Conv2dBenchmark", Shape.of(batch, l.c(), l.h(), l.w()),
                Shape.of(l.k(), l.c(), l.size(), l.size()), l.spec());
    }

    /**
     * FLOPs of one ResNet-20 training step, counted as docs/benchmarks.md says: every convolution's
     * forward, input gradient and weight gradient, except the stem's input gradient, and the dense
     * layer's three products (64 -> 10); BatchNorm and the element-wise work are left out.
     */
    public static long resnet20TrainingStepFlops(int batch) {
        long flops = 3L * 2 * batch * 64 * 10;
        for (int i = 0; i < RESNET20.length; i++) {
            flops += RESNET20_COUNT[i] * (i == 0 ? 2 : 3) * geometry(RESNET20[i], batch).flops();
        }
        return flops;
    }

    @Param({"mnist-conv1", "mnist-conv2", "mnist-conv3", "cifar-conv1", "cifar-conv2", "cifar-conv3"})
    public String layer;

    @Param({"64"})
    public int batch;

    @Param({"cpu", "cuda"})
    public String backend;

    private Conv2dSpec spec;
    private double flops;
    private Backend device;
    private Tensor x, w, b, y, dy, dx, dw, db;

    @Setup(Level.Trial)
    public void setUp() {
        device = BackendNotAvailableHere.open(backend);
        Conv2dGeometry g = geometry(layer, batch);
        spec = g.spec();
        SplittableRandom random = new SplittableRandom(42);
        flops = g.flops();
        x = device.fromHost(g.inputShape(), GemmBenchmark.uniform(random, (int) g.inputShape().size()));
        w = device.fromHost(g.weightShape(), GemmBenchmark.uniform(random, (int) g.weightShape().size()));
        b = device.fromHost(Shape.of(g.k()), GemmBenchmark.uniform(random, g.k()));
        dy = device.fromHost(g.outputShape(), GemmBenchmark.uniform(random, (int) g.outputShape().size()));
        y = device.zeros(g.outputShape());
        dx = device.zeros(g.inputShape());
        dw = device.zeros(g.weightShape());
        db = device.zeros(Shape.of(g.k()));
    }

    /** FLOPs of one pass (forward, backward data or backward filter) at this layer and batch: 2 N K P Q C R S. */
    double flops() {
        return flops;
    }

    @Benchmark
    public void forward() {
        device.conv2dForward(x, w, b, spec, y);
        device.synchronize();
    }

    @Benchmark
    public void backwardData() {
        device.conv2dBackwardData(dy, w, spec, dx);
        device.synchronize();
    }

    @Benchmark
    public void backwardFilter() {
        device.conv2dBackwardFilter(x, dy, spec, dw);
        device.synchronize();
    }

    @Benchmark
    public void backwardBias() {
        device.conv2dBackwardBias(dy, db);
        device.synchronize();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (device != null) {
            for (Tensor t : new Tensor[] {db, dw, dx, y, dy, b, w, x}) {
                t.close();
            }
            device.close();
        }
    }
}
