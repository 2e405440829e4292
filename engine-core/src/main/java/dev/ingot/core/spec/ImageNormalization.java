package dev.ingot.core.spec;

import java.util.Arrays;

/**
 * How a batch of 8-bit images becomes a float32 (N, C, H, W) input on the backend
 * ({@code Backend.imagesFromHost}): each sample p in 0..255 becomes
 * {@code y = (p / 255f - mean[c]) / std[c]}, in float32 with exactly these roundings (a division,
 * a subtraction, a division: torchvision's {@code ToTensor} then {@code Normalize}), so every
 * backend writes the same bits.
 *
 * <p>Mean and std hold one value per channel, or one value for all channels. Keeping pixels as bytes
 * until the backend moves a quarter of the bytes a float batch would, and the host never holds a
 * float copy.
 *
 * @param layout how the host bytes are ordered
 * @param mean   per channel (or one for all), finite
 * @param std    per channel (or one for all), finite and positive
 */
public record ImageNormalization(Layout layout, float[] mean, float[] std) {

    /** Order of the host bytes. */
    public enum Layout {
        /** {@code pixels[((n*H + h)*W + w)*C + c]}: interleaved, as decoders write images. */
        NHWC,
        /** {@code pixels[((n*C + c)*H + h)*W + w]}: planar, the tensor's own order. */
        NCHW
    }

    /** {@code p / 255}: no mean, unit std (torchvision's {@code ToTensor} alone). */
    public static ImageNormalization unit(Layout layout) {
        return new ImageNormalization(layout, new float[] {0f}, new float[] {1f});
    }

    public ImageNormalization {
        if (layout == null) {
            throw new IllegalArgumentException("image normalization: layout must not be null");
        }
        if (mean == null || std == null || mean.length == 0 || std.length == 0) {
            throw new IllegalArgumentException("image normalization: mean and std need at least one value, got mean "
                    + Arrays.toString(mean) + " std " + Arrays.toString(std));
        }
        if (mean.length != std.length && mean.length != 1 && std.length != 1) {
            throw new IllegalArgumentException("image normalization: mean has " + mean.length + " values but std "
                    + std.length + " (one per channel, or one for all)");
        }
        for (float m : mean) {
            if (!Float.isFinite(m)) {
                throw new IllegalArgumentException("image normalization: mean must be finite, got " + Arrays.toString(mean));
            }
        }
        for (float s : std) {
            if (!(s > 0) || !Float.isFinite(s)) {
                throw new IllegalArgumentException("image normalization: std must be finite and > 0, got "
                        + Arrays.toString(std));
            }
        }
        mean = mean.clone();
        std = std.clone();
    }

    @Override
    public float[] mean() {
        return mean.clone();
    }

    @Override
    public float[] std() {
        return std.clone();
    }

    /** Whether the values fit {@code channels} channels (one per channel, or one for all). */
    public boolean fits(int channels) {
        return (mean.length == 1 || mean.length == channels) && (std.length == 1 || std.length == channels);
    }

    /** The mean of channel {@code c}. */
    public float meanOf(int c) {
        return mean[mean.length == 1 ? 0 : c];
    }

    /** The std of channel {@code c}. */
    public float stdOf(int c) {
        return std[std.length == 1 ? 0 : c];
    }

    /** The one formula every backend computes: {@code (p / 255f - mean[c]) / std[c]}. */
    public float apply(int p, int c) {
        return (p / 255f - meanOf(c)) / stdOf(c);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ImageNormalization n && n.layout == layout && Arrays.equals(n.mean, mean)
                && Arrays.equals(n.std, std);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * layout.hashCode() + Arrays.hashCode(mean)) + Arrays.hashCode(std);
    }

    @Override
    public String toString() {
        return "ImageNormalization[" + layout + ", mean " + Arrays.toString(mean) + ", std " + Arrays.toString(std) + "]";
    }
}
