package dev.ingot.data;

import java.util.Arrays;
import java.util.List;

/**
 * An in-memory labelled image set: {@code size()} images, NCHW, each with an integer label that
 * indexes {@code classes}. The pixels are held one of two ways:
 * <ul>
 * <li><b>uint8</b> ({@link #ofPixels}, what the built-in readers make): byte p stands for
 * {@code p / 255f}, a quarter of the memory of floats; loaders hand these bytes to the backend,
 * which scales them ({@link Batch.Pixels}, {@code Backend.imagesFromHost}).</li>
 * <li><b>float</b> (the constructor): any finite values, typically scaled to [0, 1]; loaders hand
 * float batches.</li>
 * </ul>
 *
 * <p>The arrays are shared, not copied: a dataset is plain data that readers build once and
 * loaders only read. Do not modify them while a {@link DataLoader} uses the dataset.
 */
public final class Dataset {
    private final String name;
    private final int channels;
    private final int height;
    private final int width;
    private final float[] images;
    private final byte[] pixels;
    private final int[] labels;
    private final List<String> classes;
    /** {@link #images()} of a uint8 dataset, made on first use: training never asks for it. */
    private volatile float[] floatView;

    /**
     * A float dataset.
     *
     * @param name     what it is, e.g. {@code "mnist-train"}
     * @param channels C, e.g. 1 for MNIST, 3 for CIFAR-10
     * @param height   H
     * @param width    W
     * @param images   (N, C, H, W) row-major, N = {@code labels.length}, finite
     * @param labels   (N), each in {@code [0, classes.size())}
     * @param classes  the class names, in label order
     */
    public Dataset(String name, int channels, int height, int width, float[] images, int[] labels,
                   List<String> classes) {
        this(name, channels, height, width, images, null, labels, classes);
    }

    private Dataset(String name, int channels, int height, int width, float[] images, byte[] pixels, int[] labels,
                    List<String> classes) {
        if (name == null || (images == null && pixels == null) || labels == null || classes == null) {
            throw new IllegalArgumentException("Dataset: name, images, labels and classes must not be null");
        }
        if (channels <= 0 || height <= 0 || width <= 0) {
            throw new IllegalArgumentException("Dataset '" + name + "': channels, height and width must be positive, got "
                    + channels + "x" + height + "x" + width);
        }
        if (classes.isEmpty()) {
            throw new IllegalArgumentException("Dataset '" + name + "': needs at least one class");
        }
        long perImage = (long) channels * height * width;
        if (perImage > Integer.MAX_VALUE) {
            // imageSize() would overflow; an image that large could not be one array row anyway.
            throw new IllegalArgumentException("Dataset '" + name + "': an image of " + channels + "x" + height + "x"
                    + width + " = " + perImage + " values is larger than the " + Integer.MAX_VALUE + " values of an array");
        }
        long expected = labels.length * perImage;
        int length = images != null ? images.length : pixels.length;
        if (length != expected) {
            throw new IllegalArgumentException("Dataset '" + name + "': " + labels.length + " labels need "
                    + labels.length + "x" + channels + "x" + height + "x" + width + " = " + expected
                    + (images != null ? " image values" : " pixel bytes") + ", got " + length);
        }
        if (images != null) {
            // A NaN or infinite pixel would silently turn evaluation into NaN, and training into NaN
            // weights before any check could see it: refuse it here, once, naming the image.
            for (int i = 0; i < images.length; i++) {
                if (!Float.isFinite(images[i])) {
                    long n = i / perImage;
                    throw new IllegalArgumentException("Dataset '" + name + "': image " + n + " has the non-finite pixel "
                            + images[i] + " at value " + (i - n * perImage) + " of " + perImage + "; pixels must be finite"
                            + " numbers (scaled to [0, 1])");
                }
            }
        }
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= classes.size()) {
                throw new IllegalArgumentException("Dataset '" + name + "': label " + labels[i] + " of image " + i
                        + " is outside 0.." + (classes.size() - 1) + " (" + classes.size() + " classes)");
            }
        }
        this.name = name;
        this.channels = channels;
        this.height = height;
        this.width = width;
        this.images = images;
        this.pixels = pixels;
        this.labels = labels;
        this.classes = List.copyOf(classes);
    }

    /**
     * A uint8 dataset: {@code pixels} (N, C, H, W) row-major, byte p standing for {@code p / 255f}
     * (read as unsigned). The other arguments are the float constructor's.
     */
    public static Dataset ofPixels(String name, int channels, int height, int width, byte[] pixels, int[] labels,
                                   List<String> classes) {
        if (pixels == null) {
            throw new IllegalArgumentException("Dataset.ofPixels: pixels must not be null");
        }
        return new Dataset(name, channels, height, width, null, pixels, labels, classes);
    }

    public String name() {
        return name;
    }

    public int channels() {
        return channels;
    }

    public int height() {
        return height;
    }

    public int width() {
        return width;
    }

    /**
     * The images as floats (N, C, H, W). For a uint8 dataset a float copy ({@code p / 255f}, 4 bytes
     * a pixel) made on the first call and kept: loaders and the trainer never call this, so a
     * training run holds only the bytes. Do not modify it.
     */
    public float[] images() {
        if (images != null) {
            return images;
        }
        float[] view = floatView;
        if (view == null) {
            synchronized (this) {
                view = floatView;
                if (view == null) {
                    view = new float[pixels.length];
                    DatasetInput.toUnitRange(pixels, 0, view, 0, pixels.length);
                    floatView = view;
                }
            }
        }
        return view;
    }

    /** The uint8 pixels (N, C, H, W) of a dataset made by {@link #ofPixels}, else {@code null}. */
    public byte[] pixels() {
        return pixels;
    }

    /** Whether the pixels are held as uint8 ({@link #ofPixels}). */
    public boolean holdsPixels() {
        return pixels != null;
    }

    public int[] labels() {
        return labels;
    }

    public List<String> classes() {
        return classes;
    }

    /** Number of images, N. */
    public int size() {
        return labels.length;
    }

    /** Values per image, C*H*W. */
    public int imageSize() {
        return channels * height * width;
    }

    /** A copy of images {@code [from, to)} and their labels, named {@code name[from:to]}, held as this one is. */
    public Dataset subset(int from, int to) {
        if (from < 0 || to > size() || from > to) {
            throw new IllegalArgumentException("Dataset '" + name + "': subset [" + from + ", " + to
                    + ") is not within [0, " + size() + "]");
        }
        int n = imageSize();
        String part = name + "[" + from + ":" + to + "]";
        int[] partLabels = Arrays.copyOfRange(labels, from, to);
        return images != null
                ? new Dataset(part, channels, height, width, Arrays.copyOfRange(images, from * n, to * n), partLabels, classes)
                : ofPixels(part, channels, height, width, Arrays.copyOfRange(pixels, from * n, to * n), partLabels, classes);
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
        return "Dataset[" + name + ": " + size() + (pixels != null ? " uint8" : "") + " images of " + channels + "x"
                + height + "x" + width + ", " + classes.size() + " classes]";
    }
}
