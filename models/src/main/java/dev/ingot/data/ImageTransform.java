package dev.ingot.data;

import dev.ingot.data.image.UInt8Image;

/**
 * One step of image preprocessing or augmentation on decoded uint8 HWC images, as torchvision's
 * transforms do them on PIL images. Random steps draw from the generator they are given, which the
 * {@link ImageLoader} seeds from (seed, epoch, dataset index): an image's augmentation does not
 * depend on the worker that prepares it or on anything drawn before.
 *
 * <p>Steps never change the number of channels; they may return their input unchanged.
 */
public sealed interface ImageTransform {
    UInt8Image apply(UInt8Image in, SplitMix64 random);

    /**
     * This step on image {@code index} of epoch {@code epoch} of a run seeded {@code seed};
     * {@code random} is the (seed, epoch, index) generator. Only steps whose draws depend on the
     * epoch itself (not only through the generator) need more than {@link #apply(UInt8Image, SplitMix64)}.
     */
    default UInt8Image apply(UInt8Image in, SplitMix64 random, long seed, int epoch, int index) {
        return apply(in, random);
    }

    /** The spec-string form ({@link ImageTransforms#parse}). */
    String spec();

    /**
     * Resize so the shorter side is {@code size}, keeping the aspect ratio (torchvision
     * {@code Resize(size)}), with Pillow's antialiased bilinear filter (a triangle filter widened
     * by the scale when shrinking, so downscaling averages rather than skips pixels).
     */
    record Resize(int size) implements ImageTransform {
        public Resize {
            positive("resize", size);
        }

        @Override
        public UInt8Image apply(UInt8Image in, SplitMix64 random) {
            int h = in.height(), w = in.width();
            if (Math.min(h, w) == size) {
                return in;
            }
            int outH = h <= w ? size : (int) Math.max(1, (long) size * h / w);
            int outW = h <= w ? (int) Math.max(1, (long) size * w / h) : size;
            return resample(in, 0, 0, h, w, outH, outW);
        }

        @Override
        public String spec() {
            return "resize:" + size;
        }
    }

    /** Crop the central {@code size x size}, padding with zeros where the image is smaller (torchvision {@code CenterCrop}). */
    record CenterCrop(int size) implements ImageTransform {
        public CenterCrop {
            positive("center-crop", size);
        }

        @Override
        public UInt8Image apply(UInt8Image in, SplitMix64 random) {
            if (in.height() == size && in.width() == size) {
                return in;
            }
            // torchvision: top = round((H - size) / 2), left likewise (negative: padded)
            int top = (int) Math.round((in.height() - size) / 2.0);
            int left = (int) Math.round((in.width() - size) / 2.0);
            return crop(in, top, left, size, size);
        }

        @Override
        public String spec() {
            return "center-crop:" + size;
        }
    }

    /**
     * torchvision's {@code RandomResizedCrop(size, scale=(min, max), ratio=(3/4, 4/3))}: up to ten
     * tries at a crop of a random fraction of the area and a log-uniform aspect ratio that fits,
     * else the central crop with the ratio clamped; then resized to {@code size x size}.
     */
    record RandomResizedCrop(int size, double scaleMin, double scaleMax) implements ImageTransform {
        public RandomResizedCrop {
            positive("random-resized-crop", size);
            if (!(scaleMin > 0 && scaleMin <= scaleMax && scaleMax <= 1)) {
                throw new IllegalArgumentException("random-resized-crop: scale range must satisfy 0 < min <= max <= 1, got "
                        + scaleMin + ".." + scaleMax);
            }
        }

