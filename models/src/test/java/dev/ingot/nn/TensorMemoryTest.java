package dev.ingot.nn;

import dev.ingot.core.Backend;
import dev.ingot.core.Shape;
import dev.ingot.data.Dataset;
import dev.ingot.data.Datasets;
import dev.ingot.data.SharedData;
import dev.ingot.data.Split;
import dev.ingot.models.ReferenceModel;
import dev.ingot.models.ReferenceModels;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Tensor memory does not grow with time: training {@code mnist-mlp} on real MNIST for more than
 * 2,000 steps, with a partial last batch every epoch, validation after every epoch and an
 * evaluation at a batch size never seen before every epoch, the backend's tensor memory after the
 * first epoch never exceeds the first epoch's peak by more than 1 %. (Every layer's buffer cache
 * used to keep one set of buffers per batch size: +48 % from the first partial batch on, and
 * without bound over many evaluation batch sizes.)
 */
class TensorMemoryTest {
    private static final int TRAIN = 2000;   // 62 batches of 32 and a partial one of 16
    private static final int BATCH = 32;
    private static final int EPOCHS = 33;    // 33 * 63 = 2079 steps

    @Test
    void tensorMemoryAfterTheFirstEpochStaysWithinOnePercent() {
        Path data = SharedData.require("mnist");
        ReferenceModel recipe = ReferenceModels.get("mnist-mlp");
        Dataset train = Datasets.load("mnist", Split.TRAIN, data, false).subset(0, TRAIN);
        Dataset test = Datasets.load("mnist", Split.TEST, data, false).subset(0, 500);
        try (Backend backend = TestBackend.open();
             Model model = recipe.newModel().build(backend, recipe.inputShape(), 3);
             Trainer trainer = new Trainer(model, new CrossEntropyLoss(), recipe.newOptimizer(), 3)) {
            long[] firstEpochPeak = {0};
            long[] laterPeak = {0};
            long[] steps = {0};
            long[] samples = {0};
            TrainingListener sampler = new TrainingListener() {
                void sample(int epoch) {
                    long bytes = backend.bytesInUse();
                    samples[0]++;
                    if (epoch == 1) {
                        firstEpochPeak[0] = Math.max(firstEpochPeak[0], bytes);
                    } else {
                        laterPeak[0] = Math.max(laterPeak[0], bytes);
                    }
                }

                @Override
                public void stepFinished(int epoch, int step, int stepsInEpoch, long images, double loss, double acc) {
                    steps[0]++;
                    sample(epoch);
                }

                @Override
                public void epochFinished(EpochMetrics metrics, EvaluationReport validation) {
                    sample(metrics.epoch());
                    // An evaluation at a batch size no earlier call used (40 in the first epoch, then
                    // 39, 38, ...): a cache per batch size grows with every one.
                    trainer.evaluate(test, 41 - metrics.epoch());
                    sample(metrics.epoch());
                }
            };
            trainer.fit(train, EPOCHS, BATCH, test, sampler);
            assertEquals((long) EPOCHS * 63, steps[0]);
            assertTrue(steps[0] >= 2000);
            assertTrue(firstEpochPeak[0] > 0);
            double growth = (double) laterPeak[0] / firstEpochPeak[0] - 1;
            System.out.printf("tensor memory: %d steps, %d samples, first-epoch peak %d bytes, later peak %d bytes"
                    + " (%+.3f %%)%n", steps[0], samples[0], firstEpochPeak[0], laterPeak[0], 100 * growth);
            assertTrue(growth <= 0.01, "tensor memory grew by " + 100 * growth + " % after the first epoch: "
                    + firstEpochPeak[0] + " -> " + laterPeak[0] + " bytes");
        }
    }

    @Test
    void aLayersBufferCacheHoldsOneSetHoweverManyBatchSizes() {
        try (Backend backend = TestBackend.open(); TensorCache cache = new TensorCache()) {
            cache.bind(backend);
            for (int n = 1; n <= 50; n++) {
                cache.get("y", Shape.of(n, 10));
                cache.get("dx", Shape.of(n, 784));
            }
            assertEquals(4L * 50 * (10 + 784), cache.bytes());
            assertEquals(4L * 50 * (10 + 784), backend.bytesInUse());
            var kept = cache.get("y", Shape.of(50, 10));
            assertTrue(kept == cache.get("y", Shape.of(50, 10)), "the same shape is a lookup");
            cache.get("y", Shape.of(7, 10));
            assertThrows(IllegalStateException.class, kept::toFloatArray,
                    "a replaced buffer is closed: using it fails loudly instead of reading stale values");
        }
    }
}
