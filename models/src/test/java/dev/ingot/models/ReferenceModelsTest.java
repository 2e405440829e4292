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
        assertEquals(List.of("mnist-mlp", "mnist-cnn", "cifar10-cnn"), ReferenceModels.names());
        assertEquals("mnist", ReferenceModels.get("MNIST-CNN").dataset());
        assertEquals("cifar10", ReferenceModels.get("cifar10-cnn").dataset());
        assertEquals(Shape.of(3, 32, 32), ReferenceModels.get("cifar10-cnn").inputShape());
        assertEquals(10, ReferenceModels.get("cifar10-cnn").epochs());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ReferenceModels.get("vgg"));
        assertTrue(e.getMessage().contains("mnist-mlp, mnist-cnn, cifar10-cnn"), e.getMessage());
    }
}
