package dev.ingot.bench;

import dev.ingot.core.Backend;
import dev.ingot.core.Shape;
import dev.ingot.core.Tensor;
import dev.ingot.data.DataDir;
import dev.ingot.data.Dataset;
import dev.ingot.data.Datasets;
import dev.ingot.data.MissingDatasetException;
import dev.ingot.data.Split;
import dev.ingot.models.ReferenceModel;
import dev.ingot.models.ReferenceModels;
import dev.ingot.nn.CrossEntropyLoss;
import dev.ingot.nn.Mode;
import dev.ingot.nn.Optimizer;
import dev.ingot.nn.Model;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * One training step of a reference model, end to end through the layer module: forward in training
 * mode (dropout on), fused softmax cross-entropy with its gradient, backward through every layer,
 * and an update of every parameter by the model's recipe optimizer (Adam; SGD with momentum and
 * weight decay for {@code cifar10-resnet20}, which is not in the default parameters: bench/run.sh
 * times it at its recipe's batch 128 with {@code -p model=cifar10-resnet20 -p batchSize=128}):
 * {@code dev.ingot.nn.Trainer}'s step without the host copy
 * of the batch and the metrics (the PyTorch reference does neither). Images/s = batchSize / score.
 *
 * <p>The batch is the first {@code batchSize} images of the model's dataset (test split, which is
 * the smaller file to load), from {@code INGOT_DATA_DIR} (else {@code ~/.ingot/datasets}); where the
 * dataset is not on this machine, a seeded batch of uniform [0, 1) pixels and labels stands in for it
 * (a step's arithmetic does not depend on the pixel values), and the run says so. The
 * weights start from the model's seeded Keras initialisation. The model's parameter count is
 * checked against {@link ReferenceLayers}, so the FLOP count the report uses is this model's.
 * Run with {@code -prof gc} to see the bytes a steady-state step allocates.
 */
@BenchmarkMode(org.openjdk.jmh.annotations.Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {ForkOptions.VECTOR_API, ForkOptions.NATIVE_ACCESS, ForkOptions.GC, ForkOptions.HEAP})
@State(Scope.Thread)
public class TrainingStepBenchmark {
    @Param({"mnist-mlp", "mnist-cnn", "cifar10-cnn"})
    public String model;
    @Param({"32", "64", "128"})
    public int batchSize;
    @Param({"cpu", "cuda"})
    public String backend;

    /** The dataset folder; null means {@code INGOT_DATA_DIR}, else {@code ~/.ingot/datasets} (tests set it). */
    public String dataDir;

    /**
     * cifar10-resnet20's trainable parameters (a graph, which {@link ReferenceLayers} does not describe):
     * the count bench/python/resnet20_reference.py prints for its PyTorch twin.
     */
    static final long RESNET20_PARAMETERS = 272_474;

    private BenchmarkFixture fixture;
    private Backend b;
    private Model network;
    private CrossEntropyLoss loss;
    private Optimizer optimizer;
    private Tensor images, labels;
    private long step;

    @Setup(Level.Trial)
    public void setUp() {
        ReferenceModel recipe = ReferenceModels.get(model);
        Shape one = recipe.inputShape();
        int imageSize = Math.toIntExact(one.size());
        float[] pixels;
        int[] classes;
        try {
            Dataset data = Datasets.load(recipe.dataset(), Split.TEST, DataDir.resolve(dataDir), false);
            if (data.size() < batchSize) {
                throw new IllegalStateException(data.name() + " has " + data.size()
                        + " test images, fewer than batchSize " + batchSize);
            }
            pixels = data.subset(0, batchSize).images(); // not data.images(): a whole-split float copy
            classes = Arrays.copyOf(data.labels(), batchSize);
        } catch (MissingDatasetException e) {
            System.out.println("TrainingStepBenchmark: " + recipe.dataset() + " is not on this machine ("
                    + e.getMessage().lines().findFirst().orElse("") + "); timing a seeded batch of random images");
            SplittableRandom random = new SplittableRandom(42);
            pixels = new float[batchSize * imageSize];
            classes = new int[batchSize];
            for (int i = 0; i < pixels.length; i++) {
                pixels[i] = (float) random.nextDouble();
            }
            for (int i = 0; i < batchSize; i++) {
                classes[i] = random.nextInt(10);
            }
        }
        fixture = BenchmarkFixture.open(backend);
        b = fixture.backend();
        int[] dims = new int[one.rank() + 1];
        dims[0] = batchSize;
        System.arraycopy(one.dims(), 0, dims, 1, one.rank());
        images = fixture.keep(b.fromHost(Shape.of(dims), pixels));
        labels = fixture.keep(b.fromHost(Shape.of(batchSize), classes));

        network = recipe.newModel().build(b, one, 42);
        long expected = ReferenceLayers.describes(model) ? ReferenceLayers.model(model).parameters()
                : RESNET20_PARAMETERS;
        if (network.parameterCount() != expected) {
            throw new IllegalStateException(model + " has " + network.parameterCount() + " parameters but"
                    + " ReferenceLayers describes " + expected + ": the FLOP counts would be wrong\n" + network.summary());
        }
        loss = new CrossEntropyLoss();
        optimizer = recipe.newOptimizer();
        trainingStep(); // makes the layers' buffers and the optimizer's moments for this batch size
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (optimizer != null) {
            optimizer.close();
        }
        if (loss != null) {
            loss.close();
        }
        if (network != null) {
            network.close();
        }
        if (fixture != null) {
            fixture.close();
            fixture = null;
        }
    }

    @Benchmark
    public void trainingStep() {
        Tensor logits = network.forward(images, Mode.training(++step));
        loss.forward(logits, labels, true);
        network.backward(loss.gradient());
        optimizer.step(network.parameters());
        b.synchronize();
    }
}
