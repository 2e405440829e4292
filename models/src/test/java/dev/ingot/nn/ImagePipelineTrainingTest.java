package dev.ingot.nn;

import dev.ingot.core.Backend;
import dev.ingot.core.Shape;
import dev.ingot.data.Dataset;
import dev.ingot.data.ImageLoader;
import dev.ingot.data.ImageRecords;
import dev.ingot.data.ImageTransforms;
import dev.ingot.data.InMemoryImages;
import dev.ingot.nn.checkpoint.Checkpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Training from the parallel image pipeline ({@link ImageLoader} as a {@code BatchSource}) with
 * random transforms: an interrupted run resumed in fresh objects, with another worker count, ends
 * with the same weights, bit for bit, as the uninterrupted run.
 */
class ImagePipelineTrainingTest {
    private static final Dataset TRAIN = SyntheticData.bands("bands-train", 100, 1, 9, 8, 3, 11);
    private static final Dataset TEST = SyntheticData.bands("bands-test", 20, 1, 9, 8, 3, 12);
    private static final ImageRecords TRAIN_RECORDS = InMemoryImages.of(quantised(TRAIN));
    private static final ImageRecords TEST_RECORDS = InMemoryImages.of(quantised(TEST));
    private static final ImageTransforms AUGMENT = ImageTransforms.parse("pad-crop:1,hflip,jitter:0.3,normalize:0.5:0.25");
    private static final long SEED = 77;
    private static final Backend backend = TestBackend.shared();

    /** The same images with values in [0, 1] rounded to bytes, as image files hold them. */
    private static Dataset quantised(Dataset d) {
        float[] v = d.images().clone();
        for (int i = 0; i < v.length; i++) {
            v[i] = Math.round(Math.min(1f, Math.max(0f, v[i])) * 255f) / 255f;
        }
        return new Dataset(d.name(), d.channels(), d.height(), d.width(), v, d.labels(), d.classes());
    }

    private static ImageLoader loader(ImageRecords records, boolean train, int workers) {
        return ImageLoader.builder(records, 1, 9, 8).batchSize(16).seed(SEED).shuffle(train)
                .transforms(train ? AUGMENT : ImageTransforms.none().withNormalization(AUGMENT.mean(), AUGMENT.std()))
                .workers(workers).build();
    }

    private static Trainer newTrainer() {
        return new Trainer(TrainerTest.smallCnn().build(backend, Shape.of(1, 9, 8), SEED), new CrossEntropyLoss(),
                new Adam(), SEED);
    }

    private static float[][] weights(Trainer t) {
        return t.model().parameters().stream().map(p -> p.value().toFloatArray()).toArray(float[][]::new);
    }

    @Test
    void aResumedPipelineRunWithOtherWorkersEqualsTheUninterruptedOne(@TempDir Path dir) throws IOException {
        float[][] expected;
        double expectedValidation;
        try (var trainer = newTrainer(); var model = trainer.model();
             ImageLoader train = loader(TRAIN_RECORDS, true, 2); ImageLoader test = loader(TEST_RECORDS, false, 2)) {
            History h = trainer.fit(train, 3, test, null);
            expected = weights(trainer);
            expectedValidation = h.epochs().get(2).validationLoss();
        }
        Path file = dir.resolve("c.safetensors");
        try (var trainer = newTrainer(); var model = trainer.model();
             ImageLoader train = loader(TRAIN_RECORDS, true, 1); ImageLoader test = loader(TEST_RECORDS, false, 1)) {
            trainer.fit(train, 3, test, new TrainingListener() {
                @Override
                public void stepFinished(int epoch, int step, int steps, long images, double loss, double accuracy) {
                    if (trainer.progress().globalStep() == 10) {
                        trainer.requestStop();
                    }
                }
            });
            assertEquals(10, trainer.progress().globalStep());
            Checkpoint.save(file, trainer, Map.of("ingot.model", "small-cnn"));
        }
        try (var trainer = newTrainer(); var model = trainer.model();
             ImageLoader train = loader(TRAIN_RECORDS, true, 4); ImageLoader test = loader(TEST_RECORDS, false, 3)) {
            Checkpoint.read(file).restore(trainer);
            History h = trainer.fit(train, 3, test, null);
            float[][] got = weights(trainer);
            for (int i = 0; i < expected.length; i++) {
                assertArrayEquals(expected[i], got[i], "parameter " + i + " differs after resuming");
            }
            assertEquals(expectedValidation, h.epochs().get(2).validationLoss());
        }
    }
}
