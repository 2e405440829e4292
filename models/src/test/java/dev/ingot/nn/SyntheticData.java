package dev.ingot.nn;

import dev.ingot.data.Dataset;

import java.util.List;
import java.util.SplittableRandom;

/**
 * Small seeded image sets for tests that must not depend on a dataset file: each image of class c
 * has a bright horizontal band at a class-specific height over uniform noise, so a tiny network
 * learns them within a few epochs.
 */
final class SyntheticData {
    private SyntheticData() {
    }

    static Dataset bands(String name, int size, int channels, int height, int width, int classes, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int imageSize = channels * height * width;
        float[] images = new float[size * imageSize];
        int[] labels = new int[size];
        int band = Math.max(1, height / classes);
        for (int i = 0; i < size; i++) {
            int c = r.nextInt(classes);
            labels[i] = c;
            for (int ch = 0; ch < channels; ch++) {
                for (int y = 0; y < height; y++) {
                    boolean bright = y / band == c;
                    for (int x = 0; x < width; x++) {
                        float noise = (float) r.nextDouble(0, 0.5);
                        images[i * imageSize + (ch * height + y) * width + x] = bright ? 0.5f + noise : noise;
                    }
                }
            }
        }
        List<String> names = java.util.stream.IntStream.range(0, classes).mapToObj(c -> "band" + c).toList();
        return new Dataset(name, channels, height, width, images, labels, names);
    }
}
