package dev.ingot.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ingot.data.Augmentation;
import dev.ingot.data.ImageTransforms;
import org.junit.jupiter.api.Test;

/** A recipe's in-memory augmentation as the image pipeline's transforms (train --dataset without --augment). */
class ImageDatasetOptionsTest {

    @Test
    void recipeAugmentationsBecomeTheSamePipelineTransforms() {
        assertEquals("pad-crop:4,hflip", ImageDatasetOptions.specOf(Augmentation.cifarStandard()));
        assertEquals("translate:2,alternating-flip", ImageDatasetOptions.specOf(Augmentation.airbench(2)));
        assertEquals("", ImageDatasetOptions.specOf(Augmentation.none()));
        // and they parse back
        assertEquals(2, ImageTransforms.parse(ImageDatasetOptions.specOf(Augmentation.airbench(2))).steps().size());
    }
}
