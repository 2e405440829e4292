package dev.ingot.data;

import dev.ingot.data.image.ImageDecoding;
import dev.ingot.data.image.UInt8Image;

import java.util.List;

/**
 * A built-in in-memory {@link Dataset} (MNIST, CIFAR-10) served as {@link ImageRecords}, so the
 * image pipeline and its transforms run on it too. A uint8 dataset's bytes are served as they are
 * (shared, not copied; each read transposes one image from CHW to the pipeline's HWC); a float
 * dataset with values in [0, 1] goes back to bytes once ({@code round(v * 255)}, exact for values
 * that were {@code b / 255f}).
 */
public final class InMemoryImages implements ImageRecords {
    private final String name;
    private final int channels;
    private final int height;
    private final int width;
    /** (N, C, H, W) as the dataset holds them. */
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
        if (d.holdsPixels()) {
            pixels = d.pixels();
            return;
        }
        float[] src = d.images();
        pixels = new byte[src.length];
        for (int i = 0; i < src.length; i++) {
            float v = src[i];
            if (!(v >= 0f && v <= 1f)) {
                throw new IllegalArgumentException("InMemoryImages: dataset '" + d.name() + "' image "
                        + i / d.imageSize() + " has value " + v + " outside [0, 1]");
            }
            pixels[i] = (byte) Math.round(v * 255f);
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
        int plane = height * width;
        int base = index * plane * channels;
        byte[] out = new byte[plane * channels];
        for (int c = 0; c < channels; c++) {
            for (int p = 0; p < plane; p++) {
                out[p * channels + c] = pixels[base + c * plane + p];
            }
        }
        UInt8Image image = new UInt8Image(height, width, channels, out);
        return wantChannels == channels ? image : ImageTransform.convertChannels(image, wantChannels);
    }
}
