package dev.ingot.data.image;

/**
 * A decoded image as bytes: {@code height} rows of {@code width} pixels of {@code channels}
 * interleaved 8-bit samples (HWC, RGB order for 3 channels), the layout every codec produces and
 * the one the transforms work on. Pixels stay uint8 until a batch is filled, so the host never
 * holds a float copy of a dataset.
 *
 * @param pixels {@code height * width * channels} samples, row-major
 */
public record UInt8Image(int height, int width, int channels, byte[] pixels) {
    public UInt8Image {
        if (height <= 0 || width <= 0 || (channels != 1 && channels != 3)) {
            throw new IllegalArgumentException("UInt8Image: needs positive height and width and 1 or 3 channels, got "
                    + height + "x" + width + "x" + channels);
        }
        if (pixels == null || pixels.length != (long) height * width * channels) {
            throw new IllegalArgumentException("UInt8Image: " + height + "x" + width + "x" + channels + " needs "
                    + ((long) height * width * channels) + " bytes, got " + (pixels == null ? "null" : pixels.length));
        }
    }

    /** A zeroed image. */
    public static UInt8Image blank(int height, int width, int channels) {
        return new UInt8Image(height, width, channels, new byte[Math.multiplyExact(Math.multiplyExact(height, width), channels)]);
    }

    /** Sample (y, x, c) as 0..255. */
    public int at(int y, int x, int c) {
        return pixels[(y * width + x) * channels + c] & 0xff;
    }

    /** The shorter of height and width. */
    public int shorterSide() {
        return Math.min(height, width);
    }

    @Override
    public String toString() {
        return "UInt8Image[" + height + "x" + width + "x" + channels + "]";
    }
}
