package dev.ingot.nn;

import dev.ingot.core.Backend;
import dev.ingot.core.Shape;
import dev.ingot.core.Tensor;
import dev.ingot.data.Dataset;
import dev.ingot.nn.checkpoint.Checkpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A run interrupted (mid-epoch or between epochs), saved, and resumed in fresh objects ends with
 * the same weights and optimizer state, bit for bit, as the same run uninterrupted: same batches,
 * same dropout masks, same Adam step.
 */
class ResumeTest {
    private static final Dataset TRAIN = SyntheticData.bands("bands-train", 100, 1, 9, 8, 3, 11);
    private static final Dataset TEST = SyntheticData.bands("bands-test", 20, 1, 9, 8, 3, 12);
    private static final int EPOCHS = 3;
    private static final int BATCH = 16; // 100 images: 6 full batches and a partial one of 4
    private static final long SEED = 2024;
    private static final Backend backend = TestBackend.shared();

    private record Run(Map<String, float[]> state, History history) {
    }

    private static Trainer newTrainer() {
        Sequential model = TrainerTest.smallCnn().build(backend, Shape.of(1, 9, 8), SEED);
        return new Trainer(model, new CrossEntropyLoss(), new Adam(), SEED);
    }

    /**
     * A residual graph with BatchNorm (running statistics are state too), trained by SGD with
     * momentum, weight decay and a warm-up + cosine schedule, on augmented images.
     */
    private static Trainer newResidualTrainer() {
        Graph.Builder g = Graph.builder();
        Graph.Node x = g.input();
        Graph.Node h = g.apply("conv1", new Conv2d(4, 3, 3, dev.ingot.core.spec.Conv2dSpec.of(1, 1)).withoutBias(), x);
        h = g.apply("relu", new ReLU(), g.apply("bn1", new BatchNorm2d(), h));
        h = new BasicBlock(4, 4, 1).applyTo(g, "layer1.0", h);
        h = new BasicBlock(4, 6, 2).applyTo(g, "layer2.0", h);
        Graph model = g.build(g.apply("fc", new Linear(3), g.apply("avgpool", new GlobalAvgPool2d(), h)));
        model.build(backend, Shape.of(1, 9, 8), SEED);
        LearningRateSchedule schedule = LearningRateSchedule.cosine(0.05f, EPOCHS * 7 - 5, 0f).withWarmup(5);
        SGD sgd = new SGD(new dev.ingot.core.spec.SgdSpec(0.05f, 0.9f, false), 5e-4f, schedule);
        return new Trainer(model, new CrossEntropyLoss(), sgd, SEED)
                .augmentation(new dev.ingot.data.Augmentation(true, 2, true));
    }

    /**
     * The airbench recipe's optimiser on the residual graph: Nesterov SGD, decoupled decay with none
     * on biases and BatchNorm, a triangular schedule that ends at 0, and an EMA of the weights every
     * 2 steps used for validation.
     */
    private static Trainer newRecipeTrainer() {
        Trainer base = newResidualTrainer();
        Model model = base.model();
        base.close();
        SGD sgd = new SGD(new dev.ingot.core.spec.SgdSpec(0.05f, 0.85f, true),
                LearningRateSchedule.triangular(0.05f, EPOCHS * 7, 0.23, 0.2f, 0f),
                ParameterGroups.noDecayOnBiasesAndNorms(5e-3f), WeightDecay.DECOUPLED);
        return new Trainer(model, new CrossEntropyLoss(), new ExponentialMovingAverage(sgd, 0.9f, 2, false), SEED)
                .augmentation(new dev.ingot.data.Augmentation(true, 2, true));
    }

