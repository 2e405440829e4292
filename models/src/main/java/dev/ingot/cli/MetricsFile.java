package dev.ingot.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ingot.nn.ConfusionMatrix;
import dev.ingot.nn.EpochMetrics;
import dev.ingot.nn.EvaluationReport;
import dev.ingot.nn.History;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;

/**
 * Writes {@code metrics.json}: the run's settings, one entry per epoch (train and validation loss
 * and accuracy, images per second, seconds), and the final test loss and accuracy with per-class
 * precision/recall and the confusion matrix. Numbers that do not exist (validation when there was
 * none) are {@code null}, never NaN, so that every JSON reader accepts the file.
 */
final class MetricsFile {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private MetricsFile() {
    }

    /** The settings part, filled by the train command; history and test results are added by {@link #write}. */
    static ObjectNode settings(String model, String dataset, String backend, String backendDescription, long seed,
                               int batchSize, int epochs, int trainImages, int testImages, long parameters,
                               Map<String, String> optimizer, String validation) {
        ObjectNode root = JSON.createObjectNode();
        root.put("model", model);
        root.put("dataset", dataset);
        root.put("backend", backend);
        root.put("backend_description", backendDescription);
        root.put("seed", seed);
        root.put("batch_size", batchSize);
        root.put("epochs", epochs);
        root.put("train_images", trainImages);
        root.put("test_images", testImages);
        root.put("parameters", parameters);
        ObjectNode opt = root.putObject("optimizer");
        optimizer.forEach(opt::put);
        root.put("validation", validation);
        return root;
    }

    /**
     * Writes {@code settings} plus the history and, when given, the test report, atomically to
     * {@code file}.
     */
    static void write(Path file, ObjectNode settings, History history, EvaluationReport test, double wallSeconds,
                      boolean completed) throws IOException {
        ObjectNode root = settings.deepCopy();
        root.put("completed", completed);
        root.put("epochs_done", history.epochs().size());
        ArrayNode epochs = root.putArray("history");
        double trainSeconds = 0;
        for (EpochMetrics m : history.epochs()) {
            ObjectNode e = epochs.addObject();
            e.put("epoch", m.epoch());
            number(e, "train_loss", m.trainLoss());
            number(e, "train_accuracy", m.trainAccuracy());
            number(e, "validation_loss", m.validationLoss());
            number(e, "validation_accuracy", m.validationAccuracy());
            number(e, "images_per_second", m.imagesPerSecond());
            number(e, "seconds", m.seconds());
            trainSeconds += m.seconds();
        }
        number(root, "test_loss", test == null ? Double.NaN : test.loss());
        number(root, "test_accuracy", test == null ? Double.NaN : test.accuracy());
        if (test != null) {
            ConfusionMatrix cm = test.confusion();
            ArrayNode perClass = root.putArray("test_per_class");
            for (int c = 0; c < cm.classes().size(); c++) {
                ObjectNode o = perClass.addObject();
                o.put("class", cm.classes().get(c));
                number(o, "precision", cm.precision(c));
                number(o, "recall", cm.recall(c));
                o.put("images", cm.support(c));
            }
            ArrayNode matrix = root.putArray("confusion_matrix");
            for (long[] row : cm.counts()) {
                ArrayNode r = matrix.addArray();
                for (long v : row) {
                    r.add(v);
                }
            }
        }
        number(root, "epoch_seconds_total", trainSeconds);
        number(root, "wall_seconds", wallSeconds);
        Path target = file.toAbsolutePath();
        Files.createDirectories(target.getParent());
        Path tmp = Files.createTempFile(target.getParent(), "." + target.getFileName() + ".", ".tmp");
        try {
            JSON.writeValue(tmp.toFile(), root);
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static void number(ObjectNode o, String key, double v) {
        if (Double.isFinite(v)) {
            o.put(key, v);
        } else {
            o.putNull(key);
        }
    }
}
