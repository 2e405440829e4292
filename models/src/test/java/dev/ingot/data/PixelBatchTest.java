package dev.ingot.data;

import dev.ingot.core.Backend;
import dev.ingot.core.Backends;
import dev.ingot.core.Shape;
import dev.ingot.core.Tensor;
import dev.ingot.core.TensorScope;
import dev.ingot.core.spec.ImageNormalization;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An 8-bit batch as the image pipeline hands it over: uploaded whole or as a replica's shard it is
 * the same bits on the CPU backend as its host form {@link Batch#toFloats()}, and malformed pixel
 * batches are refused with what is wrong.
 */
class PixelBatchTest {
    private static final int N = 5, C = 3, H = 7, W = 9;
    private static final ImageNormalization SPEC = new ImageNormalization(ImageNormalization.Layout.NHWC,
            ImageTransforms.IMAGENET_MEAN, ImageTransforms.IMAGENET_STD);

    private static Batch batch() {
        byte[] bytes = new byte[N * H * W * C];
        new SplittableRandom(3).nextBytes(bytes);
        return new Batch(null, new Batch.Pixels(bytes, C, SPEC), new int[N], N);
    }

    @Test
    void uploadedWholeOrAsAShardItIsItsHostForm() {
        Batch b = batch();
        float[] host = b.toFloats();
        try (Backend cpu = Backends.get("cpu"); TensorScope scope = TensorScope.open()) {
            Tensor x = cpu.zeros(Shape.of(N, C, H, W));
            b.upload(cpu, x);
            assertArrayEquals(host, x.toFloatArray());
            Tensor shard = cpu.zeros(Shape.of(2, C, H, W));
            b.upload(cpu, shard, 3);   // images 3 and 4
            assertArrayEquals(Arrays.copyOfRange(host, 3 * C * H * W, N * C * H * W), shard.toFloatArray());
        }
    }

    @Test
    void malformedPixelBatchesAreRefused() {
        byte[] bytes = new byte[N * H * W * C];
        IllegalArgumentException both = assertThrows(IllegalArgumentException.class,
                () -> new Batch(new float[bytes.length], new Batch.Pixels(bytes, C, SPEC), new int[N], N));
        assertTrue(both.getMessage().contains("either float images or pixels"), both.getMessage());
        IllegalArgumentException size = assertThrows(IllegalArgumentException.class,
                () -> new Batch(null, new Batch.Pixels(new byte[7], C, SPEC), new int[2], 2));
        assertTrue(size.getMessage().contains("7 image values"), size.getMessage());
        IllegalArgumentException channels = assertThrows(IllegalArgumentException.class,
                () -> new Batch.Pixels(bytes, 2, SPEC));
        assertTrue(channels.getMessage().contains("2 channels"), channels.getMessage());
        IllegalArgumentException shard = assertThrows(IllegalArgumentException.class,
                () -> new Batch(new float[12], new int[2], 2).upload(null, null, 1));
        assertTrue(shard.getMessage().contains("from 0"), shard.getMessage());
    }
}
