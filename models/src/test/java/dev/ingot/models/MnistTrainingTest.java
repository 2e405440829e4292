package dev.ingot.models;

import dev.ingot.core.Backend;
import dev.ingot.data.Dataset;
import dev.ingot.data.Datasets;
import dev.ingot.data.SharedData;
import dev.ingot.data.Split;
import dev.ingot.nn.CrossEntropyLoss;
import dev.ingot.nn.EvaluationReport;
import dev.ingot.nn.History;
import dev.ingot.nn.Parameter;
import dev.ingot.nn.Model;
import dev.ingot.nn.TestBackend;
import dev.ingot.nn.Trainer;
import dev.ingot.nn.TrainingListener;
import dev.ingot.nn.checkpoint.Checkpoint;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The reference models on the real MNIST: mnist-cnn learns from a 10,000-image slice in one epoch,
 * and an interrupted-and-resumed run ends bit for bit where the uninterrupted one does.
 */
class MnistTrainingTest {
    private static final Backend backend = TestBackend.shared();
    private static Dataset train;
    private static Dataset test;

    @BeforeAll
    static void load() {
        Path dir = SharedData.require("mnist");
        train = Datasets.load("mnist", Split.TRAIN, dir, false);
        test = Datasets.load("mnist", Split.TEST, dir, false);
    }

    @Test
    void mnistCnnLearnsFromTenThousandImagesInOneEpoch() {
        ReferenceModel recipe = ReferenceModels.get("mnist-cnn");
        Dataset slice = train.subset(0, 10_000);
        List<Double> batchLosses = new ArrayList<>();
        try (Model model = recipe.newModel().build(backend, recipe.inputShape(), 1);
             Trainer trainer = new Trainer(model, new CrossEntropyLoss(), recipe.newOptimizer(), 1)) {
            History h = trainer.fit(slice, 1, 32, null, new TrainingListener() {
                private double previousSum;

                @Override
                public void stepFinished(int epoch, int step, int steps, long images, double loss, double accuracy) {
                    double sum = loss * images; // running mean -> running sum -> this batch's mean
                    batchLosses.add((sum - previousSum) / (images - (step - 1) * 32L));
                    previousSum = sum;
                }
            });
            assertEquals(313, batchLosses.size());
            double early = mean(batchLosses.subList(0, 20)), late = mean(batchLosses.subList(293, 313));
            assertTrue(early > 2.0, "starts near ln(10) = 2.30: " + early);
            assertTrue(late < 0.5 * early, "the loss falls: first 20 batches " + early + ", last 20 " + late);
            EvaluationReport report = trainer.evaluate(test.subset(0, 2000), 500);
            // Chance is 10%; the Keras tutorial's network passes 95% after one epoch of 10,000 images.
            assertTrue(report.accuracy() > 0.90, "accuracy on 2,000 test images: " + report.accuracy() + "\n" + h);
        }
    }

    private static double mean(List<Double> v) {
        return v.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
    }

    @Test
    void interruptedAndResumedRunEndsBitForBitLikeTheUninterruptedOne(@TempDir Path dir) throws IOException {
        // mnist-mlp has dropout: the resumed run must also repeat the masks. 600 images, batch 64:
        // 10 steps an epoch (the last one partial); stop at step 13, in the middle of epoch 2.
        Dataset slice = train.subset(0, 600);
        List<float[]> uninterrupted = run(slice, -1, null);
        Path file = dir.resolve("checkpoint.safetensors");
        run(slice, 13, file);
        List<float[]> resumed = run(slice, -1, file);
        assertEquals(uninterrupted.size(), resumed.size());
        for (int i = 0; i < uninterrupted.size(); i++) {
            assertArrayEquals(uninterrupted.get(i), resumed.get(i), "parameter " + i + " after resuming");
        }
    }

    /**
     * Trains mnist-mlp for 3 epochs; with {@code stopAt >= 0} stops after that many steps and saves
     * to {@code file}; with {@code file} and no stop, resumes from it first.
     */
    private static List<float[]> run(Dataset slice, int stopAt, Path file) throws IOException {
        ReferenceModel recipe = ReferenceModels.get("mnist-mlp");
        try (Model model = recipe.newModel().build(backend, recipe.inputShape(), 3);
             Trainer trainer = new Trainer(model, new CrossEntropyLoss(), recipe.newOptimizer(), 3)) {
            if (file != null && stopAt < 0) {
                Checkpoint.read(file).restore(trainer);
            }
            trainer.fit(slice, 3, 64, null, new TrainingListener() {
                @Override
                public void stepFinished(int epoch, int step, int steps, long images, double loss, double accuracy) {
                    if (trainer.progress().globalStep() == stopAt) {
                        trainer.requestStop();
                    }
                }
            });
            if (stopAt >= 0) {
                assertEquals(stopAt, trainer.progress().globalStep());
                Checkpoint.save(file, trainer, Map.of("ingot.model", recipe.name()));
            }
            return model.parameters().stream().map(Parameter::value).map(t -> t.toFloatArray()).toList();
        }
    }
}