    /**
     * airbench's pieces: reflect translate and the alternating flip, Nesterov SGD with coupled
     * per-group decay, the first convolution frozen after 5 steps, and the scheduled lookahead
     * (every 3 steps, decay 0.8 (t/T)^3, a last pull onto the average at step T).
     */
    private static Trainer newAirbenchStyleTrainer() {
        Trainer base = newResidualTrainer();
        Model model = base.model();
        base.close();
        long total = EPOCHS * 7;
        SGD sgd = new SGD(new dev.ingot.core.spec.SgdSpec(0.05f, 0.85f, true),
                LearningRateSchedule.triangular(0.05f, total, 0.23, 0.2f, 0.07f),
                ParameterGroups.noDecayOnBiasesAndNorms(5e-3f), WeightDecay.COUPLED);
        Optimizer o = new FreezeAfterSteps(sgd, "conv1.", 5);
        o = new ExponentialMovingAverage(o, "0.8 (t/T)^3", t -> t == total ? 1.0 : 0.8 * Math.pow((double) t / total, 3),
                3, total, true);
        return new Trainer(model, new CrossEntropyLoss(), o, SEED).augmentation(dev.ingot.data.Augmentation.airbench(2));
    }

    private static Run snapshot(Trainer t) {
        Map<String, float[]> s = new LinkedHashMap<>();
        for (Parameter p : t.model().parameters()) {
            s.put(p.name(), p.value().toFloatArray());
        }
        for (Buffer b : t.model().buffers()) {
            s.put(b.name(), b.value().toFloatArray());
        }
        for (Map.Entry<String, Tensor> e : t.optimizer().state(t.model().parameters()).entrySet()) {
            s.put("optimizer." + e.getKey(), e.getValue().toFloatArray());
        }
        return new Run(s, t.history());
    }

    private static Run uninterrupted() {
        return uninterrupted(ResumeTest::newTrainer);
    }

    private static Run uninterrupted(java.util.function.Supplier<Trainer> trainers) {
        Trainer t = trainers.get();
        try (Model model = t.model(); t) {
            t.fit(TRAIN, EPOCHS, BATCH, TEST, null);
            return snapshot(t);
        }
    }

    /** Trains until {@code stopAtGlobalStep} steps are done, saves, and resumes in new objects. */
    private static Run interruptedAt(long stopAtGlobalStep, Path file) throws IOException {
        return interruptedAt(ResumeTest::newTrainer, stopAtGlobalStep, file);
    }

    private static Run interruptedAt(java.util.function.Supplier<Trainer> trainers, long stopAtGlobalStep, Path file)
            throws IOException {
        Trainer first = trainers.get();
        try (Model model = first.model(); first) {
            first.fit(TRAIN, EPOCHS, BATCH, TEST, new TrainingListener() {
                @Override
                public void stepFinished(int epoch, int step, int steps, long images, double loss, double accuracy) {
                    if (first.progress().globalStep() == stopAtGlobalStep) {
                        first.requestStop();
                    }
                }
            });
            assertEquals(stopAtGlobalStep, first.progress().globalStep(), "stopped where asked");
            Checkpoint.save(file, first, Map.of("ingot.model", "small-cnn"));
        }
        Trainer second = trainers.get();
        try (Model model = second.model(); second) {
            Checkpoint checkpoint = Checkpoint.read(file);
            assertEquals("small-cnn", checkpoint.metadata().get("ingot.model"));
            checkpoint.restore(second);
            assertEquals(stopAtGlobalStep, second.progress().globalStep());
            assertEquals(stopAtGlobalStep, second.optimizer().steps());
            second.fit(TRAIN, EPOCHS, BATCH, TEST, null);
            return snapshot(second);
        }
    }

    private static void assertSameRun(Run expected, Run actual) {
        assertEquals(expected.state().keySet(), actual.state().keySet());
        for (String name : expected.state().keySet()) {
            assertArrayEquals(expected.state().get(name), actual.state().get(name), name + " differs after resuming");
        }
        List<EpochMetrics> e = expected.history().epochs(), a = actual.history().epochs();
        assertEquals(e.size(), a.size());
        for (int i = 0; i < e.size(); i++) {
            assertEquals(e.get(i).trainLoss(), a.get(i).trainLoss(), "train loss of epoch " + (i + 1));
            assertEquals(e.get(i).trainAccuracy(), a.get(i).trainAccuracy(), "train accuracy of epoch " + (i + 1));
            assertEquals(e.get(i).validationLoss(), a.get(i).validationLoss(), "validation loss of epoch " + (i + 1));
        }
    }

