package dev.ingot.transfer;

import dev.ingot.data.ImageTransform;
import dev.ingot.data.ImageTransforms;
import dev.ingot.data.image.ImageDecodeException;
import dev.ingot.data.image.ImageDecoding;
import dev.ingot.data.image.UInt8Image;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Image files to 8-bit pixels, channel-first, decoded exactly as {@code ingot train --dataset}
 * decodes them: the data module's {@link ImageDecoding} (TurboJPEG through FFM for JPEG when the
 * library is there, javax.imageio otherwise and for PNG, BMP, GIF), Pillow's conversions to RGB or
 * grey, and for a fixed size the validation transforms {@link ImageTransforms#evaluation}.
 *
 * @param path     where it came from
 * @param channels 3 (RGB) or 1 (grey)
 * @param height   rows
 * @param width    columns
 * @param pixels   {@code (channels, height, width)} values 0..255
 */
public record ImageInput(Path path, int channels, int height, int width, int[] pixels) {

    /**
     * Reads {@code file} as {@code channels} channels; when {@code size > 0}, resized (shorter side,
     * antialiased bilinear) and centre-cropped to {@code size x size}, torchvision's
     * {@code Resize(size)} + {@code CenterCrop(size)} and the validation images of a
     * {@code --dataset --image-size size} run. Opens a decoder for this one file.
     */
    public static ImageInput read(Path file, int channels, int size) throws IOException {
        try (ImageDecoding decoder = ImageDecoding.open()) {
            return read(decoder, file, channels, size);
        }
    }

    /** {@link #read(Path, int, int)} with the caller's decoder (one per thread; reused across files). */
    public static ImageInput read(ImageDecoding decoder, Path file, int channels, int size) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("image " + file + " is not a file");
        }
        if (size < 0) {
            throw new IllegalArgumentException("image size must be positive (or 0 for the image's own), got " + size);
        }
        ImageTransforms resize = size > 0 ? ImageTransforms.evaluation(size) : ImageTransforms.none();
        UInt8Image image;
        try {
            // decodeHint: TurboJPEG may decode a large JPEG at 1/2, 1/4, 1/8 scale, never below the resize target
            image = decoder.decode(Files.readAllBytes(file), channels, resize.decodeHint());
        } catch (ImageDecodeException e) {
            throw new IllegalArgumentException("image " + file + " cannot be decoded: " + e.getMessage(), e);
        }
        for (ImageTransform step : resize.steps()) {
            image = step.apply(image, null);   // Resize and CenterCrop are deterministic: they draw nothing
        }
        return of(file, image);
    }

    /** Channel-first pixels of a decoded {@code (height, width, channels)} image. */
    public static ImageInput of(Path path, UInt8Image image) {
        return fromInterleaved(path, image.pixels(), image.height(), image.width(), image.channels());
    }

    /**
     * Pixels from an interleaved 8-bit buffer {@code (height, width, channels)} (what cameras and
     * most image libraries hand out), as channel-first.
     */
    public static ImageInput fromInterleaved(byte[] hwc, int height, int width, int channels) {
        return fromInterleaved(null, hwc, height, width, channels);
    }

    private static ImageInput fromInterleaved(Path path, byte[] hwc, int height, int width, int channels) {
        if (hwc.length != height * width * channels) {
            throw new IllegalArgumentException("pixel buffer has " + hwc.length + " bytes, expected height " + height
                    + " x width " + width + " x channels " + channels);
        }
        int[] out = new int[hwc.length];
        for (int i = 0; i < height * width; i++) {
            for (int c = 0; c < channels; c++) {
                out[c * height * width + i] = hwc[i * channels + c] & 0xff;
            }
        }
        return new ImageInput(path, channels, height, width, out);
    }
}
