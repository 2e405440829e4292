package dev.ingot.bench;

import dev.ingot.core.Shape;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The derived shapes are the ones the task lists, and the parameter counts are Keras' model.summary(). */
class ReferenceLayersTest {

    @Test
    void mnistCnnShapesFollowValidConvolutionAndPooling() {
        assertEquals(Shape.of(8, 32, 26, 26), ReferenceLayers.conv("mnist-cnn/conv1").outputShape(8));
        assertEquals(Shape.of(8, 32, 13, 13), ReferenceLayers.pool("mnist-cnn/pool1").outputShape(8));
        assertEquals(Shape.of(8, 64, 11, 11), ReferenceLayers.conv("mnist-cnn/conv2").outputShape(8));
        assertEquals(Shape.of(8, 64, 5, 5), ReferenceLayers.pool("mnist-cnn/pool2").outputShape(8));
        assertEquals(Shape.of(8, 64, 3, 3), ReferenceLayers.conv("mnist-cnn/conv3").outputShape(8));
        assertEquals(576, ReferenceLayers.dense("mnist-cnn/dense1").inputs());
        assertEquals(64, ReferenceLayers.dense("mnist-cnn/dense1").outputs());
        assertEquals(10, ReferenceLayers.dense("mnist-cnn/dense2").outputs());
    }

    @Test
    void cifarCnnShapesFollowValidConvolutionAndPooling() {
        assertEquals(Shape.of(2, 32, 30, 30), ReferenceLayers.conv("cifar10-cnn/conv1").outputShape(2));
        assertEquals(Shape.of(2, 32, 15, 15), ReferenceLayers.pool("cifar10-cnn/pool1").outputShape(2));
        assertEquals(Shape.of(2, 64, 13, 13), ReferenceLayers.conv("cifar10-cnn/conv2").outputShape(2));
        assertEquals(Shape.of(2, 64, 6, 6), ReferenceLayers.pool("cifar10-cnn/pool2").outputShape(2));
        assertEquals(Shape.of(2, 64, 4, 4), ReferenceLayers.conv("cifar10-cnn/conv3").outputShape(2));
        assertEquals(1024, ReferenceLayers.dense("cifar10-cnn/dense1").inputs());
    }

    @Test
    void mlpHasDropoutAfterItsHiddenLayerAndNoConvolutions() {
        ReferenceLayers.ReferenceModel mlp = ReferenceLayers.model("mnist-mlp");
        assertTrue(mlp.convs().isEmpty());
        assertEquals("mnist-mlp/dense1", mlp.dropout());
        assertEquals(List.of("mnist-mlp/dense1"), mlp.reluLayers());
        assertEquals(784, ReferenceLayers.dense("mnist-mlp/dense1").inputs());
        assertNull(ReferenceLayers.model("mnist-cnn").dropout());
    }

    @Test
    void parameterCountsMatchTheKerasOriginals() {
        assertEquals(101_770, ReferenceLayers.model("mnist-mlp").parameters());
        assertEquals(93_322, ReferenceLayers.model("mnist-cnn").parameters());
        assertEquals(122_570, ReferenceLayers.model("cifar10-cnn").parameters());
        long fromShapes = ReferenceLayers.model("cifar10-cnn").parameterShapes().stream().mapToLong(Shape::size).sum();
        assertEquals(122_570, fromShapes);
    }

    @Test
    void trainingStepFlopsSkipOnlyTheFirstLayersInputGradient() {
        int n = 32;
        // mnist-mlp: dense 784->128 (forward + weight gradient), dense 128->10 (all three products).
        long expected = 2L * n * 784 * 128 * 2 + 2L * n * 128 * 10 * 3;
        assertEquals(expected, ReferenceLayers.model("mnist-mlp").trainingStepFlops(n));
        long conv1 = 2L * n * 32 * 26 * 26 * 9;
        long conv2 = 2L * n * 64 * 11 * 11 * 32 * 9;
        long conv3 = 2L * n * 64 * 3 * 3 * 64 * 9;
        long dense = 2L * n * 576 * 64 + 2L * n * 64 * 10;
        assertEquals(2 * conv1 + 3 * (conv2 + conv3 + dense), ReferenceLayers.model("mnist-cnn").trainingStepFlops(n));
    }

    @Test
    void unknownNamesAreRejectedWithTheKnownOnes() {
        var e = assertThrows(IllegalArgumentException.class, () -> ReferenceLayers.model("resnet50"));
        assertTrue(e.getMessage().contains("mnist-mlp"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ReferenceLayers.conv("mnist-cnn/conv9"));
        assertTrue(e.getMessage().contains("mnist-cnn/conv1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ReferenceLayers.activationShape("mnist-cnn/pool1", 1));
        assertTrue(e.getMessage().contains("not a conv or dense layer"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ReferenceLayers.pool("pool1"));
        assertTrue(e.getMessage().contains("cifar10-cnn/conv1"), e.getMessage());
    }
}
