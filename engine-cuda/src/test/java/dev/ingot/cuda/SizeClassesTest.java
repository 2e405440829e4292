package dev.ingot.cuda;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SizeClassesTest {

    @Test
    void examplesFromTheClassComment() {
        assertEquals(512, SizeClasses.classOf(1));
        assertEquals(512, SizeClasses.classOf(512));
        assertEquals(640, SizeClasses.classOf(513));
        assertEquals(1024, SizeClasses.classOf(1000));
        assertEquals(1024, SizeClasses.classOf(1024));
        assertEquals(1280, SizeClasses.classOf(1025));
        assertEquals((3L << 20) + (1L << 18), SizeClasses.classOf((3L << 20) + 1));
        assertEquals(1L << 30, SizeClasses.classOf(1L << 30));
    }

    @Test
    void everyClassHoldsItsRequestWastesLittleAndIsAFixedPoint() {
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 200_000; i++) {
            long bytes = 1 + (random.nextLong(1L << random.nextInt(1, 40)));
            long c = SizeClasses.classOf(bytes);
            assertTrue(c >= bytes, bytes + " -> " + c);
            double waste = (c - bytes) / (double) c;
            double bound = bytes <= SizeClasses.MIN_BYTES ? 1.0 : bytes > (1 << 20) ? 0.125 : 0.25;
            assertTrue(waste <= bound, bytes + " -> " + c + " wastes " + waste);
            assertEquals(c, SizeClasses.classOf(c), "a class is its own class");
            assertEquals(0, c % 128, "blocks stay 128-byte multiples: " + c);
        }
    }

    @Test
    void classesAreMonotonic() {
        long previous = 0;
        for (long bytes = 1; bytes < 5_000_000; bytes += 97) {
            long c = SizeClasses.classOf(bytes);
            assertTrue(c >= previous, "classOf(" + bytes + ") = " + c + " < " + previous);
            previous = c;
        }
    }

    @Test
    void nonPositiveSizesAreRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SizeClasses.classOf(0));
        assertTrue(e.getMessage().contains("0 bytes"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> SizeClasses.classOf(-4));
    }
}
