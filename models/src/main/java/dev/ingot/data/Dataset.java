package dev.ingot.data;

import java.util.Arrays;
import java.util.List;

/**
 * An in-memory labelled image set: {@code size()} images, NCHW, pixels scaled to [0, 1], each
 * with an integer label that indexes {@code classes}.
 *
 * <p>The arrays are shared, not copied: a dataset is plain data that readers build once and
 * loaders only read. Do not modify them while a {@link DataLoader} uses the dataset.
 *
 * @param name     what it is, e.g. {@code "mnist-train"}
 * @param channels C, e.g. 1 for MNIST, 3 for CIFAR-10
 * @param height   H
 * @param width    W
 * @param images   (N, C, H, W) row-major, N = {@code labels.length}
 * @param labels   (N), each in {@code [0, classes.size())}
 * @param classes  the class names, in label order
 */
public record Dataset(String name, int channels, int height, int width, float[] images, int[] labels,
                      List<String> classes) {

    public Dataset {
        if (name == null || images == null || labels == null || classes == null) {
            throw new IllegalArgumentException("Dataset: name, images, labels and classes must not be null");
        }
        if (channels <= 0 || height <= 0 || width <= 0) {
            throw new IllegalArgumentException("Dataset '" + name + "': channels, height and width must be positive, got "
                    + channels + "x" + height + "x" + width);
        }
        if (classes.isEmpty()) {
            throw new IllegalArgumentException("Dataset '" + name + "': needs at least one class");
        }
        long pixels = (long) channels * height * width;
        if (pixels > Integer.MAX_VALUE) {
            // imageSize() would overflow; an image that large could not be one array row anyway.
            throw new IllegalArgumentException("Dataset '" + name + "': an image of " + channels + "x" + height + "x"
                    + width + " = " + pixels + " values is larger than the " + Integer.MAX_VALUE + " values of an array");
        }
        long expected = labels.length * pixels;
        if (images.length != expected) {
            throw new IllegalArgumentException("Dataset '" + name + "': " + labels.length + " labels need "
                    + labels.length + "x" + channels + "x" + height + "x" + width + " = " + expected
                    + " image values, got " + images.length);
        }
        // A NaN or infinite pixel would silently turn evaluation into NaN, and training into NaN
        // weights before any check could see it: refuse it here, once, naming the image.
        for (int i = 0; i < images.length; i++) {
            if (!Float.isFinite(images[i])) {
                long n = i / pixels;
                throw new IllegalArgumentException("Dataset '" + name + "': image " + n + " has the non-finite pixel "
                        + images[i] + " at value " + (i - n * pixels) + " of " + pixels + "; pixels must be finite"
                        + " numbers (scaled to [0, 1])");
            }
        }
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= classes.size()) {
                throw new IllegalArgumentException("Dataset '" + name + "': label " + labels[i] + " of image " + i
                        + " is outside 0.." + (classes.size() - 1) + " (" + classes.size() + " classes)");
            }
        }
        classes = List.copyOf(classes);
    }

    /** Number of images, N. */
    public int size() {
        return labels.length;
    }

    /** Values per image, C*H*W. */
    public int imageSize() {
        return channels * height * width;
    }

    /** A copy of images {@code [from, to)} and their labels, named {@code name[from:to]}. */
    public Dataset subset(int from, int to) {
        if (from < 0 || to > size() || from > to) {
            throw new IllegalArgumentException("Dataset '" + name + "': subset [" + from + ", " + to
                    + ") is not within [0, " + size() + "]");
        }
        int n = imageSize();
        return new Dataset(name + "[" + from + ":" + to + "]", channels, height, width,
                Arrays.copyOfRange(images, from * n, to * n), Arrays.copyOfRange(labels, from, to), classes);
    }

    /** How many images carry each label, indexed by label. */
    public int[] labelCounts() {
        int[] counts = new int[classes.size()];
        for (int label : labels) {
            counts[label]++;
        }
        return counts;
    }

    @Override
    public String toString() {
        return "Dataset[" + name + ": " + size() + " images of " + channels + "x" + height + "x" + width + ", "
                + classes.size() + " classes]";
    }
}
