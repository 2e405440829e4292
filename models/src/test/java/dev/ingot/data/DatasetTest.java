package dev.ingot.data;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DatasetTest {
    private static final List<String> TWO = List.of("no", "yes");

    @Test
    void subsetCopiesTheImagesAndLabelsInRange() {
        Dataset d = DataLoaderTest.numbered(5);
        Dataset s = d.subset(1, 3);
        assertEquals("numbered[1:3]", s.name());
        assertEquals(2, s.size());
        assertArrayEquals(new int[] {1, 2}, s.labels());
        assertEquals(1000f, s.images()[0]);
        assertEquals(2 * 24, s.images().length);
        assertEquals(0, d.subset(5, 5).size());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> d.subset(3, 6));
        assertTrue(e.getMessage().contains("subset [3, 6) is not within [0, 5]"), e.getMessage());
    }

    @Test
    void inconsistentPartsAreRejectedWithTheirSizes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Dataset("d", 1, 2, 2, new float[7], new int[2], TWO));
        assertTrue(e.getMessage().contains("2 labels need 2x1x2x2 = 8 image values, got 7"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new Dataset("d", 1, 1, 1, new float[2], new int[] {0, 2}, TWO));
        assertTrue(e.getMessage().contains("label 2 of image 1 is outside 0..1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Dataset("d", 0, 1, 1, new float[0], new int[0], TWO));
        assertTrue(e.getMessage().contains("got 0x1x1"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Dataset("d", 1, 1, 1, new float[0], new int[0], List.of()));
    }

    @Test
    void sizesAndCounts() {
        Dataset d = new Dataset("d", 3, 2, 2, new float[3 * 12], new int[] {1, 0, 1}, TWO);
        assertEquals(3, d.size());
        assertEquals(12, d.imageSize());
        assertArrayEquals(new int[] {1, 2}, d.labelCounts());
        assertEquals("Dataset[d: 3 images of 3x2x2, 2 classes]", d.toString());
    }

    @Test
    void unknownDatasetNamesListTheKnownOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Datasets.load("imagenet", Split.TRAIN, java.nio.file.Path.of("/nonexistent"), false));
        assertTrue(e.getMessage().contains("unknown dataset 'imagenet'; known: [mnist, fashion-mnist, cifar10]"), e.getMessage());
        assertEquals(DatasetSource.CIFAR10, Datasets.source("CIFAR-10"));
    }

    @Test
    void aBatchChecksItsSize() {
        assertEquals(4, new Batch(new float[8], new int[2], 2).imageSize());
        assertThrows(IllegalArgumentException.class, () -> new Batch(new float[8], new int[3], 2));
        assertThrows(IllegalArgumentException.class, () -> new Batch(new float[7], new int[2], 2));
    }
}
