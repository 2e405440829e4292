package dev.ingot.models;

import dev.ingot.core.Backend;
import dev.ingot.core.Shape;
import dev.ingot.data.Augmentation;
import dev.ingot.data.Dataset;
import dev.ingot.nn.CrossEntropyLoss;
import dev.ingot.nn.ExponentialMovingAverage;
import dev.ingot.nn.Model;
import dev.ingot.nn.Optimizer;
import dev.ingot.nn.Parameter;
import dev.ingot.nn.TestBackend;
import dev.ingot.nn.TestTimeAugmentation;
import dev.ingot.nn.Trainer;
import dev.ingot.core.spec.CrossEntropySpec;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** cifar10-airbench94: airbench94's network, set-up and optimizer, held against the PyTorch original's numbers. */
class AirbenchTest {

    /** Random 3x32x32 images in [0, 1] with labels 0..9, deterministic. */
    private static Dataset images(int n) {
        SplittableRandom r = new SplittableRandom(5);
        float[] x = new float[n * 3 * 32 * 32];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextDouble();
        }
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = i % 10;
        }
        return new Dataset("random", 3, 32, 32, x, y, List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9"));
    }

    /**
     * PyTorch's {@code make_net()} of bench/python/airbench94_reference.py has 1,972,792 parameters
     * ({@code sum(p.numel() for p in net.parameters())}); Ingot's adds the input normaliser's
     * frozen 3 + 3.
     */
    @Test
    void networkHasAirbenchsShapesAndParameterCount() {
        ReferenceModel recipe = ReferenceModels.get("cifar10-airbench94");
        try (Backend b = TestBackend.open(); Model model = recipe.newModel().build(b, recipe.inputShape(), 1)) {
            assertEquals(1_972_792 + 6, model.parameterCount(), model.summary());
            assertEquals(Shape.of(10), model.outputShape());
            assertEquals(Shape.of(24, 3, 2, 2), model.parameter("1.conv2d.weight").value().shape());
            assertEquals(1024, recipe.batchSize());
            assertEquals(0.2f, recipe.labelSmoothing());
            assertEquals(TestTimeAugmentation.mirrorTranslate(), recipe.testTimeAugmentation());
            assertEquals(Augmentation.airbench(2), recipe.augmentation());
        }
    }

    @Test
    void initializationWhitensFreezesAndSetsDirac() {
        ReferenceModel recipe = ReferenceModels.get("cifar10-airbench94");
        try (Backend b = TestBackend.open(); Model model = recipe.newModel().build(b, recipe.inputShape(), 1)) {
            recipe.initialize(model, images(40));
            List<String> trainable = model.trainableParameters().stream().map(Parameter::name).toList();
            assertFalse(trainable.contains("1.conv2d.weight"), "the whitening weights are frozen");
            assertTrue(trainable.contains("1.conv2d.bias"), "its bias trains (for the first 3 epochs)");
            assertFalse(trainable.stream().anyMatch(n -> n.endsWith(".batchnorm2d.weight")), "gammas frozen: " + trainable);
            assertFalse(trainable.stream().anyMatch(n -> n.startsWith("0.")), "the normaliser is fixed");
            // conv 24 -> 64, 3x3: filter k < 24 is Dirac on channel k; the other 40 keep U(+-1/sqrt(216)).
            float[] w = model.parameter("3.conv2d.weight").value().toFloatArray();
            assertEquals(1f, w[(5 * 24 + 5) * 9 + 4]);
            assertEquals(0f, w[(5 * 24 + 6) * 9 + 4]);
            double bound = 1 / Math.sqrt(24 * 9);
            double max = 0;
            for (int i = 24 * 24 * 9; i < w.length; i++) {
                max = Math.max(max, Math.abs(w[i]));
            }
            assertTrue(max <= bound + 1e-6 && max > 0.9 * bound, "PyTorch's default bound " + bound + ", max " + max);
            float[] whiten = model.parameter("1.conv2d.weight").value().toFloatArray();
            for (int i = 0; i < 12 * 12; i++) {
                assertEquals(-whiten[i], whiten[12 * 12 + i], 0f, "the second half is the first negated");
            }
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Airbench.initialize(null, null));
        assertTrue(e.getMessage().contains("--dataset"), e.getMessage());
    }

    /**
     * airbench's numbers at batch 1024: lr = 11.5 / k with k = 1024 (1 + 1 / 0.15) = 7850.67, so
     * the mean-loss rate is 11.5 * 1024 / k = 1.5; weight_decay = 0.0153 * 1024 / k / lr over 1024
     * is 0.0013305 (0.0013305 / 64 on the BatchNorm biases).
     */
    @Test
    void optimizerCarriesAirbenchsHyperParameters() {
        try (Optimizer o = ReferenceModels.get("cifar10-airbench94").newOptimizer(48, 10)) {
            assertTrue(o instanceof ExponentialMovingAverage ema && ema.lookahead());
            var c = o.config();
            assertEquals(1.5f, Float.parseFloat(c.get("learning_rate")), 1e-6f);
            assertEquals("0.85", c.get("momentum"));
            assertEquals("true", c.get("nesterov"));
            assertEquals("after 144 steps", c.get("freeze_1.conv2d.bias"));
            assertEquals("5", c.get("ema_every"));
            assertEquals("480", c.get("ema_final_step"));
            assertTrue(c.toString().contains("64.0"), "the biases' rate scale: " + c);
            assertTrue(c.toString().contains("0.0013305") || c.toString().contains("0.00133"), c.toString());
        }
    }

    /**
     * Two steps at batch 32 on random images, of a 5-step run (the lookahead's first update, which
     * would also be its final pull back onto the average, comes at step 5): the loss is finite and
     * the weights move.
     */
    @Test
    void recipeTrainsAStep() {
        ReferenceModel recipe = ReferenceModels.get("cifar10-airbench94");
        Dataset data = images(64);
        try (Backend b = TestBackend.open(); Model model = recipe.newModel().build(b, recipe.inputShape(), 3)) {
            recipe.initialize(model, data);
            float[] before = model.parameter("3.conv2d.weight").value().toFloatArray();
            try (Trainer trainer = new Trainer(model, new CrossEntropyLoss(new CrossEntropySpec(recipe.labelSmoothing(),
                    null)), recipe.newOptimizer(5, 1), 3)) {
                trainer.augmentation(recipe.augmentation());
                var history = trainer.fit(data, 1, 32, null, null);
                double loss = history.epochs().get(0).trainLoss();
                assertTrue(Double.isFinite(loss) && loss > 0, "loss " + loss);
            }
            assertNotEquals(before[24 * 24 * 9], model.parameter("3.conv2d.weight").value().toFloatArray()[24 * 24 * 9],
                    "a filter past the Dirac ones moved");
        }
    }
}