    @Test
    void resumedMidEpochEqualsUninterrupted(@TempDir Path dir) throws IOException {
        Run expected = uninterrupted();
        assertSameRun(expected, interruptedAt(10, dir.resolve("mid.safetensors"))); // step 3 of epoch 2
    }

    @Test
    void resumedBetweenEpochsEqualsUninterrupted(@TempDir Path dir) throws IOException {
        Run expected = uninterrupted();
        assertSameRun(expected, interruptedAt(7, dir.resolve("boundary.safetensors"))); // end of epoch 1
    }

    @Test
    void residualBatchNormRunWithScheduledSgdResumesBitForBit(@TempDir Path dir) throws IOException {
        Run expected = uninterrupted(ResumeTest::newResidualTrainer);
        assertTrue(expected.state().containsKey("layer2.0.bn2.running_var"), "buffers are compared too");
        assertTrue(expected.state().containsKey("optimizer.velocity.layer2.0.downsample.0.weight"));
        assertSameRun(expected, interruptedAt(ResumeTest::newResidualTrainer, 10, dir.resolve("mid.safetensors")));
        assertSameRun(expected, interruptedAt(ResumeTest::newResidualTrainer, 7, dir.resolve("boundary.safetensors")));
    }

    @Test
    void recipeRunWithTriangularScheduleAndEmaResumesBitForBit(@TempDir Path dir) throws IOException {
        Run expected = uninterrupted(ResumeTest::newRecipeTrainer);
        assertTrue(expected.state().containsKey("optimizer.ema.layer2.0.downsample.0.weight"), "EMA is state");
        assertSameRun(expected, interruptedAt(ResumeTest::newRecipeTrainer, 9, dir.resolve("mid.safetensors")));
        assertSameRun(expected, interruptedAt(ResumeTest::newRecipeTrainer, 14, dir.resolve("boundary.safetensors")));
    }

    @Test
    void airbenchAugmentationFreezeAndScheduledLookaheadResumeBitForBit(@TempDir Path dir) throws IOException {
        Run expected = uninterrupted(ResumeTest::newAirbenchStyleTrainer);
        assertSameRun(expected, interruptedAt(ResumeTest::newAirbenchStyleTrainer, 10, dir.resolve("mid.safetensors")));
        assertSameRun(expected, interruptedAt(ResumeTest::newAirbenchStyleTrainer, 14, dir.resolve("boundary.safetensors")));
    }

    @Test
    void resumingWithAnotherSeedOrBatchSizeIsRefused(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("c.safetensors");
        Trainer first = newTrainer();
        try (Model model = first.model(); first) {
            first.fit(TRAIN, 1, BATCH, null, new TrainingListener() {
                @Override
                public void stepFinished(int epoch, int step, int steps, long images, double loss, double accuracy) {
                    first.requestStop();
                }
            });
            Checkpoint.save(file, first, Map.of());
        }
        Checkpoint checkpoint = Checkpoint.read(file);
        Sequential model = TrainerTest.smallCnn().build(backend, Shape.of(1, 9, 8), SEED);
        try (model; Trainer other = new Trainer(model, new CrossEntropyLoss(), new Adam(), SEED + 1)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> checkpoint.restore(other));
            assertTrue(e.getMessage().contains("seed"), e.getMessage());
        }
        Sequential model2 = TrainerTest.smallCnn().build(backend, Shape.of(1, 9, 8), SEED);
        try (model2; Trainer same = new Trainer(model2, new CrossEntropyLoss(), new Adam(), SEED)) {
            checkpoint.restore(same);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> same.fit(TRAIN, 1, BATCH + 1, null, null));
            assertTrue(e.getMessage().contains("batch size " + BATCH), e.getMessage());
        }
    }
}
