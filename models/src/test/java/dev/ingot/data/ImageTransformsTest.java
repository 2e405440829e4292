package dev.ingot.data;

import dev.ingot.data.image.UInt8Image;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ImageTransformsTest {

    static UInt8Image ramp(int h, int w) {
        byte[] p = new byte[h * w * 3];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                p[(y * w + x) * 3] = (byte) x;
                p[(y * w + x) * 3 + 1] = (byte) y;
                p[(y * w + x) * 3 + 2] = (byte) 200;
            }
        }
        return new UInt8Image(h, w, 3, p);
    }

    @Test
    void specStringsParseAndPrintBack() {
        ImageTransforms t = ImageTransforms.parse("resize:256,random-resized-crop:224,hflip,rotate:10,jitter:0.4,"
                + "pad-crop:4,center-crop:224,normalize:imagenet");
        assertEquals(7, t.steps().size());
        assertEquals(256, t.decodeHint());
        assertEquals(t.spec(), ImageTransforms.parse(t.spec()).spec());
        assertArrayEquals(ImageTransforms.IMAGENET_STD, t.std());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ImageTransforms.parse("blur:3"));
        assertTrue(e.getMessage().contains("unknown transform 'blur'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ImageTransforms.parse("resize:big"));
        assertTrue(e.getMessage().contains("'resize:big'"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ImageTransforms.parse("resize"));
    }

    @Test
    void resizeKeepsTheAspectAndAveragesWhenShrinking() {
        UInt8Image in = ramp(40, 80);
        UInt8Image out = new ImageTransform.Resize(20).apply(in, SplitMix64.of(0, 0, 0, 0));
        assertEquals(20, out.height());
        assertEquals(40, out.width());
        // output column x covers input columns 2x, 2x+1 (and half of each neighbour): mean 2x + 0.5
        for (int x = 1; x < 39; x++) {
            assertEquals(2 * x + 0.5, out.at(10, x, 0), 0.51, "column " + x);
        }
        assertEquals(200, out.at(5, 5, 2));
    }

    @Test
    void flipCropAndPadCropMoveThePixelsTheyShould() {
        UInt8Image in = ramp(6, 8);
        UInt8Image flipped = new ImageTransform.HorizontalFlip(1).apply(in, SplitMix64.of(0, 0, 0, 0));
        assertEquals(7, flipped.at(2, 0, 0));
        assertEquals(0, flipped.at(2, 7, 0));
        UInt8Image centre = new ImageTransform.CenterCrop(4).apply(in, null);
        assertEquals(2, centre.at(0, 0, 0));   // left = round((8 - 4) / 2) = 2
        assertEquals(1, centre.at(0, 0, 1));   // top = round((6 - 4) / 2) = 1
        UInt8Image padded = new ImageTransform.CenterCrop(10).apply(in, null);
        assertEquals(0, padded.at(0, 0, 2));   // outside: zero padding
        assertEquals(200, padded.at(5, 5, 2));
        for (int seed = 0; seed < 20; seed++) {
            UInt8Image moved = new ImageTransform.PadCrop(2).apply(in, SplitMix64.of(seed, 1, 2, 3));
            assertEquals(6, moved.height());
            assertEquals(8, moved.width());
        }
    }

    @Test
    void flipMirrorsEveryPixelAtAnyWidth() {
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(7);
        for (int channels : new int[] {1, 3}) {
            for (int w : new int[] {1, 2, 3, 4, 5, 17, 224}) {
                byte[] bytes = new byte[3 * w * channels];
                rnd.nextBytes(bytes);
                UInt8Image in = new UInt8Image(3, w, channels, bytes);
                UInt8Image out = new ImageTransform.HorizontalFlip(1).apply(in, SplitMix64.of(0, 0, 0, 0));
                for (int y = 0; y < 3; y++) {
                    for (int x = 0; x < w; x++) {
                        for (int c = 0; c < channels; c++) {
                            assertEquals(in.at(y, w - 1 - x, c), out.at(y, x, c), "width " + w + " (" + y + "," + x + "," + c + ")");
                        }
                    }
                }
            }
        }
    }

    /**
     * The resample against the plain form of its formula (every tap of the triangle, zero weights
     * included, accumulated from 0 in float): trimming zero taps and unrolling two-tap upscales
     * must not change a bit.
     */
    @Test
    void resampleIsItsPlainFormulaBitForBit() {
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(11);
        byte[] bytes = new byte[40 * 50 * 3];
        rnd.nextBytes(bytes);
        UInt8Image in = new UInt8Image(40, 50, 3, bytes);
        int[][] cases = {{3, 5, 30, 40, 64, 64}, {0, 0, 40, 50, 224, 224}, {1, 2, 37, 45, 20, 20}, {0, 0, 7, 9, 7, 30}};
        for (int[] k : cases) {
            UInt8Image out = ImageTransform.resample(in, k[0], k[1], k[2], k[3], k[4], k[5]);
            byte[] expected = plainResample(in, k[0], k[1], k[2], k[3], k[4], k[5]);
            assertArrayEquals(expected, out.pixels(), java.util.Arrays.toString(k));
        }
    }

    /** Pillow's triangle filter, untrimmed: weights as ImageTransform.Filter computes them before trimming. */
    private static float[][] plainWeights(int in, int out, int[] firstOut) {
        double scale = (double) in / out;
        double filterScale = Math.max(1, scale);
        double support = filterScale;
        int taps = (int) Math.ceil(support) * 2 + 1;
        float[][] weights = new float[out][];
        for (int i = 0; i < out; i++) {
            double centre = (i + 0.5) * scale;
            int lo = (int) Math.max(0, Math.floor(centre - support + 0.5));
            int hi = (int) Math.min(in, Math.floor(centre + support + 0.5));
            int n = Math.min(taps, hi - lo);
            float[] raw = new float[n];   // the weight rounded to float, divided by the double total
            double total = 0;
            for (int k = 0; k < n; k++) {
                double t = Math.abs((lo + k - centre + 0.5) / filterScale);
                double wgt = t < 1 ? 1 - t : 0;
                raw[k] = (float) wgt;
                total += wgt;
            }
            weights[i] = new float[n];
            for (int k = 0; k < n; k++) {
                weights[i][k] = (float) (total == 0 ? 1.0 / n : raw[k] / total);
            }
            firstOut[i] = lo;
        }
        return weights;
    }

    private static byte[] plainResample(UInt8Image in, int top, int left, int h, int w, int outH, int outW) {
        int c = in.channels();
        int[] fx0 = new int[outW], fy0 = new int[outH];
        float[][] fx = plainWeights(w, outW, fx0), fy = plainWeights(h, outH, fy0);
        float[] rows = new float[h * outW * c];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < outW; x++) {
                for (int ch = 0; ch < c; ch++) {
                    float s = 0;
                    for (int k = 0; k < fx[x].length; k++) {
                        s += fx[x][k] * in.at(top + y, left + fx0[x] + k, ch);
                    }
                    rows[(y * outW + x) * c + ch] = s;
                }
            }
        }
        byte[] out = new byte[outH * outW * c];
        for (int y = 0; y < outH; y++) {
            for (int i = 0; i < outW * c; i++) {
                float s = 0;
                for (int k = 0; k < fy[y].length; k++) {
                    s += fy[y][k] * rows[(fy0[y] + k) * outW * c + i];
                }
                float v = Math.max(0f, Math.min(255f, s));
                out[y * outW * c + i] = (byte) (int) (v + 0.5f);
            }
        }
        return out;
    }

    @Test
    void randomStepsArePureFunctionsOfTheirGenerator() {
        UInt8Image in = ramp(30, 40);
        ImageTransforms t = ImageTransforms.parse("random-resized-crop:16,hflip,rotate:30,jitter:0.5");
        UInt8Image a = t.apply(in, SplitMix64.of(1, 2, 3, 4));
        UInt8Image b = t.apply(in, SplitMix64.of(1, 2, 3, 4));
        assertArrayEquals(a.pixels(), b.pixels());
        assertEquals(16, a.height());
        assertEquals(16, a.width());
    }

    @Test
    void normalisationIsToTensorThenNormalize() {
        UInt8Image in = new UInt8Image(1, 2, 3, new byte[]{0, (byte) 255, 51, 102, 0, (byte) 255});
        ImageTransforms t = ImageTransforms.parse("normalize:0.5:0.5:0.5:0.25:0.5:1");
        float[] out = new Batch(null, new Batch.Pixels(in.pixels(), 3, t.normalization()), new int[1], 1).toFloats();
        // CHW: R of both pixels, then G, then B; (v/255 - 0.5) / std
        assertArrayEquals(new float[]{-2f, 0.4f / 0.25f - 2f, 1f, -1f, 0.2f - 0.5f, 0.5f}, out, 1e-5f);
        float[] plain = new Batch(null, new Batch.Pixels(in.pixels(), 3, ImageTransforms.none().normalization()),
                new int[1], 1).toFloats();
        assertEquals(255 / 255f, plain[2]);
        assertEquals(51 / 255f, plain[4]);
    }

    /** translate:2 moves by (dy, dx) in [-2, 2] and reflects, the same pixels as the in-memory Augmentation.applyReflect. */
    @Test
    void reflectTranslateMatchesTheInMemoryAugmentation() {
        UInt8Image in = ramp(6, 8);
        java.util.Set<Integer> shifts = new java.util.HashSet<>();
        for (int seed = 0; seed < 300; seed++) {
            UInt8Image moved = new ImageTransform.ReflectTranslate(2).apply(in, SplitMix64.of(seed, 1, 2, 3));
            int dx = moved.at(2, 2, 0) - 2;   // column 2 + dx stays inside: channel 0 holds the source column
            int dy = moved.at(2, 2, 1) - 2;
            shifts.add(dy * 10 + dx);
            float[] src = new float[3 * 6 * 8];
            for (int c = 0; c < 3; c++) {
                for (int y = 0; y < 6; y++) {
                    for (int x = 0; x < 8; x++) {
                        src[(c * 6 + y) * 8 + x] = in.at(y, x, c);
                    }
                }
            }
            float[] expected = new float[src.length];
            Augmentation.applyReflect(src, 0, expected, 0, 3, 6, 8, new Augmentation.Draw(dy, dx, false));
            for (int c = 0; c < 3; c++) {
                for (int y = 0; y < 6; y++) {
                    for (int x = 0; x < 8; x++) {
                        assertEquals(expected[(c * 6 + y) * 8 + x], moved.at(y, x, c), "seed " + seed + " at " + y + "," + x);
                    }
                }
            }
        }
        assertEquals(25, shifts.size(), "every shift in [-2, 2]^2 occurs");
        assertEquals("translate:2", ImageTransforms.parse("translate:2").spec());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ImageTransform.ReflectTranslate(6).apply(in, SplitMix64.of(0, 0, 0, 0)));
        assertTrue(e.getMessage().contains("translate:6"), e.getMessage());
    }
}