        @Override
        public UInt8Image apply(UInt8Image in, SplitMix64 random) {
            int h = in.height(), w = in.width();
            double area = (double) h * w;
            double logLow = Math.log(3.0 / 4), logHigh = Math.log(4.0 / 3);
            for (int attempt = 0; attempt < 10; attempt++) {
                double target = area * uniform(random, scaleMin, scaleMax);
                double ratio = Math.exp(uniform(random, logLow, logHigh));
                int cw = (int) Math.round(Math.sqrt(target * ratio));
                int ch = (int) Math.round(Math.sqrt(target / ratio));
                if (cw > 0 && cw <= w && ch > 0 && ch <= h) {
                    int top = random.nextInt(h - ch + 1);
                    int left = random.nextInt(w - cw + 1);
                    return resample(in, top, left, ch, cw, size, size);
                }
            }
            double inRatio = (double) w / h;
            int cw, ch;
            if (inRatio < 3.0 / 4) {
                cw = w;
                ch = (int) Math.round(w / (3.0 / 4));
            } else if (inRatio > 4.0 / 3) {
                ch = h;
                cw = (int) Math.round(h * (4.0 / 3));
            } else {
                cw = w;
                ch = h;
            }
            return resample(in, (h - ch) / 2, (w - cw) / 2, ch, cw, size, size);
        }

        @Override
        public String spec() {
            return "random-resized-crop:" + size + ":" + scaleMin + ":" + scaleMax;
        }
    }

    /** Mirror left-right with probability {@code p} (torchvision {@code RandomHorizontalFlip(p)}). */
    record HorizontalFlip(double p) implements ImageTransform {
        public HorizontalFlip {
            probability("hflip", p);
        }

        @Override
        public UInt8Image apply(UInt8Image in, SplitMix64 random) {
            return uniform(random, 0, 1) < p ? mirror(in) : in;
        }

        /** {@code in} mirrored left-right. */
        static UInt8Image mirror(UInt8Image in) {
            int h = in.height(), w = in.width(), c = in.channels();
            byte[] src = in.pixels();
            byte[] out = new byte[src.length];
            for (int y = 0; y < h; y++) {
                int row = y * w * c;
                if (c == 3) {
                    // Pixel x of the output is pixel w-1-x of the input. Inner pixels move as one
                    // 4-byte load and store (the 4th byte spills onto the next output pixel, which
                    // the next store overwrites): a third of the memory operations of byte copies.
                    // The row's two end pixels go byte by byte, so nothing spills past the row.
                    for (int x = 1, from = row + (w - 2) * 3, to = row + 3; x < w - 1; x++, from -= 3, to += 3) {
                        Scratch.INTS.set(out, to, (int) Scratch.INTS.get(src, from));
                    }
                    int first = row, last = row + (w - 1) * 3;
                    out[first] = src[last];
                    out[first + 1] = src[last + 1];
                    out[first + 2] = src[last + 2];
                    out[last] = src[first];
                    out[last + 1] = src[first + 1];
                    out[last + 2] = src[first + 2];
                } else {
                    for (int x = 0; x < w; x++) {
                        out[row + x] = src[row + w - 1 - x];
                    }
                }
            }
            return new UInt8Image(h, w, c, out);
        }

        @Override
        public String spec() {
            return "hflip:" + p;
        }
    }

    /**
     * airbench's alternating flip (Jordan 2024, section 3.6; {@link Augmentation#airbench}): each
     * image gets one coin for the whole run (drawn from (seed, index) only, the same coin as
     * {@link Augmentation#draw}'s), and odd epochs mirror it the other way, so every two epochs show
     * each image both ways. Depends on the epoch, so it runs in the {@link ImageLoader} only.
     */
    record AlternatingFlip() implements ImageTransform {
        @Override
        public UInt8Image apply(UInt8Image in, SplitMix64 random) {
            throw new IllegalArgumentException("alternating-flip depends on the epoch: it is a training transform of"
                    + " ingot train/finetune --augment, not one for packing or prediction");
        }

        @Override
        public UInt8Image apply(UInt8Image in, SplitMix64 random, long seed, int epoch, int index) {
            boolean flip = SplitMix64.of(seed, Augmentation.FLIP_PURPOSE, 0, index).nextBoolean() ^ (epoch & 1) == 1;
            return flip ? HorizontalFlip.mirror(in) : in;
        }

        @Override
        public String spec() {
            return "alternating-flip";
        }
    }

