package dev.ingot.core.spec;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The counter-based dropout mask: a pure function of (seed, index), uniform, SplitMix64 exactly. */
class DropoutSpecTest {

    @Test
    void isSplitMix64() {
        // The first outputs of SplitMix64 seeded with 0 are 0xE220A8397B1DCDAF, 0x6E789E6AA1B965F4,
        // 0x06C45D188009454F; uniform keeps their top 24 bits. A CUDA kernel must match these.
        assertEquals(0xE220A8 * 0x1.0p-24f, DropoutSpec.uniform(0, 0));
        assertEquals(0x6E789E * 0x1.0p-24f, DropoutSpec.uniform(0, 1));
        assertEquals(0x06C45D * 0x1.0p-24f, DropoutSpec.uniform(0, 2));
    }

    @Test
    void isAPureFunctionOfSeedAndIndex() {
        for (long i = 0; i < 1000; i++) {
            assertEquals(DropoutSpec.uniform(42, i), DropoutSpec.uniform(42, i));
        }
        int same = 0;
        for (long i = 0; i < 1000; i++) {
            if (DropoutSpec.uniform(42, i) == DropoutSpec.uniform(43, i)) {
                same++;
            }
        }
        assertTrue(same < 5, "another seed gives another mask (" + same + " of 1000 equal)");
        assertNotEquals(DropoutSpec.uniform(7, 0), DropoutSpec.uniform(7, 1));
    }

    @Test
    void isUniformInZeroOne() {
        int n = 200_000;
        int[] buckets = new int[10];
        double sum = 0;
        for (long i = 0; i < n; i++) {
            float u = DropoutSpec.uniform(-123456789L, i);
            assertTrue(u >= 0 && u < 1, "uniform out of [0, 1): " + u);
            buckets[(int) (u * 10)]++;
            sum += u;
        }
        assertEquals(0.5, sum / n, 0.005);
        for (int b : buckets) {
            assertEquals(n / 10.0, b, n / 10.0 * 0.03, "bucket counts within 3% of uniform");
        }
    }

    @Test
    void keepsTheRightFraction() {
        DropoutSpec spec = new DropoutSpec(0.2f, 99);
        int kept = 0;
        int n = 100_000;
        for (long i = 0; i < n; i++) {
            if (spec.keep(i)) {
                kept++;
            }
        }
        assertEquals(0.8, kept / (double) n, 0.01);
        DropoutSpec none = new DropoutSpec(0, 5);
        for (long i = 0; i < 1000; i++) {
            assertTrue(none.keep(i), "rate 0 keeps everything");
        }
        assertFalse(new DropoutSpec(0.999f, 5).keep(0) && new DropoutSpec(0.999f, 5).keep(1)
                && new DropoutSpec(0.999f, 5).keep(2), "rate 0.999 keeps almost nothing");
    }
}
