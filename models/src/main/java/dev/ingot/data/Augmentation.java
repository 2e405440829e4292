package dev.ingot.data;

import java.util.Arrays;

/**
 * Random image changes applied while batching, so a model sees a slightly different image each
 * epoch: a random crop (shift) with zero or reflect padding, and a random horizontal flip. The
 * defaults are the standard CIFAR augmentation (He et al. 2016, "Deep Residual Learning", section
 * 4.2: pad 4, random 32x32 crop, random flip; torchvision's {@code RandomCrop(32, padding=4)} then
 * {@code RandomHorizontalFlip()}); {@link #airbench} is airbench's (reflect-padded translate by 2
 * and the alternating flip).
 *
 * <p>The draws for an image are a pure function of (seed, epoch, image index in the dataset),
 * see {@link #draw}: a resumed run sees exactly the images an uninterrupted one sees.
 *
 * @param randomCrop     pad by {@code cropPadding} zeros on each side, then crop back to the original
 *                       size at a random position; the same as shifting by dy, dx in
 *                       {@code [-cropPadding, cropPadding]} and filling the uncovered border with 0
 * @param cropPadding    the padding; positive exactly when {@code randomCrop}
 * @param horizontalFlip mirror left-right with probability 1/2
 * @param reflectPadding the crop's border is the image reflected at its edge (PyTorch's
 *                       {@code F.pad(mode='reflect')}, the edge pixel not repeated) instead of zeros
 * @param alternatingFlip airbench's alternating flip (Jordan 2024, "94% on CIFAR-10 in 3.29 seconds",
 *                       section 3.6): each image gets one coin flip for the whole run, and every odd
 *                       epoch mirrors it the other way, so over two epochs every image is seen both
 *                       ways (a random flip per epoch repeats one orientation half of the time);
 *                       needs {@code horizontalFlip}
 */
public record Augmentation(boolean randomCrop, int cropPadding, boolean horizontalFlip, boolean reflectPadding,
                           boolean alternatingFlip) {
    /** Stream id for augmentation draws, distinct from the shuffle's. */
    static final long PURPOSE = 0xa4_67_6d_65_6e_74L;
    /** Stream id of the alternating flip's one coin per image for the whole run. */
    static final long FLIP_PURPOSE = 0x61_6c_74_66_6c_69_70L;

    /** Zero padding and a random flip per epoch, as before reflect padding and the alternating flip existed. */
    public Augmentation(boolean randomCrop, int cropPadding, boolean horizontalFlip) {
        this(randomCrop, cropPadding, horizontalFlip, false, false);
    }

    public Augmentation {
        if (alternatingFlip && !horizontalFlip) {
            throw new IllegalArgumentException("Augmentation: alternatingFlip is a way of flipping; turn horizontalFlip"
                    + " on too");
        }
        if (reflectPadding && !randomCrop) {
            throw new IllegalArgumentException("Augmentation: reflectPadding pads the random crop; turn randomCrop on");
        }
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

    /**
     * airbench's training augmentation: translate by up to {@code translate} pixels each way with
     * reflect padding, and the alternating flip (airbench94: {@code translate=2}).
     */
    public static Augmentation airbench(int translate) {
        return new Augmentation(true, translate, true, true, true);
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
        boolean flip;
        if (alternatingFlip) {
            // The run's coin for this image (epoch-independent stream), reversed on odd epochs.
            flip = SplitMix64.of(seed, FLIP_PURPOSE, 0, index).nextBoolean() ^ (epoch & 1) == 1;
        } else {
            flip = horizontalFlip && random.nextBoolean();
        }
        return new Draw(dy, dx, flip);
    }

    /** Writes image {@code index} of epoch {@code epoch} to {@code dst}, augmented with its {@link #draw}s. */
    void applyDrawn(float[] src, int srcOffset, float[] dst, int dstOffset, int channels, int height, int width,
                    long seed, int epoch, int index) {
        if (isIdentity()) {
            System.arraycopy(src, srcOffset, dst, dstOffset, channels * height * width);
            return;
        }
        Draw d = draw(seed, epoch, index);
        if (reflectPadding) {
            applyReflect(src, srcOffset, dst, dstOffset, channels, height, width, d);
        } else {
            apply(src, srcOffset, dst, dstOffset, channels, height, width, d);
        }
    }

    /**
     * Writes one augmented (C, H, W) image with reflect padding: {@code dst[c][y][x] =
     * src[c][r(y + dy)][r(x' + dx)]} with {@code x' = flip ? W-1-x : x} and {@code r} reflecting an
     * index at the edges without repeating them ({@code r(-1) = 1}, {@code r(H) = H-2}), which is
     * cropping {@code F.pad(image, (p,)*4, 'reflect')}. Shifts must be smaller than the image.
     */
    public static void applyReflect(float[] src, int srcOffset, float[] dst, int dstOffset,
                                    int channels, int height, int width, Draw draw) {
        if (Math.abs(draw.shiftY()) >= height || Math.abs(draw.shiftX()) >= width) {
            throw new IllegalArgumentException("Augmentation: a reflect-padded shift of " + draw.shiftY() + ", "
                    + draw.shiftX() + " needs an image larger than the shift, got " + height + "x" + width);
        }
        for (int c = 0; c < channels; c++) {
            for (int y = 0; y < height; y++) {
                int in = srcOffset + (c * height + reflect(y + draw.shiftY(), height)) * width;
                int out = dstOffset + (c * height + y) * width;
                for (int x = 0; x < width; x++) {
                    int sx = (draw.flip() ? width - 1 - x : x) + draw.shiftX();
                    dst[out + x] = src[in + reflect(sx, width)];
                }
            }
        }
    }

    /** {@code i} reflected into {@code [0, n)} about the first and last index (n > |shift|). */
    private static int reflect(int i, int n) {
        return i < 0 ? -i : i >= n ? 2 * (n - 1) - i : i;
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