    /**
     * Rotate by an angle uniform in {@code [-degrees, degrees]} (counter-clockwise positive) about
     * the centre, nearest neighbour, zeros where the source falls outside: torchvision
     * {@code RandomRotation(degrees)} with its defaults.
     */
    record Rotation(double degrees) implements ImageTransform {
        public Rotation {
            if (!(degrees >= 0 && degrees <= 180)) {
                throw new IllegalArgumentException("rotate: degrees must be within [0, 180], got " + degrees);
            }
        }

        @Override
        public UInt8Image apply(UInt8Image in, SplitMix64 random) {
            double angle = Math.toRadians(uniform(random, -degrees, degrees));
            int h = in.height(), w = in.width(), c = in.channels();
            double cos = Math.cos(angle), sin = Math.sin(angle);
            double cx = w * 0.5, cy = h * 0.5;
            byte[] src = in.pixels();
            byte[] out = new byte[src.length];
            for (int y = 0; y < h; y++) {
                double py = y + 0.5 - cy;
                for (int x = 0; x < w; x++) {
                    double px = x + 0.5 - cx;
                    // inverse map: rotate the output point back by -angle (y grows downwards)
                    int sx = (int) Math.floor(cos * px - sin * py + cx);
                    int sy = (int) Math.floor(sin * px + cos * py + cy);
                    if (sx >= 0 && sx < w && sy >= 0 && sy < h) {
                        System.arraycopy(src, (sy * w + sx) * c, out, (y * w + x) * c, c);
                    }
                }
            }
            return new UInt8Image(h, w, c, out);
        }

        @Override
        public String spec() {
            return "rotate:" + degrees;
        }
    }

    /**
     * Random brightness, contrast and saturation (torchvision {@code ColorJitter(b, c, s)}): each
     * factor uniform in {@code [max(0, 1 - x), 1 + x]}; brightness scales, contrast blends with the
     * mean grey level, saturation blends with each pixel's grey. Applied in that fixed order (torchvision
     * shuffles the order per image); results are rounded and clamped to 0..255 after each.
     */
    record ColorJitter(double brightness, double contrast, double saturation) implements ImageTransform {
        public ColorJitter {
            if (!(brightness >= 0 && contrast >= 0 && saturation >= 0)) {
                throw new IllegalArgumentException("jitter: brightness, contrast and saturation must be >= 0, got "
                        + brightness + ", " + contrast + ", " + saturation);
            }
        }

        @Override
        public UInt8Image apply(UInt8Image in, SplitMix64 random) {
            double b = uniform(random, Math.max(0, 1 - brightness), 1 + brightness);
            double k = uniform(random, Math.max(0, 1 - contrast), 1 + contrast);
            double s = uniform(random, Math.max(0, 1 - saturation), 1 + saturation);
            int c = in.channels();
            byte[] src = in.pixels();
            int pixels = in.height() * in.width();
            float[] v = new float[src.length];
            for (int i = 0; i < src.length; i++) {
                v[i] = clamp(Math.round((src[i] & 0xff) * b));
            }
            double mean = 0;
            for (int p = 0; p < pixels; p++) {
                mean += grey(v, p, c);
            }
            mean = Math.round(mean / pixels);
            for (int i = 0; i < v.length; i++) {
                v[i] = clamp(Math.round((v[i] - mean) * k + mean));
            }
            if (c == 3) {
                for (int p = 0; p < pixels; p++) {
                    double g = grey(v, p, 3);
                    for (int j = 0; j < 3; j++) {
                        v[3 * p + j] = clamp(Math.round((v[3 * p + j] - g) * s + g));
                    }
                }
            }
            byte[] out = new byte[src.length];
            for (int i = 0; i < out.length; i++) {
                out[i] = (byte) (int) v[i];
            }
            return new UInt8Image(in.height(), in.width(), c, out);
        }

        private static double grey(float[] v, int p, int c) {
            return c == 1 ? v[p] : 0.299 * v[3 * p] + 0.587 * v[3 * p + 1] + 0.114 * v[3 * p + 2];
        }

