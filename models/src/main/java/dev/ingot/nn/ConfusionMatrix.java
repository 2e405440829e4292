package dev.ingot.nn;

import java.util.Arrays;
import java.util.List;

/**
 * Counts of (true class, predicted class) pairs: row = true label, column = prediction. Gives
 * per-class precision ({@code TP / predicted as c}) and recall ({@code TP / truly c}).
 */
public final class ConfusionMatrix {
    private final long[][] counts;
    private final List<String> classes;

    public ConfusionMatrix(List<String> classes) {
        if (classes == null || classes.isEmpty()) {
            throw new IllegalArgumentException("a confusion matrix needs at least one class");
        }
        this.classes = List.copyOf(classes);
        this.counts = new long[classes.size()][classes.size()];
    }

    /** Counts one prediction. */
    public void add(int label, int predicted) {
        int k = classes.size();
        if (label < 0 || label >= k || predicted < 0 || predicted >= k) {
            throw new IllegalArgumentException("confusion matrix of " + k + " classes: label " + label
                    + " or prediction " + predicted + " is outside [0, " + k + ")");
        }
        counts[label][predicted]++;
    }

    public List<String> classes() {
        return classes;
    }

    /** How many images of true class {@code label} were predicted as {@code predicted}. */
    public long count(int label, int predicted) {
        return counts[label][predicted];
    }

    /** A copy of the counts, rows = true labels. */
    public long[][] counts() {
        long[][] c = new long[counts.length][];
        for (int i = 0; i < c.length; i++) {
            c[i] = counts[i].clone();
        }
        return c;
    }

    public long total() {
        return Arrays.stream(counts).flatMapToLong(Arrays::stream).sum();
    }

    public long correct() {
        long s = 0;
        for (int i = 0; i < counts.length; i++) {
            s += counts[i][i];
        }
        return s;
    }

    /** Fraction of all predictions that were right; NaN when empty. */
    public double accuracy() {
        long t = total();
        return t == 0 ? Double.NaN : (double) correct() / t;
    }

    /** Of the images predicted as {@code c}, the fraction that are {@code c}; NaN if none was predicted as c. */
    public double precision(int c) {
        long predicted = 0;
        for (long[] row : counts) {
            predicted += row[c];
        }
        return predicted == 0 ? Double.NaN : (double) counts[c][c] / predicted;
    }

    /** Of the images of class {@code c}, the fraction predicted as {@code c}; NaN if there were none. */
    public double recall(int c) {
        long actual = support(c);
        return actual == 0 ? Double.NaN : (double) counts[c][c] / actual;
    }

    /** Number of images of true class {@code c}. */
    public long support(int c) {
        return Arrays.stream(counts[c]).sum();
    }

    /** The matrix as a text table with class names (shortened) as row and column headings. */
    public String format() {
        int k = classes.size();
        long max = Arrays.stream(counts).flatMapToLong(Arrays::stream).max().orElse(0);
        int width = Math.max(5, Long.toString(max).length() + 1);
        String corner = "true\\pred";
        int labelWidth = Math.max(corner.length(), Math.min(12, classes.stream().mapToInt(String::length).max().orElse(5))) + 1;
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("%-" + labelWidth + "s", corner));
        for (int j = 0; j < k; j++) {
            sb.append(String.format("%" + width + "s", shorten(classes.get(j), width - 1)));
        }
        sb.append('\n');
        for (int i = 0; i < k; i++) {
            sb.append(String.format("%-" + labelWidth + "s", shorten(classes.get(i), labelWidth)));
            for (int j = 0; j < k; j++) {
                sb.append(String.format("%" + width + "d", counts[i][j]));
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    private static String shorten(String s, int n) {
        return s.length() <= n ? s : s.substring(0, n);
    }
}
