package dev.ingot.nn;

import dev.ingot.core.Backend;
import dev.ingot.core.Shape;
import dev.ingot.data.Augmentation;
import dev.ingot.data.Dataset;
import dev.ingot.nn.checkpoint.Checkpoint;
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
 * A uint8 dataset ({@link Dataset#ofPixels}, what the built-in readers make: batches of bytes the
 * backend scales) trains exactly as the float dataset of its values {@code p / 255f} (the readers'
 * former output): same weights, bit for bit, with every in-memory augmentation; and a uint8 run
 * interrupted mid-epoch resumes bit for bit.
 */
class PixelDatasetTrainingTest {
    private static final Dataset FLOATS = SyntheticData.bands("bands", 100, 1, 9, 8, 3, 11);
    private static final Dataset PIXELS = bytesOf(FLOATS);
    private static final Dataset TWIN = floatsOf(PIXELS);
    private static final int BATCH = 16; // 100 images: 6 full batches and a partial one of 4
    private static final long SEED = 77;
    private static final Backend backend = TestBackend.shared();

    /** The dataset quantised to bytes, {@code round(v * 255)}. */
    static Dataset bytesOf(Dataset d) {
        float[] v = d.images();
        byte[] p = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
            p[i] = (byte) Math.round(Math.min(1f, v[i]) * 255f);
        }
        return Dataset.ofPixels(d.name() + "-u8", d.channels(), d.height(), d.width(), p, d.labels(), d.classes());
    }

    /** A float dataset holding {@code p / 255f}: what the readers made before they kept bytes. */
    static Dataset floatsOf(Dataset pixels) {
        byte[] p = pixels.pixels();
        float[] v = new float[p.length];
        for (int i = 0; i < p.length; i++) {
            v[i] = (p[i] & 0xFF) / 255f;
        }
        return new Dataset(pixels.name() + "-f32", pixels.channels(), pixels.height(), pixels.width(), v,
                pixels.labels(), pixels.classes());
    }

    private static Trainer trainer(Augmentation augmentation) {
        Sequential model = TrainerTest.smallCnn().build(backend, Shape.of(1, 9, 8), SEED);
        return new Trainer(model, new CrossEntropyLoss(), new Adam(), SEED).augmentation(augmentation);
    }

    private static List<float[]> weights(Trainer t) {
        List<float[]> out = new ArrayList<>();
        for (Parameter p : t.model().parameters()) {
            out.add(p.value().toFloatArray());
        }
        for (var e : t.optimizer().state(t.model().parameters()).values()) {
            out.add(e.toFloatArray());
        }
        return out;
    }

    private static List<float[]> train(Dataset data, Augmentation augmentation, int epochs, List<Double> losses) {
        Trainer t = trainer(augmentation);
        try (Model model = t.model(); t) {
            History h = t.fit(data, epochs, BATCH, data, null);
            for (EpochMetrics m : h.epochs()) {
                losses.add(m.trainLoss());
                losses.add(m.validationLoss());
            }
            return weights(t);
        }
    }

    private static void assertSame(List<float[]> expected, List<float[]> actual) {
        assertEquals(expected.size(), actual.size());
        for (int i = 0; i < expected.size(); i++) {
            assertArrayEquals(expected.get(i), actual.get(i), "tensor " + i);
        }
    }

    @Test
    void aUint8DatasetTrainsBitForBitAsItsFloatValues() {
        assertTrue(PIXELS.holdsPixels());
        assertArrayEquals(TWIN.images(), PIXELS.images(), "the float view is p / 255f");
        for (Augmentation a : List.of(Augmentation.none(), new Augmentation(true, 2, true), Augmentation.airbench(2))) {
            List<Double> byteLosses = new ArrayList<>(), floatLosses = new ArrayList<>();
            List<float[]> fromBytes = train(PIXELS, a, 2, byteLosses);
            List<float[]> fromFloats = train(TWIN, a, 2, floatLosses);
            assertSame(fromFloats, fromBytes);
            assertEquals(floatLosses, byteLosses, "losses with " + a);
        }
    }

    @Test
    void testTimeAugmentationScoresUint8BatchesAsTheirFloats() {
        Trainer t = trainer(Augmentation.none());
        try (Model model = t.model(); t) {
            t.fit(PIXELS, 1, BATCH, null, null);
            t.testTimeAugmentation(TestTimeAugmentation.mirrorTranslate());
            EvaluationReport fromBytes = t.evaluate(PIXELS, 24);
            EvaluationReport fromFloats = t.evaluate(TWIN, 24);
            assertEquals(fromFloats.loss(), fromBytes.loss());
            assertEquals(fromFloats.accuracy(), fromBytes.accuracy());
        }
    }

    @Test
    void aUint8RunInterruptedMidEpochResumesBitForBit(@TempDir Path dir) throws IOException {
        Augmentation a = Augmentation.airbench(2);
        List<float[]> expected = train(PIXELS, a, 3, new ArrayList<>());
        Path file = dir.resolve("mid.safetensors");
        Trainer first = trainer(a);
        try (Model model = first.model(); first) {
            first.fit(PIXELS, 3, BATCH, null, new TrainingListener() {
                @Override
                public void stepFinished(int epoch, int step, int steps, long images, double loss, double accuracy) {
                    if (first.progress().globalStep() == 10) {
                        first.requestStop();
                    }
                }
            });
            assertEquals(10, first.progress().globalStep());
            Checkpoint.save(file, first, Map.of("ingot.model", "small-cnn"));
        }
        Trainer second = trainer(a);
        try (Model model = second.model(); second) {
            Checkpoint.read(file).restore(second);
            second.fit(PIXELS, 3, BATCH, PIXELS, null);
            assertSame(expected, weights(second));
        }
    }
}
