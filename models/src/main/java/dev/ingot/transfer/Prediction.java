package dev.ingot.transfer;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;

/**
 * One image's classes, most probable first.
 *
 * @param image         the file, or null for a pixel buffer
 * @param classes       class indices, most probable first
 * @param probabilities their probabilities, same order
 */
public record Prediction(Path image, int[] classes, float[] probabilities) {

    /** Every class of {@code probabilities}, sorted by probability (ties: lower index first). */
    public static Prediction of(Path image, float[] probabilities) {
        int[] order = IntStream.range(0, probabilities.length).boxed()
                .sorted(Comparator.comparingDouble((Integer i) -> -probabilities[i]).thenComparingInt(i -> i))
                .mapToInt(Integer::intValue).toArray();
        float[] sorted = new float[order.length];
        for (int i = 0; i < order.length; i++) {
            sorted[i] = probabilities[order[i]];
        }
        return new Prediction(image, order, sorted);
    }

    /** The {@code k} most probable classes (all of them if there are fewer). */
    public Prediction top(int k) {
        int n = Math.min(k, classes.length);
        return new Prediction(image, Arrays.copyOf(classes, n), Arrays.copyOf(probabilities, n));
    }
}