        private static float clamp(long x) {
            return Math.min(255, Math.max(0, x));
        }

        @Override
        public String spec() {
            return "jitter:" + brightness + ":" + contrast + ":" + saturation;
        }
    }

    /**
     * Pad by {@code padding} zeros on each side and crop back to the original size at a random
     * position: torchvision {@code RandomCrop(size, padding)}, a random translation by up to
     * {@code padding} pixels (the standard CIFAR augmentation with {@code hflip}).
     */
    record PadCrop(int padding) implements ImageTransform {
        public PadCrop {
            positive("pad-crop", padding);
        }

        @Override
        public UInt8Image apply(UInt8Image in, SplitMix64 random) {
            int dy = random.nextInt(2 * padding + 1) - padding;
            int dx = random.nextInt(2 * padding + 1) - padding;
            return crop(in, dy, dx, in.height(), in.width());
        }

        @Override
        public String spec() {
            return "pad-crop:" + padding;
        }
    }

    /**
     * Translate by up to {@code shift} pixels each way, the uncovered border filled with the image
     * reflected at its edge (the edge pixel not repeated): airbench's
     * {@code F.pad(images, (shift,)*4, 'reflect')} then a random crop back to size. Each output pixel
     * {@code (y, x)} is input pixel {@code (r(y + dy), r(x + dx))}, {@code r(-1) = 1}, {@code r(H) = H-2}.
     */
    record ReflectTranslate(int shift) implements ImageTransform {
        public ReflectTranslate {
            positive("translate", shift);
        }

        @Override
        public UInt8Image apply(UInt8Image in, SplitMix64 random) {
            int h = in.height(), w = in.width(), c = in.channels();
            if (shift >= h || shift >= w) {
                throw new IllegalArgumentException("translate:" + shift + " reflects at most " + (Math.min(h, w) - 1)
                        + " pixels of a " + h + "x" + w + " image");
            }
            int dy = random.nextInt(2 * shift + 1) - shift;
            int dx = random.nextInt(2 * shift + 1) - shift;
            byte[] src = in.pixels();
            byte[] out = new byte[h * w * c];
            for (int y = 0; y < h; y++) {
                int sy = reflect(y + dy, h);
                for (int x = 0; x < w; x++) {
                    System.arraycopy(src, (sy * w + reflect(x + dx, w)) * c, out, (y * w + x) * c, c);
                }
            }
            return new UInt8Image(h, w, c, out);
        }

        private static int reflect(int i, int n) {
            return i < 0 ? -i : i >= n ? 2 * (n - 1) - i : i;
        }

        @Override
        public String spec() {
            return "translate:" + shift;
        }
    }

    /** {@code size x size}... any box: rows {@code top..top+h}, columns {@code left..left+w}, zeros outside the image. */
    static UInt8Image crop(UInt8Image in, int top, int left, int h, int w) {
        int c = in.channels(), inW = in.width(), inH = in.height();
        byte[] src = in.pixels();
        byte[] out = new byte[h * w * c];
        int x0 = Math.max(0, -left), x1 = Math.min(w, inW - left);
        for (int y = 0; y < h; y++) {
            int sy = y + top;
            if (sy < 0 || sy >= inH || x1 <= x0) {
                continue;
            }
            System.arraycopy(src, (sy * inW + left + x0) * c, out, (y * w + x0) * c, (x1 - x0) * c);
        }
        return new UInt8Image(h, w, c, out);
    }

