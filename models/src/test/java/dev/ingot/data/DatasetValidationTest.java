package dev.ingot.data;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A Dataset refuses what would turn into silent garbage later (issue 19): a non-finite pixel
 * (evaluation returned NaN without a word; training wrote NaN weights before any check saw it)
 * and an image whose size overflows an int (reported as size 0).
 */
class DatasetValidationTest {

    @Test
    void nonFinitePixelsAreRefusedNamingTheImage() {
        for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}) {
            float[] images = new float[3 * 4];
            images[2 * 4 + 1] = bad;
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new Dataset("d", 1, 2, 2, images, new int[3], List.of("a")));
            assertTrue(e.getMessage().startsWith("Dataset 'd': image 2 has the non-finite pixel " + bad
                    + " at value 1 of 4"), e.getMessage());
        }
    }

    @Test
    void anImageLargerThanAnArrayIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Dataset("huge", 3, 1 << 15, 1 << 15, new float[0], new int[0], List.of("a")));
        assertTrue(e.getMessage().contains("3x32768x32768 = 3221225472 values is larger than"), e.getMessage());
    }
}
