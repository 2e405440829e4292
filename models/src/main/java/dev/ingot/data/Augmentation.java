package dev.ingot.data;

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
        applyDrawn(src, srcOffset, dst, dstOffset, channels, height, width, seed, epoch, index,
                new int[channels * height * width]);
    }

    /**
     * Writes image {@code index} of epoch {@code epoch} to {@code dst}, augmented with its
     * {@link #draw}s; {@code map} is scratch space of {@code channels * height * width} ints.
     */
    void applyDrawn(float[] src, int srcOffset, float[] dst, int dstOffset, int channels, int height, int width,
                    long seed, int epoch, int index, int[] map) {
        if (mapDrawn(channels, height, width, seed, epoch, index, map)) {
            gather(src, srcOffset, dst, dstOffset, map);
        } else {
            System.arraycopy(src, srcOffset, dst, dstOffset, map.length);
        }
    }

    /** {@link #applyDrawn(float[], int, float[], int, int, int, int, long, int, int, int[])} on uint8 pixels. */
    void applyDrawn(byte[] src, int srcOffset, byte[] dst, int dstOffset, int channels, int height, int width,
                    long seed, int epoch, int index, int[] map) {
        if (mapDrawn(channels, height, width, seed, epoch, index, map)) {
            gather(src, srcOffset, dst, dstOffset, map);
        } else {
            System.arraycopy(src, srcOffset, dst, dstOffset, map.length);
        }
    }

    /** Fills {@code map} with the image's {@link #sourceMap}; false (map untouched) when nothing changes. */
    private boolean mapDrawn(int channels, int height, int width, long seed, int epoch, int index, int[] map) {
        if (map.length != channels * height * width) {
            throw new IllegalArgumentException("Augmentation: scratch map of " + map.length + " ints for images of "
                    + channels + "x" + height + "x" + width);
        }
        if (isIdentity()) {
            return false;
        }
        sourceMap(draw(seed, epoch, index), reflectPadding, channels, height, width, map);
        return true;
    }

    /**
     * Writes one augmented (C, H, W) image with reflect padding: {@code dst[c][y][x] =
     * src[c][r(y + dy)][r(x' + dx)]} with {@code x' = flip ? W-1-x : x} and {@code r} reflecting an
     * index at the edges without repeating them ({@code r(-1) = 1}, {@code r(H) = H-2}), which is
     * cropping {@code F.pad(image, (p,)*4, 'reflect')}. Shifts must be smaller than the image.
     */
    public static void applyReflect(float[] src, int srcOffset, float[] dst, int dstOffset,
                                    int channels, int height, int width, Draw draw) {
        int[] map = new int[channels * height * width];
        sourceMap(draw, true, channels, height, width, map);
        gather(src, srcOffset, dst, dstOffset, map);
    }

    /**
     * Writes one augmented (C, H, W) image: {@code dst[c][y][x] = src[c][y + dy][x' + dx]} with
     * {@code x' = flip ? W-1-x : x}, and 0 where the source index falls outside the image.
     */
    public static void apply(float[] src, int srcOffset, float[] dst, int dstOffset,
                             int channels, int height, int width, Draw draw) {
        int[] map = new int[channels * height * width];
        sourceMap(draw, false, channels, height, width, map);
        gather(src, srcOffset, dst, dstOffset, map);
    }

    /**
     * Where each output value of a drawn (C, H, W) image comes from: {@code map[(c*H + y)*W + x] =
     * (c*H + sy)*W + sx} with {@code sy = y + dy}, {@code sx = (flip ? W-1-x : x) + dx}, reflected at
     * the edges with {@code reflect}, else -1 (a zero) where outside. One geometry for float and
     * uint8 pixels, which then only gather ({@link #gather}): a pure permutation with zeros, so both
     * give the same image (0 is 0 in either).
     */
    static void sourceMap(Draw draw, boolean reflect, int channels, int height, int width, int[] map) {
        if (reflect && (Math.abs(draw.shiftY()) >= height || Math.abs(draw.shiftX()) >= width)) {
            throw new IllegalArgumentException("Augmentation: a reflect-padded shift of " + draw.shiftY() + ", "
                    + draw.shiftX() + " needs an image larger than the shift, got " + height + "x" + width);
        }
        for (int y = 0; y < height; y++) {
            int sy = source(y + draw.shiftY(), height, reflect);
            for (int x = 0; x < width; x++) {
                int sx = source((draw.flip() ? width - 1 - x : x) + draw.shiftX(), width, reflect);
                map[y * width + x] = sy < 0 || sx < 0 ? -1 : sy * width + sx;
            }
        }
        int plane = height * width;
        for (int c = 1; c < channels; c++) {
            for (int q = 0; q < plane; q++) {
                int s = map[q];
                map[c * plane + q] = s < 0 ? -1 : c * plane + s;
            }
        }
    }

    /** Index {@code i} of a row or column of {@code n}: reflected about the first and last index, or -1 outside. */
    private static int source(int i, int n, boolean reflect) {
        if (reflect) {
            return i < 0 ? -i : i >= n ? 2 * (n - 1) - i : i;
        }
        return i < 0 || i >= n ? -1 : i;
    }

    private static void gather(float[] src, int srcOffset, float[] dst, int dstOffset, int[] map) {
        for (int o = 0; o < map.length; o++) {
            dst[dstOffset + o] = map[o] < 0 ? 0f : src[srcOffset + map[o]];
        }
    }

    private static void gather(byte[] src, int srcOffset, byte[] dst, int dstOffset, int[] map) {
        for (int o = 0; o < map.length; o++) {
            dst[dstOffset + o] = map[o] < 0 ? 0 : src[srcOffset + map[o]];
        }
    }
}
