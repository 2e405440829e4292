package dev.ingot.transfer;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/**
 * Image files (PNG, JPEG, BMP, GIF: whatever javax.imageio reads) to 8-bit pixels, channel-first.
 * Kept apart so that it can give way to the data module's decoder when that lands.
 *
 * @param path     where it came from
 * @param channels 3 (RGB) or 1 (grey)
 * @param height   rows
 * @param width    columns
 * @param pixels   {@code (channels, height, width)} values 0..255
 */
public record ImageInput(Path path, int channels, int height, int width, int[] pixels) {

    /**
     * Reads {@code file} as {@code channels} channels (grey from colour as ITU-R 601 luma, PIL's
     * "L"), resized to {@code size x size} with bilinear filtering when {@code size > 0}.
     */
    public static ImageInput read(Path file, int channels, int size) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("image " + file + " is not a file");
        }
        BufferedImage img = ImageIO.read(file.toFile());
        if (img == null) {
            throw new IllegalArgumentException("image " + file + " is not in a format javax.imageio reads (PNG, JPEG,"
                    + " BMP, GIF)");
        }
        if (size > 0 && (img.getWidth() != size || img.getHeight() != size)) {
            BufferedImage scaled = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
            Graphics2D g = scaled.createGraphics();
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            g.drawImage(img, 0, 0, size, size, null);
            g.dispose();
            img = scaled;
        }
        int h = img.getHeight();
        int w = img.getWidth();
        int[] out = new int[channels * h * w];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int rgb = img.getRGB(x, y);
                int r = (rgb >> 16) & 0xff;
                int g = (rgb >> 8) & 0xff;
                int b = rgb & 0xff;
                if (channels == 1) {
                    out[y * w + x] = Math.round(0.299f * r + 0.587f * g + 0.114f * b);
                } else {
                    out[y * w + x] = r;
                    out[h * w + y * w + x] = g;
                    out[2 * h * w + y * w + x] = b;
                }
            }
        }
        return new ImageInput(file, channels, h, w, out);
    }

    /**
     * Pixels from an interleaved 8-bit buffer {@code (height, width, channels)} (what cameras and
     * most image libraries hand out), as channel-first.
     */
    public static ImageInput fromInterleaved(byte[] hwc, int height, int width, int channels) {
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
        return new ImageInput(null, channels, height, width, out);
    }
}