    /**
     * Resizes the box (top, left, h, w) of {@code in} to {@code outH x outW} with Pillow's
     * antialiased bilinear filter: separable, rows first into a float buffer, then columns.
     */
    static UInt8Image resample(UInt8Image in, int top, int left, int h, int w, int outH, int outW) {
        if (top == 0 && left == 0 && h == in.height() && w == in.width() && outH == h && outW == w) {
            return in;
        }
        int c = in.channels(), inW = in.width();
        byte[] src = in.pixels();
        Filter fx = Filter.of(w, outW);
        Filter fy = Filter.of(h, outH);
        // Rows first: each output column is a short weighted sum along the row (all channels at once).
        // The intermediate rows live in a per-thread buffer (every element is written before it is
        // read): a 224 px crop would otherwise allocate and zero up to 600 KB per image.
        float[] rows = scratch(h * outW * c);
        for (int y = 0; y < h; y++) {
            int srcRow = ((top + y) * inW + left) * c;
            for (int x = 0; x < outW; x++) {
                int base = x * fx.taps;
                int n = fx.count[x];
                int p = srcRow + fx.first[x] * c;
                int o = (y * outW + x) * c;
                if (c == 3 && n == 2) {
                    // an upscale's two taps, unrolled: (0 + w0*a) + w1*b is w0*a + w1*b, the same bits
                    float w0 = fx.weights[base], w1 = fx.weights[base + 1];
                    rows[o] = w0 * (src[p] & 0xff) + w1 * (src[p + 3] & 0xff);
                    rows[o + 1] = w0 * (src[p + 1] & 0xff) + w1 * (src[p + 4] & 0xff);
                    rows[o + 2] = w0 * (src[p + 2] & 0xff) + w1 * (src[p + 5] & 0xff);
                } else if (c == 3) {
                    float s0 = 0, s1 = 0, s2 = 0;
                    for (int k = 0; k < n; k++, p += 3) {
                        float wgt = fx.weights[base + k];
                        s0 += wgt * (src[p] & 0xff);
                        s1 += wgt * (src[p + 1] & 0xff);
                        s2 += wgt * (src[p + 2] & 0xff);
                    }
                    rows[o] = s0;
                    rows[o + 1] = s1;
                    rows[o + 2] = s2;
                } else {
                    float s0 = 0;
                    for (int k = 0; k < n; k++, p++) {
                        s0 += fx.weights[base + k] * (src[p] & 0xff);
                    }
                    rows[o] = s0;
                }
            }
        }
        // Then columns: each output row is a weighted sum of whole intermediate rows, a contiguous
        // multiply-add over outW*C floats per tap (vectorised by C2).
        int rowLength = outW * c;
        float[] sum = new float[rowLength];
        byte[] out = new byte[outH * rowLength];
        for (int y = 0; y < outH; y++) {
            int base = y * fy.taps;
            if (fy.count[y] == 2) {
                // an upscale's two rows in one pass: (0 + w0*a) + w1*b is w0*a + w1*b, the same bits
                float w0 = fy.weights[base], w1 = fy.weights[base + 1];
                int a = fy.first[y] * rowLength, b = a + rowLength, o = y * rowLength;
                for (int i = 0; i < rowLength; i++) {
                    float v = Math.max(0f, Math.min(255f, w0 * rows[a + i] + w1 * rows[b + i]));
                    out[o + i] = (byte) (int) (v + 0.5f);
                }
                continue;
            }
            java.util.Arrays.fill(sum, 0f);
            for (int k = 0; k < fy.count[y]; k++) {
                float wgt = fy.weights[base + k];
                int from = (fy.first[y] + k) * rowLength;
                for (int i = 0; i < rowLength; i++) {
                    sum[i] += wgt * rows[from + i];
                }
            }
            int o = y * rowLength;
            for (int i = 0; i < rowLength; i++) {
                // clamp, then round half up by truncation (non-negative): a loop C2 vectorises, unlike Math.round
                float v = Math.max(0f, Math.min(255f, sum[i]));
                out[o + i] = (byte) (int) (v + 0.5f);
            }
        }
        return new UInt8Image(outH, outW, c, out);
    }

    /** This thread's resample buffer, grown to at least {@code length} floats. */
    private static float[] scratch(int length) {
        float[] buffer = Scratch.ROWS.get();
        if (buffer.length < length) {
            buffer = new float[length];
            Scratch.ROWS.set(buffer);
        }
        return buffer;
    }

