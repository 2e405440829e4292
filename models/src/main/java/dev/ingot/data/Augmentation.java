package dev.ingot.data;

import java.util.Arrays;

/**
 * Random image changes applied while batching, so a model sees a slightly different image each
 * epoch: a random crop (shift) with zero padding, and a random horizontal flip. This is the
 * standard CIFAR augmentation (He et al. 2016, "Deep Residual Learning", section 4.2: pad 4, random
 * 32x32 crop, random flip; torchvision's {@code RandomCrop(32, padding=4)} then
 * {@code RandomHorizontalFlip()}).
 *
 * <p>The draws for an image are a pure function of (seed, epoch, image index in the dataset),
 * see {@link #draw}: a resumed run sees exactly the images an uninterrupted one sees.
 *
 * @param randomCrop     pad by {@code cropPadding} zeros on each side, then crop back to the original
 *                       size at a random position; the same as shifting by dy, dx in
 *                       {@code [-cropPadding, cropPadding]} and filling the uncovered border with 0
 * @param cropPadding    the padding; positive exactly when {@code randomCrop}
 * @param horizontalFlip mirror left-right with probability 1/2
 */
public record Augmentation(boolean randomCrop, int cropPadding, boolean horizontalFlip) {
    /** Stream id for augmentation draws, distinct from the shuffle's. */
    static final long PURPOSE = 0xa4_67_6d_65_6e_74L;

    public Augmentation {
        if (randomCrop && cropPadding <= 0) {
            throw new IllegalArgumentException("Augmentation: randomCrop needs cropPadding > 0, got " + cropPadding);
        }
        if (!randomCrop && cropPadding != 0) {
            throw new IllegalArgumentException("Augmentation: cropPadding " + cropPadding
                    + " is set but randomCrop is off; use 0, or turn randomCrop on");
        }
    }

    /** No change: images pass through as they are. */
    public static Augmentation none() {
        return new Augmentation(false, 0, false);
    }

    /** Pad 4, random crop back to size, random horizontal flip. */
    public static Augmentation cifarStandard() {
        return new Augmentation(true, 4, true);
    }

    /** Whether this changes anything. */
    public boolean isIdentity() {
        return !randomCrop && !horizontalFlip;
    }

    /**
     * The random choices for one image: output pixel (y, x) is input pixel
     * {@code (y + shiftY, x' + shiftX)} with {@code x' = flip ? W-1-x : x}, or 0 outside the image.
     */
    public record Draw(int shiftY, int shiftX, boolean flip) {
        public static final Draw IDENTITY = new Draw(0, 0, false);
    }

    /** The draws for image {@code index} in epoch {@code epoch}: a pure function of the three numbers. */
    public Draw draw(long seed, int epoch, int index) {
        if (isIdentity()) {
            return Draw.IDENTITY;
        }
        SplitMix64 random = SplitMix64.of(seed, PURPOSE, epoch, index);
        int dy = randomCrop ? random.nextInt(2 * cropPadding + 1) - cropPadding : 0;
        int dx = randomCrop ? random.nextInt(2 * cropPadding + 1) - cropPadding : 0;
        boolean flip = horizontalFlip && random.nextBoolean();
        return new Draw(dy, dx, flip);
    }

    /** Writes image {@code index} of epoch {@code epoch} to {@code dst}, augmented with its {@link #draw}s. */
    void applyDrawn(float[] src, int srcOffset, float[] dst, int dstOffset, int channels, int height, int width,
                    long seed, int epoch, int index) {
        if (isIdentity()) {
            System.arraycopy(src, srcOffset, dst, dstOffset, channels * height * width);
            return;
        }
        apply(src, srcOffset, dst, dstOffset, channels, height, width, draw(seed, epoch, index));
    }

    /**
     * Writes one augmented (C, H, W) image: {@code dst[c][y][x] = src[c][y + dy][x' + dx]} with
     * {@code x' = flip ? W-1-x : x}, and 0 where the source index falls outside the image.
     *
     * <p>Row by row: a row whose source row is outside is zero-filled; otherwise the valid columns
     * are one contiguous source span, copied with {@code System.arraycopy} (an intrinsic memmove)
     * when not flipped, or read backwards when flipped, and the uncovered columns are zeroed.
     */
    public static void apply(float[] src, int srcOffset, float[] dst, int dstOffset,
                             int channels, int height, int width, Draw draw) {
        shiftAndFlip(src, srcOffset, dst, dstOffset, channels, height, width, draw.shiftY(), draw.shiftX(), draw.flip());
    }

    private static void shiftAndFlip(float[] src, int srcOffset, float[] dst, int dstOffset,
                                     int channels, int height, int width, int dy, int dx, boolean flip) {
        for (int c = 0; c < channels; c++) {
            for (int y = 0; y < height; y++) {
                int out = dstOffset + (c * height + y) * width;
                int sy = y + dy;
                if (sy < 0 || sy >= height) {
                    Arrays.fill(dst, out, out + width, 0f);
                    continue;
                }
                int in = srcOffset + (c * height + sy) * width;
                if (!flip) {
                    // x + dx in [0, W)  <=>  x in [max(0, -dx), min(W, W - dx))
                    int x0 = Math.min(width, Math.max(0, -dx));
                    int x1 = Math.max(x0, Math.min(width, width - dx));
                    Arrays.fill(dst, out, out + x0, 0f);
                    if (x1 > x0) {
                        System.arraycopy(src, in + x0 + dx, dst, out + x0, x1 - x0);
                    }
                    Arrays.fill(dst, out + x1, out + width, 0f);
                } else {
                    // W-1-x + dx in [0, W)  <=>  x in [max(0, dx), min(W, W + dx))
                    int x0 = Math.min(width, Math.max(0, dx));
                    int x1 = Math.max(x0, Math.min(width, width + dx));
                    Arrays.fill(dst, out, out + x0, 0f);
                    for (int x = x0, sx = in + width - 1 - x0 + dx; x < x1; x++, sx--) {
                        dst[out + x] = src[sx];
                    }
                    Arrays.fill(dst, out + x1, out + width, 0f);
                }
            }
        }
    }
}
