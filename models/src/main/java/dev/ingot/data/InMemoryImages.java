package dev.ingot.data;

import dev.ingot.data.image.ImageDecoding;
import dev.ingot.data.image.UInt8Image;

import java.util.List;

/**
 * A built-in in-memory {@link Dataset} (MNIST, CIFAR-10) served as {@link ImageRecords}, so the
 * image pipeline and its transforms run on it too. The float pixels in [0, 1] go back to the bytes
 * they were read from ({@code round(v * 255)}, exact for the readers' {@code b / 255f}), stored
 * once as uint8 HWC: a quarter of the float array.
 */
public final class InMemoryImages implements ImageRecords {
    private final String name;
    private final int channels;
    private final int height;
    private final int width;
    private final byte[] pixels;
    private final int[] labels;
    private final List<String> classes;

    private InMemoryImages(Dataset d) {
        if (d.channels() != 1 && d.channels() != 3) {
            throw new IllegalArgumentException("InMemoryImages: dataset '" + d.name() + "' has " + d.channels()
                    + " channels; images have 1 or 3");
        }
        this.name = d.name();
        this.channels = d.channels();
        this.height = d.height();
        this.width = d.width();
        this.labels = d.labels().clone();
        this.classes = d.classes();
        int plane = height * width;
        float[] src = d.images();
        pixels = new byte[Math.multiplyExact(d.size(), d.imageSize())];
        for (int i = 0; i < d.size(); i++) {
            int base = i * d.imageSize();
            for (int c = 0; c < channels; c++) {
                for (int p = 0; p < plane; p++) {
                    float v = src[base + c * plane + p];
                    if (!(v >= 0f && v <= 1f)) {
                        throw new IllegalArgumentException("InMemoryImages: dataset '" + d.name() + "' image " + i
                                + " has value " + v + " outside [0, 1]");
                    }
                    pixels[base + p * channels + c] = (byte) Math.round(v * 255f);
                }
            }
        }
    }

    /** The dataset's images as uint8 records. */
    public static InMemoryImages of(Dataset dataset) {
        return new InMemoryImages(dataset);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int size() {
        return labels.length;
    }

    @Override
    public List<String> classes() {
        return classes;
    }

    @Override
    public int label(int index) {
        return labels[index];
    }

    @Override
    public String source(int index) {
        return name + "[" + index + "]";
    }

    @Override
    public UInt8Image read(int index, int wantChannels, int minShorterSide, ImageDecoding decoder) {
        if (index < 0 || index >= labels.length) {
            throw new IndexOutOfBoundsException("image " + index + " of '" + name + "' (" + labels.length + " images)");
        }
        int n = channels * height * width;
        byte[] out = new byte[n];
        System.arraycopy(pixels, index * n, out, 0, n);
        UInt8Image image = new UInt8Image(height, width, channels, out);
        return wantChannels == channels ? image : ImageTransform.convertChannels(image, wantChannels);
    }
}
