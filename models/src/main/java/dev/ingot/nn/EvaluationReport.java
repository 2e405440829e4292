package dev.ingot.nn;

import java.util.Locale;

/**
 * What {@link Trainer#evaluate} measured on a labelled set: the mean loss, the accuracy, and the
 * confusion matrix with per-class precision and recall.
 *
 * @param images    number of images evaluated
 * @param loss      mean cross-entropy
 * @param accuracy  fraction predicted right
 * @param confusion counts of (true, predicted) pairs
 */
public record EvaluationReport(long images, double loss, double accuracy, ConfusionMatrix confusion) {

    /** Accuracy, a per-class precision/recall table and the confusion matrix, as text. */
    public String format() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%d images: loss %.4f, accuracy %.2f%%%n%n", images, loss,
                100 * accuracy));
        sb.append(String.format(Locale.ROOT, "%-12s %9s %9s %8s%n", "class", "precision", "recall", "images"));
        for (int c = 0; c < confusion.classes().size(); c++) {
            sb.append(String.format(Locale.ROOT, "%-12s %9s %9s %8d%n", confusion.classes().get(c),
                    percent(confusion.precision(c)), percent(confusion.recall(c)), confusion.support(c)));
        }
        sb.append('\n').append("confusion matrix (rows: true class, columns: predicted class)\n");
        sb.append(confusion.format());
        return sb.toString();
    }

    private static String percent(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.2f%%", 100 * v);
    }
}
