package dev.ingot.transfer;

import java.util.Arrays;

/**
 * How pixels become network input, as torchvision's {@code ToTensor()} then {@code Normalize(mean, std)}:
 * {@code x = (pixel / 255 - mean[c]) / std[c]}, channel-first; with no mean/std just
 * {@code pixel / 255}.
 *
 * @param mean      per-channel mean, or null
 * @param std       per-channel standard deviation, or null
 * @param imageSize resize every image to {@code imageSize x imageSize} first, or 0 to keep its size
 */
public record Preprocessing(float[] mean, float[] std, int imageSize) {
    /** Pixels / 255, images at their own size. */
    public static final Preprocessing PIXELS_OVER_255 = new Preprocessing(null, null, 0);

    public Preprocessing {
        if ((mean == null) != (std == null)) {
            throw new IllegalArgumentException("preprocessing needs both --mean and --std, or neither");
        }
        if (mean != null && mean.length != std.length) {
            throw new IllegalArgumentException("preprocessing: --mean has " + mean.length + " values but --std has "
                    + std.length);
        }
        if (std != null) {
            for (float s : std) {
                if (!(s > 0)) {
                    throw new IllegalArgumentException("preprocessing: every --std value must be positive, got "
                            + Arrays.toString(std));
                }
            }
        }
        if (imageSize < 0) {
            throw new IllegalArgumentException("--image-size must be positive, got " + imageSize);
        }
        mean = mean == null ? null : mean.clone();
        std = std == null ? null : std.clone();
    }

    /** The network input value of pixel {@code value} (0..255) in channel {@code c}. */
    public float apply(int value, int c) {
        float x = value / 255f;
        if (mean == null) {
            return x;
        }
        if (c >= mean.length) {
            throw new IllegalArgumentException("preprocessing has " + mean.length + " mean/std values but the image"
                    + " has channel " + c);
        }
        return (x - mean[c]) / std[c];
    }

    /** "a,b,c" to floats, naming the option in the error. */
    public static float[] parseList(String option, String text) {
        if (text == null) {
            return null;
        }
        String[] parts = text.split(",");
        float[] out = new float[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                out[i] = Float.parseFloat(parts[i].strip());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(option + ": '" + parts[i] + "' is not a number (expected a,b,c)");
            }
        }
        return out;
    }
}
