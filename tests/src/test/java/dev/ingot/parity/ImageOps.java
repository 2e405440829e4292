package dev.ingot.parity;

import dev.ingot.core.Backend;
import dev.ingot.core.Shape;
import dev.ingot.core.Tensor;
import dev.ingot.core.spec.ImageNormalization;
import dev.ingot.core.spec.ImageNormalization.Layout;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static dev.ingot.parity.Values.stale;
import static dev.ingot.parity.Values.zeros;

/**
 * imagesFromHost: 8-bit pixels (NHWC as decoded, or NCHW) to the normalised float batch, bit for
 * bit (the spec fixes the float operations, so every backend writes the same bits): one and three
 * channels, one mean/std for all channels or one per channel (ImageNet's), odd sizes (vector tails),
 * an offset into the host array, every byte value 0..255, and the CIFAR-10 and 224 px batches the
 * image pipeline hands over. No gradient relation: the op turns data into the network's input and is
 * not differentiated (no parameter or activation upstream of it).
 */
final class ImageOps {
    private ImageOps() {
    }

    private static final float[] IMAGENET_MEAN = {0.485f, 0.456f, 0.406f};
    private static final float[] IMAGENET_STD = {0.229f, 0.224f, 0.225f};

    /** {@code offset}: bytes of other data before image 0. */
    record ImageCase(String label, Shape shape, Layout layout, boolean perChannel, int offset) {
        ImageNormalization spec() {
            int c = shape.dim(1);
            if (!perChannel) {
                return new ImageNormalization(layout, new float[] {0.5f}, new float[] {0.25f});
            }
            return c == 3 ? new ImageNormalization(layout, IMAGENET_MEAN, IMAGENET_STD)
                    : new ImageNormalization(layout, new float[] {0.1307f}, new float[] {0.3081f});
        }

        @Override
        public String toString() {
            return (label.isEmpty() ? "" : label + " ") + shape + " " + layout + (perChannel ? " per-channel" : " one mean/std")
                    + (offset == 0 ? "" : " offset " + offset);
        }
    }

    static List<ImageCase> cases() {
        List<ImageCase> cases = new ArrayList<>();
        for (Layout layout : Layout.values()) {
            for (Shape s : List.of(Shape.of(1, 1, 1, 1), Shape.of(1, 3, 1, 1), Shape.of(2, 3, 5, 7), Shape.of(3, 1, 28, 28),
                    Shape.of(2, 3, 17, 13), Shape.of(1, 2, 9, 9))) {
                cases.add(new ImageCase("", s, layout, true, 0));
                cases.add(new ImageCase("", s, layout, false, 0));
            }
            cases.add(new ImageCase("", Shape.of(2, 3, 16, 16), layout, true, 5));
            cases.add(new ImageCase("cifar10 batch", Shape.of(ReferenceModelLayers.BATCH, 3, 32, 32), layout, true, 0));
            cases.add(new ImageCase("224 px batch", Shape.of(4, 3, 224, 224), layout, true, 0));
        }
        cases.add(new ImageCase("unit", Shape.of(2, 3, 8, 8), Layout.NHWC, false, 0));
        return cases;
    }

    /** Bytes 0..255 (as ints), the first 256 of them every value once, so both ends of the range appear. */
    private static Values inputs(ImageCase c, SplittableRandom rnd, Backend ref) {
        int[] pixels = new int[c.offset() + (int) c.shape().size()];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = i < 256 ? i : rnd.nextInt(256);
        }
        return new Values().put("pixels", Shape.of(pixels.length), pixels);
    }

    private static Values run(Backend b, ImageCase c, Values in) {
        int[] values = in.i("pixels");
        byte[] pixels = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            pixels[i] = (byte) values[i];
        }
        ImageNormalization spec = c.label().equals("unit") ? ImageNormalization.unit(c.layout()) : c.spec();
        Tensor y = stale(b, c.shape());
        b.imagesFromHost(pixels, c.offset(), spec, y);
        return new Values().read("y", y);
    }

    private static final ImageNormalization RGB = new ImageNormalization(Layout.NHWC, IMAGENET_MEAN, IMAGENET_STD);

    static List<OpInfo<?>> records() {
        return List.of(
                OpInfo.of("imagesFromHost", ImageOps::cases, ImageOps::inputs, ImageOps::run,
                                (c, output) -> OpInfo.Rule.bits())
                        .rejects(
                                OpInfo.ErrorInput.of("imagesFromHost: too few pixels", "pixels 100 bytes y (1,3,8,8)",
                                        b -> b.imagesFromHost(new byte[100], 0, RGB, zeros(b, 1, 3, 8, 8)),
                                        "imagesFromHost", "'pixels'", "100 bytes", "needs 192"),
                                OpInfo.ErrorInput.of("imagesFromHost: offset past the pixels", "pixels 192 bytes offset 1",
                                        b -> b.imagesFromHost(new byte[192], 1, RGB, zeros(b, 1, 3, 8, 8)),
                                        "imagesFromHost", "'pixels'", "offset 1", "needs 192"),
                                OpInfo.ErrorInput.of("imagesFromHost: mean/std for other channels", "spec 3 channels y (1,2,4,4)",
                                        b -> b.imagesFromHost(new byte[32], 0, RGB, zeros(b, 1, 2, 4, 4)),
                                        "imagesFromHost", "'spec'", "2 channels"),
                                OpInfo.ErrorInput.of("imagesFromHost: y not rank 4", "y (3,64)",
                                        b -> b.imagesFromHost(new byte[192], 0, RGB, zeros(b, 3, 64)),
                                        "imagesFromHost", "'y'", "(N, C, H, W)"),
                                OpInfo.ErrorInput.of("imagesFromHost: null pixels", "pixels null",
                                        b -> b.imagesFromHost(null, 0, RGB, zeros(b, 1, 3, 2, 2)),
                                        "imagesFromHost", "'pixels'", "null"),
                                OpInfo.ErrorInput.of("imagesFromHost: negative offset", "offset -1",
                                        b -> b.imagesFromHost(new byte[12], -1, RGB, zeros(b, 1, 3, 2, 2)),
                                        "imagesFromHost", "offset -1")));
    }
}
