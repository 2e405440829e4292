package dev.ingot.data;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AugmentationTest {
    /** A 3x3 single-channel image 1..9, row-major. */
    private static final float[] NINE = {1, 2, 3, 4, 5, 6, 7, 8, 9};

    private static float[] apply(float[] src, int c, int h, int w, Augmentation.Draw draw) {
        float[] dst = new float[src.length];
        java.util.Arrays.fill(dst, Float.NaN);   // every value must be written
        Augmentation.apply(src, 0, dst, 0, c, h, w, draw);
        return dst;
    }

    @Test
    void flipMirrorsEachRow() {
        assertArrayEquals(new float[] {3, 2, 1, 6, 5, 4, 9, 8, 7}, apply(NINE, 1, 3, 3, new Augmentation.Draw(0, 0, true)));
    }

    @Test
    void shiftMovesThePictureAndPadsWithZeros() {
        // out[y][x] = in[y + 1][x - 1]: the picture moves up one row and right one column.
        assertArrayEquals(new float[] {0, 4, 5, 0, 7, 8, 0, 0, 0}, apply(NINE, 1, 3, 3, new Augmentation.Draw(1, -1, false)));
        // out[y][x] = in[y - 2][x + 2]
        assertArrayEquals(new float[] {0, 0, 0, 0, 0, 0, 3, 0, 0}, apply(NINE, 1, 3, 3, new Augmentation.Draw(-2, 2, false)));
    }

    @Test
    void shiftThenFlipCombine() {
        // crop (out[y][x] = in[y][x + 1]) then mirror: row 1 2 3 -> 2 3 0 -> 0 3 2.
        assertArrayEquals(new float[] {0, 3, 2, 0, 6, 5, 0, 9, 8}, apply(NINE, 1, 3, 3, new Augmentation.Draw(0, 1, true)));
        assertArrayEquals(new float[] {5, 4, 0, 8, 7, 0, 0, 0, 0}, apply(NINE, 1, 3, 3, new Augmentation.Draw(1, -1, true)));
    }

    @Test
    void aShiftBeyondTheImageLeavesZeros() {
        float[] zeros = new float[9];
        assertArrayEquals(zeros, apply(NINE, 1, 3, 3, new Augmentation.Draw(0, 4, false)));
        assertArrayEquals(zeros, apply(NINE, 1, 3, 3, new Augmentation.Draw(0, -4, true)));
        assertArrayEquals(zeros, apply(NINE, 1, 3, 3, new Augmentation.Draw(-3, 0, false)));
    }

    @Test
    void everyChannelGetsTheSameShiftAndFlipAtOffsets() {
        int c = 3;
        int h = 5;
        int w = 7;   // odd sizes: nothing lines up with anything
        float[] src = new float[2 * c * h * w];
        for (int i = 0; i < src.length; i++) {
            src[i] = i + 1;
        }
        Augmentation.Draw draw = new Augmentation.Draw(-1, 2, true);
        float[] dst = new float[2 * c * h * w];
        Augmentation.apply(src, c * h * w, dst, c * h * w, c, h, w, draw);   // the second image into the second slot
        for (int ch = 0; ch < c; ch++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    int sy = y - 1;
                    int sx = (w - 1 - x) + 2;
                    float expected = sy < 0 || sy >= h || sx < 0 || sx >= w ? 0 : src[c * h * w + (ch * h + sy) * w + sx];
                    assertEquals(expected, dst[c * h * w + (ch * h + y) * w + x], "c=" + ch + " y=" + y + " x=" + x);
                }
            }
        }
        for (int i = 0; i < c * h * w; i++) {
            assertEquals(0f, dst[i], "the first slot is untouched");
        }
    }

    @Test
    void drawsArePureFunctionsOfSeedEpochAndIndex() {
        Augmentation a = Augmentation.cifarStandard();
        for (int i = 0; i < 50; i++) {
            assertEquals(a.draw(7, 3, i), a.draw(7, 3, i));
        }
        int differentEpoch = 0;
        int differentSeed = 0;
        for (int i = 0; i < 200; i++) {
            differentEpoch += a.draw(7, 3, i).equals(a.draw(7, 4, i)) ? 0 : 1;
            differentSeed += a.draw(7, 3, i).equals(a.draw(8, 3, i)) ? 0 : 1;
        }
        // 9 * 9 * 2 = 162 equally likely draws: a chance repeat is rare.
        assertTrue(differentEpoch > 180, "draws differ across epochs: " + differentEpoch + "/200");
        assertTrue(differentSeed > 180, "draws differ across seeds: " + differentSeed + "/200");
    }

    @Test
    void drawsCoverEveryShiftAndFlipAboutHalfTheTime() {
        Augmentation a = Augmentation.cifarStandard();
        Set<Integer> dys = new HashSet<>();
        Set<Integer> dxs = new HashSet<>();
        int flips = 0;
        int n = 20_000;
        for (int i = 0; i < n; i++) {
            Augmentation.Draw d = a.draw(1, 0, i);
            dys.add(d.shiftY());
            dxs.add(d.shiftX());
            flips += d.flip() ? 1 : 0;
        }
        assertEquals(Set.of(-4, -3, -2, -1, 0, 1, 2, 3, 4), dys);
        assertEquals(Set.of(-4, -3, -2, -1, 0, 1, 2, 3, 4), dxs);
        // Binomial(20000, 1/2): sd ~71; 5 sd either side.
        assertTrue(Math.abs(flips - n / 2) < 360, "flips " + flips);
    }

    @Test
    void flipOnlyNeverShiftsAndCropOnlyNeverFlips() {
        Augmentation flipOnly = new Augmentation(false, 0, true);
        Augmentation cropOnly = new Augmentation(true, 2, false);
        for (int i = 0; i < 500; i++) {
            Augmentation.Draw f = flipOnly.draw(3, 1, i);
            assertEquals(0, f.shiftY());
            assertEquals(0, f.shiftX());
            Augmentation.Draw c = cropOnly.draw(3, 1, i);
            assertTrue(!c.flip() && Math.abs(c.shiftX()) <= 2 && Math.abs(c.shiftY()) <= 2, c.toString());
        }
    }

    @Test
    void noneIsTheIdentity() {
        Augmentation none = Augmentation.none();
        assertTrue(none.isIdentity());
        assertEquals(Augmentation.Draw.IDENTITY, none.draw(1, 2, 3));
        float[] dst = new float[9];
        none.applyDrawn(NINE, 0, dst, 0, 1, 3, 3, 1, 2, 3);
        assertArrayEquals(NINE, dst);
        assertEquals(new Augmentation(true, 4, true), Augmentation.cifarStandard());
    }

    @Test
    void applyDrawnUsesTheDraw() {
        Augmentation a = Augmentation.cifarStandard();
        float[] dst = new float[9];
        a.applyDrawn(NINE, 0, dst, 0, 1, 3, 3, 5, 6, 7);
        assertArrayEquals(apply(NINE, 1, 3, 3, a.draw(5, 6, 7)), dst);
        assertNotEquals(a.draw(5, 6, 7), a.draw(5, 6, 8));
    }

    @Test
    void inconsistentSettingsAreRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Augmentation(true, 0, false));
        assertTrue(e.getMessage().contains("cropPadding > 0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Augmentation(false, 4, false));
        assertTrue(e.getMessage().contains("cropPadding 4 is set but randomCrop is off"), e.getMessage());
    }

    @Test
    void reflectPaddingMirrorsAtTheEdgeWithoutRepeatingIt() {
        // F.pad(NINE, (1,)*4, 'reflect') cropped at (2, 0): rows r(1), r(2), r(3) = 1, 2, 1 and columns r(-1..1) = 1, 0, 1.
        float[] dst = new float[9];
        java.util.Arrays.fill(dst, Float.NaN);
        Augmentation.applyReflect(NINE, 0, dst, 0, 1, 3, 3, new Augmentation.Draw(1, -1, false));
        assertArrayEquals(new float[] {5, 4, 5, 8, 7, 8, 5, 4, 5}, dst);
        // flipped after the shift: row 1 2 3 shifted by +1 -> 2 3 2, mirrored -> 2 3 2
        Augmentation.applyReflect(NINE, 0, dst, 0, 1, 3, 3, new Augmentation.Draw(0, 1, true));
        assertArrayEquals(new float[] {2, 3, 2, 5, 6, 5, 8, 9, 8}, dst);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Augmentation.applyReflect(NINE, 0, new float[9], 0, 1, 3, 3, new Augmentation.Draw(3, 0, false)));
        assertTrue(e.getMessage().contains("shift of 3, 0") && e.getMessage().contains("3x3"), e.getMessage());
    }

    @Test
    void airbenchAugmentationAppliesReflectPadding() {
        Augmentation a = Augmentation.airbench(2);
        assertEquals(new Augmentation(true, 2, true, true, true), a);
        float[] src = new float[3 * 8 * 8];
        for (int i = 0; i < src.length; i++) {
            src[i] = i + 1;
        }
        float[] dst = new float[src.length];
        float[] expected = new float[src.length];
        a.applyDrawn(src, 0, dst, 0, 3, 8, 8, 9, 4, 17);
        Augmentation.applyReflect(src, 0, expected, 0, 3, 8, 8, a.draw(9, 4, 17));
        assertArrayEquals(expected, dst);
        for (float v : dst) {
            assertTrue(v > 0, "reflect padding writes no zeros");
        }
    }

    @Test
    void alternatingFlipSeesEveryImageBothWaysEveryTwoEpochs() {
        Augmentation a = Augmentation.airbench(2);
        int flippedAtEpoch0 = 0;
        Set<Augmentation.Draw> shifts = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            boolean f0 = a.draw(7, 0, i).flip();
            flippedAtEpoch0 += f0 ? 1 : 0;
            for (int epoch = 1; epoch < 6; epoch++) {
                Augmentation.Draw d = a.draw(7, epoch, i);
                assertEquals(f0 ^ (epoch % 2 == 1), d.flip(), "image " + i + " epoch " + epoch);
                shifts.add(new Augmentation.Draw(d.shiftY(), d.shiftX(), false));
            }
            assertEquals(a.draw(7, 3, i), a.draw(7, 3, i), "a pure function of (seed, epoch, index)");
        }
        assertTrue(flippedAtEpoch0 > 430 && flippedAtEpoch0 < 570, "a fair coin per image: " + flippedAtEpoch0);
        assertEquals(25, shifts.size(), "every shift in [-2, 2]^2 occurs");
        int differ = 0;
        for (int i = 0; i < 1000; i++) {
            differ += a.draw(7, 0, i).flip() != a.draw(8, 0, i).flip() ? 1 : 0;
        }
        assertTrue(differ > 400 && differ < 600, "another seed, other coins: " + differ);
    }

    @Test
    void alternatingFlipAndReflectNeedTheirBase() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Augmentation(true, 2, false, true, true));
        assertTrue(e.getMessage().contains("horizontalFlip"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Augmentation(false, 0, true, true, false));
        assertTrue(e.getMessage().contains("randomCrop"), e.getMessage());
    }
}
