package dev.ingot.nn;

import dev.ingot.core.Backend;
import dev.ingot.core.Shape;
import dev.ingot.core.spec.AdamSpec;
import dev.ingot.core.spec.SgdSpec;
import dev.ingot.data.Dataset;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link Trainer#fit} and {@link Trainer#evaluate} on small synthetic images. */
class TrainerTest {
    private static final Backend backend = TestBackend.shared();
    private static final Dataset TRAIN = SyntheticData.bands("bands-train", 150, 1, 9, 8, 3, 1);
    private static final Dataset TEST = SyntheticData.bands("bands-test", 61, 1, 9, 8, 3, 2);

    static Sequential smallCnn() {
        return new Sequential(new Conv2d(4, 3), new ReLU(), new MaxPool2d(2), new Flatten(), new Dropout(0.1f),
                new Linear(3));
    }

    @Test
    void fitLearnsTheBandsAndRecordsHistory() {
        try (Sequential model = smallCnn().build(backend, Shape.of(1, 9, 8), 7);
             Trainer trainer = new Trainer(model, new CrossEntropyLoss(), new Adam(AdamSpec.withLearningRate(1e-2f)), 7)) {
            List<String> events = new ArrayList<>();
            History h = trainer.fit(TRAIN, 4, 16, TEST, new TrainingListener() {
                @Override
                public void epochStarted(int epoch, int epochs, int steps, int firstStep) {
                    events.add("start " + epoch + "/" + epochs + " steps " + steps + " from " + firstStep);
                }

                @Override
                public void epochFinished(EpochMetrics metrics, EvaluationReport validation) {
                    events.add("end " + metrics.epoch() + " " + validation.images());
                }
            });
            assertEquals(4, h.epochs().size());
            assertEquals("start 1/4 steps 10 from 0", events.getFirst());
            assertEquals("end 4 61", events.getLast());
            EpochMetrics first = h.epochs().getFirst(), last = h.last();
            assertTrue(last.trainLoss() < first.trainLoss(), "loss falls: " + h);
            assertTrue(last.validationAccuracy() > 0.9, "learns the bands: " + h);
            assertTrue(last.imagesPerSecond() > 0 && last.seconds() > 0);
            EvaluationReport report = trainer.evaluate(TEST, 7);
            assertEquals(61, report.images());
            assertEquals(last.validationAccuracy(), report.accuracy(), 1e-12, "batch size does not change accuracy");
            assertEquals(last.validationLoss(), report.loss(), 1e-5);
            assertEquals(61, report.confusion().total());
            assertTrue(report.format().contains("band2"));
            assertEquals(4 * 10, trainer.progress().globalStep());
            assertEquals(4, trainer.optimizer().steps() / 10);
        }
    }

    @Test
    void sgdWithMomentumTrainsToo() {
        try (Sequential model = smallCnn().build(backend, Shape.of(1, 9, 8), 8);
             Trainer trainer = new Trainer(model, new CrossEntropyLoss(), new SGD(new SgdSpec(0.1f, 0.9f, false)), 8)) {
            History h = trainer.fit(TRAIN, 3, 16, TEST, null);
            assertTrue(h.last().trainLoss() < h.epochs().getFirst().trainLoss(), h.toString());
        }
    }

    @Test
    void sameSeedSameRunDifferentSeedDifferentRun() {
        float[] a = trainedWeights(3), b = trainedWeights(3), c = trainedWeights(4);
        assertArrayEquals(a, b, "same seed, same weights bit for bit");
        assertTrue(!java.util.Arrays.equals(a, c), "another seed, other weights");
    }

    private static float[] trainedWeights(long seed) {
        try (Sequential model = smallCnn().build(backend, Shape.of(1, 9, 8), seed);
             Trainer trainer = new Trainer(model, new CrossEntropyLoss(), new Adam(), seed)) {
            trainer.fit(TRAIN, 1, 32, null, null);
            return model.parameters().getFirst().value().toFloatArray();
        }
    }

    @Test
    void steadyStateTrainingAllocatesNoTensorsAndCloseFreesEverything() {
        long before = backend.bytesInUse();
        Sequential model = smallCnn().build(backend, Shape.of(1, 9, 8), 9);
        Trainer trainer = new Trainer(model, new CrossEntropyLoss(), new Adam(), 9);
        trainer.fit(TRAIN, 1, 16, TEST, null);
        long afterFirstEpoch = backend.bytesInUse();
        trainer.fit(TRAIN, 3, 16, TEST, null);
        assertEquals(afterFirstEpoch, backend.bytesInUse(), "epochs 2 and 3 reuse the buffers of epoch 1");
        trainer.close();
        model.close();
        assertEquals(before, backend.bytesInUse(), "closing the trainer and the model frees every tensor");
    }

    /** A frozen first convolution: unchanged weights, and no backward pass runs through it (its gradient stays 0). */
    @Test
    void frozenStemOfASequentialIsLeftAlone() {
        try (Sequential model = smallCnn().build(backend, Shape.of(1, 9, 8), 12);
             Trainer trainer = new Trainer(model, new CrossEntropyLoss(), new Adam(), 12)) {
            assertEquals(2, model.freeze("0."));
            float[] w = model.parameter("0.conv2d.weight").value().toFloatArray();
            float[] fc = model.parameter("5.linear.weight").value().toFloatArray();
            trainer.fit(TRAIN, 1, 16, null, null);
            assertArrayEquals(w, model.parameter("0.conv2d.weight").value().toFloatArray());
            assertArrayEquals(new float[w.length], model.parameter("0.conv2d.weight").grad().toFloatArray());
            assertTrue(!java.util.Arrays.equals(fc, model.parameter("5.linear.weight").value().toFloatArray()));
            assertEquals(2, trainer.optimizer().state(model.trainableParameters()).size() / 2,
                    "Adam keeps moments for the trainable parameters only");
        }
    }

    @Test
    void rejectsDataTheModelCannotTake() {
        try (Sequential model = smallCnn().build(backend, Shape.of(1, 9, 8), 1);
             Trainer trainer = new Trainer(model, new CrossEntropyLoss(), new Adam(), 1)) {
            Dataset wrongShape = SyntheticData.bands("wide", 10, 1, 9, 9, 3, 1);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> trainer.fit(wrongShape, 1, 4, null, null));
            assertTrue(e.getMessage().contains("[1, 9, 9]") && e.getMessage().contains("[1, 9, 8]"), e.getMessage());
            Dataset fourClasses = SyntheticData.bands("four", 10, 1, 9, 8, 4, 1);
            e = assertThrows(IllegalArgumentException.class, () -> trainer.evaluate(fourClasses, 4));
            assertTrue(e.getMessage().contains("4 classes") && e.getMessage().contains("outputs 3"), e.getMessage());
        }
    }
}