    /** Holder of the per-thread resample buffer (interfaces cannot have private static fields). */
    final class Scratch {
        static final ThreadLocal<float[]> ROWS = ThreadLocal.withInitial(() -> new float[0]);
        /** Four bytes of a byte[] at any offset as one int (an unaligned load or store). */
        static final java.lang.invoke.VarHandle INTS =
                java.lang.invoke.MethodHandles.byteArrayViewVarHandle(int[].class, java.nio.ByteOrder.nativeOrder());

        private Scratch() {
        }
    }

    /** Pillow's triangle-filter weights for one axis: output i reads inputs first[i] .. first[i]+count[i]-1. */
    final class Filter {
        final int taps;
        final int[] first;
        final int[] count;
        final float[] weights;

        private Filter(int taps, int[] first, int[] count, float[] weights) {
            this.taps = taps;
            this.first = first;
            this.count = count;
            this.weights = weights;
        }

        static Filter of(int in, int out) {
            double scale = (double) in / out;
            double filterScale = Math.max(1, scale);
            double support = filterScale;   // bilinear support 1, widened when shrinking
            int taps = (int) Math.ceil(support) * 2 + 1;
            int[] first = new int[out];
            int[] count = new int[out];
            float[] weights = new float[out * taps];
            for (int i = 0; i < out; i++) {
                double centre = (i + 0.5) * scale;
                int lo = (int) Math.max(0, Math.floor(centre - support + 0.5));
                int hi = (int) Math.min(in, Math.floor(centre + support + 0.5));
                double total = 0;
                int n = Math.min(taps, hi - lo);
                for (int k = 0; k < n; k++) {
                    double t = Math.abs((lo + k - centre + 0.5) / filterScale);
                    double wgt = t < 1 ? 1 - t : 0;
                    weights[i * taps + k] = (float) wgt;
                    total += wgt;
                }
                for (int k = 0; k < n; k++) {
                    weights[i * taps + k] = (float) (total == 0 ? 1.0 / n : weights[i * taps + k] / total);
                }
                // Drop zero-weight taps at either end (an upscale's triangle has 2 of its 3 taps
                // nonzero): adding w * v with w = 0 changes no sum, so the output is the same bits
                // for a third less work.
                int skip = 0;
                while (n - skip > 1 && weights[i * taps + skip] == 0f) {
                    skip++;
                }
                if (skip > 0) {
                    System.arraycopy(weights, i * taps + skip, weights, i * taps, n - skip);
                    java.util.Arrays.fill(weights, i * taps + n - skip, i * taps + n, 0f);
                    lo += skip;
                    n -= skip;
                }
                while (n > 1 && weights[i * taps + n - 1] == 0f) {
                    n--;
                }
                first[i] = lo;
                count[i] = n;
            }
            return new Filter(taps, first, count, weights);
        }
    }

    /** Grey to RGB by replication, RGB to grey by ITU-R 601 luma (Pillow's {@code convert}). */
    static UInt8Image convertChannels(UInt8Image in, int channels) {
        if (in.channels() == channels) {
            return in;
        }
        int pixels = in.height() * in.width();
        byte[] src = in.pixels();
        byte[] out = new byte[pixels * channels];
        for (int p = 0; p < pixels; p++) {
            if (channels == 3) {
                out[3 * p] = src[p];
                out[3 * p + 1] = src[p];
                out[3 * p + 2] = src[p];
            } else {
                out[p] = (byte) (((src[3 * p] & 0xff) * 299 + (src[3 * p + 1] & 0xff) * 587 + (src[3 * p + 2] & 0xff) * 114
                        + 500) / 1000);
            }
        }
        return new UInt8Image(in.height(), in.width(), channels, out);
    }

    /** Uniform in {@code [low, high)} from the top 53 bits. */
    static double uniform(SplitMix64 random, double low, double high) {
        return low + (high - low) * ((random.nextLong() >>> 11) * 0x1.0p-53);
    }

    private static void positive(String what, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(what + ": size must be positive, got " + value);
        }
    }

    private static void probability(String what, double p) {
        if (!(p >= 0 && p <= 1)) {
            throw new IllegalArgumentException(what + ": probability must be within [0, 1], got " + p);
        }
    }
}
