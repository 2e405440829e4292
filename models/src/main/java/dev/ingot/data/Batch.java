package dev.ingot.data;

import dev.ingot.core.Backend;
import dev.ingot.core.Tensor;
import dev.ingot.core.spec.ImageNormalization;

/**
 * One batch of images and their labels, as a {@link BatchSource} hands it out: 8-bit
 * {@link Pixels} that the backend normalises on the way in (the built-in datasets through
 * {@link DataLoader}, NCHW; image folders and packs through {@link ImageLoader}, NHWC: the host
 * never holds a float copy), or float images (NCHW, a float {@link Dataset} built in code). Put it
 * on a backend with {@link #upload}; read it on the host with {@link #toFloats()}.
 *
 * <p>{@code labels} holds exactly {@code size} labels, and the images exactly {@code size} images.
 * Only the last batch of an epoch may be smaller than the loader's batch size.
 *
 * <p>The arrays belong to the loader, which reuses them: a batch is valid until the next call to
 * {@code hasNext()} or {@code next()} of the epoch that produced it, or until that epoch is
 * closed. Copy what must live longer.
 *
 * @param images float images (N, C, H, W), or {@code null} for a pixel batch
 * @param pixels the 8-bit images, or {@code null} for a float batch
 */
public record Batch(float[] images, Pixels pixels, int[] labels, int size) {

    /**
     * 8-bit images: {@code size} images of {@code bytes.length / size} samples each, in the
     * normalisation's layout (NHWC as decoded), turned into floats by
     * {@link Backend#imagesFromHost}.
     *
     * @param channels C, which the NHWC layout needs to find a sample's channel
     */
    public record Pixels(byte[] bytes, int channels, ImageNormalization normalization) {
        public Pixels {
            if (bytes == null || normalization == null) {
                throw new IllegalArgumentException("Batch.Pixels: bytes and normalization must not be null");
            }
            if (channels < 1 || !normalization.fits(channels)) {
                throw new IllegalArgumentException("Batch.Pixels: " + channels + " channels do not fit " + normalization);
            }
        }
    }

    /** A batch of float images. */
    public Batch(float[] images, int[] labels, int size) {
        this(images, null, labels, size);
    }

    public Batch {
        if ((images == null) == (pixels == null) || labels == null) {
            throw new IllegalArgumentException("Batch: needs labels and either float images or pixels, got images "
                    + (images == null ? "null" : images.length) + ", pixels " + pixels + ", labels "
                    + (labels == null ? "null" : labels.length));
        }
        int values = images != null ? images.length : pixels.bytes().length;
        if (size < 0 || labels.length != size || (size == 0 ? values != 0 : values % size != 0)) {
            throw new IllegalArgumentException("Batch: size " + size + " does not match " + labels.length
                    + " labels and " + values + " image values");
        }
    }

    /** Values per image ({@code channels * height * width}). */
    public int imageSize() {
        int values = images != null ? images.length : pixels.bytes().length;
        return size == 0 ? 0 : values / size;
    }

    /**
     * Writes the batch into {@code x} (N, C, H, W) on {@code b}: a float batch by
     * {@link Backend#copyFromHost}, a pixel batch by {@link Backend#imagesFromHost} (bytes cross to
     * the backend, which normalises them).
     */
    public void upload(Backend b, Tensor x) {
        upload(b, x, 0);
    }

    /**
     * Writes images {@code [from, from + x.shape().dim(0))} into {@code x} (a data-parallel replica's
     * shard). A float batch is copied whole only: its shards go through a host buffer of the caller.
     */
    public void upload(Backend b, Tensor x, int from) {
        if (pixels != null) {
            b.imagesFromHost(pixels.bytes(), Math.multiplyExact(from, imageSize()), pixels.normalization(), x);
        } else if (from == 0) {
            b.copyFromHost(images, x);
        } else {
            throw new IllegalArgumentException("Batch.upload: a float batch uploads whole (from 0), got from " + from);
        }
    }

    /**
     * The images as host floats (N, C, H, W), for code that works on the host (test-time
     * augmentation, tests): the float images themselves, or a new array holding what
     * {@link Backend#imagesFromHost} writes, bit for bit ({@link ImageNormalization#apply}).
     */
    public float[] toFloats() {
        if (images != null) {
            return images;
        }
        float[] out = new float[pixels.bytes().length];
        toFloats(out);
        return out;
    }

    /** {@link #toFloats()} into {@code dst} (exactly {@code size * imageSize()} values). */
    public void toFloats(float[] dst) {
        if (dst.length != (images != null ? images.length : pixels.bytes().length)) {
            throw new IllegalArgumentException("Batch.toFloats: dst has " + dst.length + " values, the batch "
                    + size * imageSize());
        }
        if (images != null) {
            System.arraycopy(images, 0, dst, 0, images.length);
            return;
        }
        byte[] src = pixels.bytes();
        int c = pixels.channels();
        int plane = imageSize() / c;
        boolean nhwc = pixels.normalization().layout() == ImageNormalization.Layout.NHWC;
        for (int n = 0; n < size; n++) {
            for (int ch = 0; ch < c; ch++) {
                for (int q = 0; q < plane; q++) {
                    int i = (n * c + ch) * plane + q;
                    int p = src[nhwc ? (n * plane + q) * c + ch : i] & 0xff;
                    dst[i] = pixels.normalization().apply(p, ch);
                }
            }
        }
    }

    @Override
    public String toString() {
        return "Batch[" + size + (pixels != null ? " 8-bit" : "") + " images of " + imageSize() + " values]";
    }
}
