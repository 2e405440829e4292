package dev.ingot.nn;

import dev.ingot.core.Backend;
import dev.ingot.core.Shape;
import dev.ingot.data.Dataset;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Test-time augmentation: the views as PyTorch's flip and reflect padding make them, and evaluation over them. */
class TestTimeAugmentationTest {
    private static final Backend backend = TestBackend.shared();
    private static final Dataset TEST = SyntheticData.bands("bands-tta", 40, 1, 9, 8, 3, 21);

    /**
     * One 3x3 plane [[1,2,3],[4,5,6],[7,8,9]]. torch: F.pad(x, (1,1,1,1), 'reflect')[..., 0:3, 0:3]
     * = [[5,4,5],[2,1,2],[5,4,5]] (a shift by -1), and .flip(-1) of it [[5,4,5],[2,1,2],[5,4,5]].
     */
    @Test
    void viewsAreFlipsAndReflectPaddedShifts() {
        float[] src = {1, 2, 3, 4, 5, 6, 7, 8, 9};
        float[] dst = new float[9];
        TestTimeAugmentation.render(new TestTimeAugmentation.View(0, 0, true, 1f), src, dst, 1, 1, 3, 3);
        assertArrayEquals(new float[] {3, 2, 1, 6, 5, 4, 9, 8, 7}, dst);
        TestTimeAugmentation.render(new TestTimeAugmentation.View(-1, -1, false, 1f), src, dst, 1, 1, 3, 3);
        assertArrayEquals(new float[] {5, 4, 5, 2, 1, 2, 5, 4, 5}, dst);
        // [2:5, 2:5] of the padded image: a shift by +1, = [[5,6,5],[8,9,8],[5,6,5]]
        TestTimeAugmentation.render(new TestTimeAugmentation.View(1, 1, false, 1f), src, dst, 1, 1, 3, 3);
        assertArrayEquals(new float[] {5, 6, 5, 8, 9, 8, 5, 6, 5}, dst);
        // flip(shift(x, +1, +1)) = [[5,6,5],[8,9,8],[5,6,5]] mirrored
        TestTimeAugmentation.render(new TestTimeAugmentation.View(1, 1, true, 1f), src, dst, 1, 1, 3, 3);
        assertArrayEquals(new float[] {5, 6, 5, 8, 9, 8, 5, 6, 5}, dst);
        float[] two = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18};
        float[] out = new float[18];
        TestTimeAugmentation.render(new TestTimeAugmentation.View(0, 0, true, 1f), two, out, 2, 1, 3, 3);
        assertEquals(12, out[9], "the second image is mirrored on its own");
        assertThrows(IllegalArgumentException.class, () -> new TestTimeAugmentation(List.of(
                new TestTimeAugmentation.View(0, 0, false, 0.5f))), "weights must sum to 1");
        assertThrows(IllegalArgumentException.class, () -> TestTimeAugmentation.named("flip"));
        assertTrue(TestTimeAugmentation.none().isNone());
        assertEquals(6, TestTimeAugmentation.mirrorTranslate().views().size());
    }

    private static Dataset mirrored(Dataset d) {
        float[] images = new float[d.images().length];
        TestTimeAugmentation.render(new TestTimeAugmentation.View(0, 0, true, 1f), d.images(), images, d.size(),
                d.channels(), d.height(), d.width());
        return new Dataset(d.name() + "-mirrored", d.channels(), d.height(), d.width(), images, d.labels(), d.classes());
    }

    /** A one-view TTA equals evaluating the transformed images; mirror TTA's loss is the loss of the mean logits. */
    @Test
    void evaluationScoresTheWeightedViews() {
        try (Sequential model = TrainerTest.smallCnn().build(backend, Shape.of(1, 9, 8), 3);
             Trainer trainer = new Trainer(model, new CrossEntropyLoss(), new Adam(), 3)) {
            EvaluationReport plain = trainer.evaluate(TEST, 16);
            EvaluationReport onMirrored = trainer.evaluate(mirrored(TEST), 16);
            trainer.testTimeAugmentation(new TestTimeAugmentation(List.of(
                    new TestTimeAugmentation.View(0, 0, true, 1f))));
            EvaluationReport mirrorView = trainer.evaluate(TEST, 16);
            assertEquals(onMirrored.loss(), mirrorView.loss(), 1e-6);
            assertEquals(onMirrored.accuracy(), mirrorView.accuracy());
            trainer.testTimeAugmentation(TestTimeAugmentation.mirror());
            EvaluationReport both = trainer.evaluate(TEST, 16);
            assertNotEquals(plain.loss(), both.loss(), "the bands are not mirror-symmetric");
            trainer.testTimeAugmentation(TestTimeAugmentation.mirrorTranslate());
            assertEquals(TEST.size(), trainer.evaluate(TEST, 16).images());
        }
    }
}
