package dev.ingot.models;

import dev.ingot.core.Backend;
import dev.ingot.core.Shape;
import dev.ingot.nn.Model;
import dev.ingot.nn.TestBackend;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The reference models have exactly the shapes and parameter counts of their Keras originals. */
class ReferenceModelsTest {

    /** {@code model.summary()} of the Keras originals: total parameters and the per-layer output shapes. */
    @Test
    void parameterCountsMatchKerasSummaries() {
        try (Backend b = TestBackend.open()) {
            assertBuild(b, "mnist-mlp", 101_770, Shape.of(10), List.of(0L, 100_480L, 0L, 0L, 1_290L));
            // Conv 320 + 18,496 + 36,928, Dense 36,928 + 650 (28 -> 26 -> 13 -> 11 -> 5 -> 3, 3*3*64 = 576 features).
            assertBuild(b, "mnist-cnn", 93_322, Shape.of(10),
                    List.of(320L, 0L, 0L, 18_496L, 0L, 0L, 36_928L, 0L, 0L, 36_928L, 0L, 650L));
            // The TensorFlow CNN tutorial's summary: 896 + 18,496 + 36,928 + 65,600 + 650 = 122,570.
            assertBuild(b, "cifar10-cnn", 122_570, Shape.of(10),
                    List.of(896L, 0L, 0L, 18_496L, 0L, 0L, 36_928L, 0L, 0L, 65_600L, 0L, 650L));
        }
    }

    private static void assertBuild(Backend b, String name, long params, Shape out, List<Long> perLayer) {
        ReferenceModel recipe = ReferenceModels.get(name);
        long before = b.bytesInUse();
        try (Model model = recipe.newModel().build(b, recipe.inputShape(), 1)) {
            assertEquals(params, model.parameterCount(), name);
            assertEquals(out, model.outputShape(), name);
            assertEquals(perLayer, model.layers().stream()
                    .map(l -> l.parameters().stream().mapToLong(p -> p.size()).sum()).toList(), name);
            assertTrue(model.summary().contains("trainable parameters: " + params), model.summary());
        }
        assertEquals(before, b.bytesInUse(), "closing the model frees its parameters");
    }

    @Test
    void registryNamesModelsAndDatasets() {
        assertEquals(List.of("mnist-mlp", "mnist-cnn", "cifar10-cnn", "cifar10-resnet20", "cifar10-airbench94"),
                ReferenceModels.names());
        assertEquals(128, ReferenceModels.get("cifar10-resnet20").batchSize());
        assertTrue(ReferenceModels.get("cifar10-resnet20").augmentation().randomCrop());
        assertEquals("mnist", ReferenceModels.get("MNIST-CNN").dataset());
        assertEquals("cifar10", ReferenceModels.get("cifar10-cnn").dataset());
        assertEquals(Shape.of(3, 32, 32), ReferenceModels.get("cifar10-cnn").inputShape());
        assertEquals(10, ReferenceModels.get("cifar10-cnn").epochs());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ReferenceModels.get("vgg"));
        assertTrue(e.getMessage().contains("mnist-mlp, mnist-cnn, cifar10-cnn"), e.getMessage());
    }

    /**
     * ResNet-20 with projection shortcuts: 269,722 weights of He et al.'s option A (the paper's
     * "0.27M") plus the two 1x1 projections and their BatchNorms, 16*32 + 64 + 32*64 + 128 = 2,752.
     */
    @Test
    void resnet20HasTheCifarShapesAndParameterCount() {
        ReferenceModel recipe = ReferenceModels.get("cifar10-resnet20");
        try (Backend b = TestBackend.open(); Model model = recipe.newModel().build(b, recipe.inputShape(), 1)) {
            assertEquals(272_474, model.parameterCount(), model.summary());
            assertEquals(Shape.of(10), model.outputShape());
            assertEquals(19, model.layers().stream().filter(l -> l instanceof dev.ingot.nn.Conv2d).count() - 2,
                    "19 convolutions on the main path (+ 2 projections), + fc = 20 weighted layers");
            assertEquals(2 * (1 + 9 * 2 + 2), model.buffers().size(), "running mean and variance of 21 BatchNorms");
            assertTrue(model.parameters().stream().anyMatch(p -> p.name().equals("layer2.0.downsample.0.weight")));
            assertTrue(model.summary().contains("layer3.2.add"), model.summary());
        }
    }

    /** The recipe's optimizer for 50 epochs of 391 steps (50,000 images at batch 128). */
    @Test
    void resnet20RecipeIsSgdWithWeightDecayWarmupAndCosine() {
        try (dev.ingot.nn.Optimizer o = ReferenceModels.get("cifar10-resnet20").newOptimizer(391, 50)) {
            dev.ingot.nn.SGD sgd = (dev.ingot.nn.SGD) o;
            assertEquals("0.9", sgd.config().get("momentum"));
            assertEquals("5.0E-4", sgd.config().get("weight_decay"));
            assertEquals("391", sgd.config().get("warmup_steps"));
            assertEquals("cosine", sgd.config().get("schedule"));
            assertEquals(String.valueOf(50 * 391 - 391), sgd.config().get("schedule_steps"));
            assertEquals(0.1f / 391, sgd.learningRate(), 1e-9f);
            sgd.restoreSteps(390);
            assertEquals(0.1f, sgd.learningRate());
            sgd.restoreSteps(50 * 391 - 1);
            assertTrue(sgd.learningRate() < 1e-5f, "cosine ends near 0: " + sgd.learningRate());
        }
    }

    /** torchvision's counts: resnet18 11,689,512 and resnet50 25,557,032 at 1,000 classes (any input size). */
    @Test
    void torchvisionResNetsHaveTorchvisionsParameterCounts() {
        try (Backend b = TestBackend.open()) {
            try (Model r18 = ResNets.resnet18(1000).build(b, Shape.of(3, 224, 224), 1)) {
                assertEquals(11_689_512, r18.parameterCount());
                assertEquals(Shape.of(1000), r18.outputShape());
                assertEquals(List.of("conv1.weight", "bn1.weight", "bn1.bias", "layer1.0.conv1.weight"),
                        r18.parameters().subList(0, 4).stream().map(p -> p.name()).toList());
                assertTrue(r18.buffers().stream().anyMatch(x -> x.name().equals("layer4.1.bn2.running_var")));
            }
            try (Model small = ResNets.resnet18(7).build(b, Shape.of(1, 40, 56), 1)) {
                assertEquals(Shape.of(7), small.outputShape(), "any input size, any class count");
            }
            try (Model r50 = ResNets.resnet50(1000).build(b, Shape.of(3, 64, 64), 1)) {
                assertEquals(25_557_032, r50.parameterCount());
            }
        }
    }
}
