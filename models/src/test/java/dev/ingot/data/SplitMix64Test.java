package dev.ingot.data;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SplitMix64Test {

    @Test
    void matchesTheReferenceStreamForSeedZero() {
        // The first outputs of Vigna's splitmix64.c seeded with 0.
        SplitMix64 r = new SplitMix64(0);
        assertEquals(0xe220a8397b1dcdafL, r.nextLong());
        assertEquals(0x6e789e6aa1b965f4L, r.nextLong());
        assertEquals(0x06c45d188009454fL, r.nextLong());
    }

    @Test
    void boundedIntsAreInRangeAndEvenlySpread() {
        SplitMix64 r = SplitMix64.of(1, 2, 3, 4);
        int[] counts = new int[7];
        int n = 70_000;
        for (int i = 0; i < n; i++) {
            counts[r.nextInt(7)]++;
        }
        for (int c : counts) {
            // Binomial(70000, 1/7): mean 10000, sd ~93; 6 sd either side.
            assertTrue(Math.abs(c - 10_000) < 560, "count " + c);
        }
        assertEquals(0, SplitMix64.of(1, 2, 3, 4).nextInt(1));
        assertThrows(IllegalArgumentException.class, () -> r.nextInt(0));
    }

    @Test
    void streamsDependOnEveryPartOfTheKey() {
        long base = SplitMix64.of(1, 2, 3, 4).nextLong();
        assertTrue(base != SplitMix64.of(0, 2, 3, 4).nextLong());
        assertTrue(base != SplitMix64.of(1, 0, 3, 4).nextLong());
        assertTrue(base != SplitMix64.of(1, 2, 0, 4).nextLong());
        assertTrue(base != SplitMix64.of(1, 2, 3, 0).nextLong());
        assertTrue(SplitMix64.of(1, 2, 3, 4).nextLong() == base);
        // Swapping epoch and index must not give the same stream.
        assertTrue(SplitMix64.of(1, 2, 4, 3).nextLong() != base);
    }
}
