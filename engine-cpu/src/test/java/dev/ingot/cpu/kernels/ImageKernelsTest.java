package dev.ingot.cpu.kernels;

import dev.ingot.core.spec.ImageNormalization;
import dev.ingot.core.spec.ImageNormalization.Layout;
import dev.ingot.cpu.parallel.Parallel;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * imagesFromHost's CPU kernel writes the same bits on one thread and on several (batches large
 * enough to be split: 8 x 3 x 224 x 224), in both layouts, with a nonzero offset, and they are the
 * spec's formula evaluated per element; a second call with another normalisation rebuilds the table.
 * (Parity with the reference on every backend is the op table's imagesFromHost record.)
 */
class ImageKernelsTest {
    private static final int N = 8, C = 3, H = 224, W = 224, OFFSET = 3;

    private static byte[] pixels() {
        byte[] p = new byte[OFFSET + N * C * H * W];
        new SplittableRandom(15).nextBytes(p);
        return p;
    }

    private static float[] run(Parallel parallel, byte[] pixels, ImageNormalization spec) {
        float[] y = new float[N * C * H * W];
        new ImageKernels(parallel).fromHost(pixels, OFFSET, spec, y, N, C, H * W);
        return y;
    }

    @Test
    void sameBitsOnAnyThreadCountAndTheSpecFormula() {
        byte[] pixels = pixels();
        for (Layout layout : Layout.values()) {
            ImageNormalization spec = new ImageNormalization(layout, new float[] {0.485f, 0.456f, 0.406f},
                    new float[] {0.229f, 0.224f, 0.225f});
            float[] one = run(Parallel.withThreads(1), pixels, spec);
            float[] three = run(Parallel.withThreads(3), pixels, spec);
            for (int n = 0; n < N; n++) {
                for (int c = 0; c < C; c++) {
                    for (int q = 0; q < H * W; q++) {
                        int i = (n * C + c) * H * W + q;
                        int source = layout == Layout.NHWC ? (n * H * W + q) * C + c : i;
                        float expected = ((pixels[OFFSET + source] & 0xff) / 255f - spec.meanOf(c)) / spec.stdOf(c);
                        if (Float.floatToRawIntBits(one[i]) != Float.floatToRawIntBits(expected)
                                || Float.floatToRawIntBits(three[i]) != Float.floatToRawIntBits(expected)) {
                            assertEquals(expected, one[i], layout + " element " + i + " on 1 thread");
                            assertEquals(expected, three[i], layout + " element " + i + " on 3 threads");
                        }
                    }
                }
            }
        }
    }

    @Test
    void anotherNormalisationRebuildsTheTable() {
        byte[] pixels = pixels();
        ImageKernels kernels = new ImageKernels(Parallel.withThreads(2));
        float[] y = new float[N * C * H * W];
        kernels.fromHost(pixels, OFFSET, ImageNormalization.unit(Layout.NHWC), y, N, C, H * W);
        ImageNormalization half = new ImageNormalization(Layout.NHWC, new float[] {0.5f}, new float[] {0.5f});
        kernels.fromHost(pixels, OFFSET, half, y, N, C, H * W);
        int p = pixels[OFFSET] & 0xff;
        assertEquals((p / 255f - 0.5f) / 0.5f, y[0]);
    }
}
