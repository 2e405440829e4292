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
}
