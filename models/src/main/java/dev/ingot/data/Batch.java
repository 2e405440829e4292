package dev.ingot.data;

/**
 * One batch of images and their labels, as a {@link DataLoader} hands it out.
 *
 * <p>{@code images} holds exactly {@code size} images, NCHW, and {@code labels} exactly
 * {@code size} labels: {@code images.length == size * channels * height * width} and
 * {@code labels.length == size}. Only the last batch of an epoch may be smaller than the
 * loader's batch size.
 *
 * <p>The arrays belong to the loader, which reuses them: a batch is valid until the next call to
 * {@code hasNext()} or {@code next()} of the epoch that produced it, or until that epoch is
 * closed. Copy what must live longer.
 */
public record Batch(float[] images, int[] labels, int size) {
    public Batch {
        if (images == null || labels == null) {
            throw new IllegalArgumentException("Batch: images and labels must not be null");
        }
        if (size < 0 || labels.length != size || (size == 0 ? images.length != 0 : images.length % size != 0)) {
            throw new IllegalArgumentException("Batch: size " + size + " does not match " + labels.length
                    + " labels and " + images.length + " image values");
        }
    }

    /** Values per image ({@code channels * height * width}). */
    public int imageSize() {
        return size == 0 ? 0 : images.length / size;
    }

    @Override
    public String toString() {
        return "Batch[" + size + " images of " + imageSize() + " values]";
    }
}
