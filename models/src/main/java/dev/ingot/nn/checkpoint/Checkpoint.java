package dev.ingot.nn.checkpoint;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ingot.core.Tensor;
import dev.ingot.nn.Buffer;
import dev.ingot.nn.EpochMetrics;
import dev.ingot.nn.History;
import dev.ingot.nn.Optimizer;
import dev.ingot.nn.Parameter;
import dev.ingot.nn.Model;
import dev.ingot.nn.Trainer;
import dev.ingot.nn.TrainingProgress;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A training run on disk: the model's weights and buffers (under their names, e.g.
 * {@code "0.conv2d.weight"}, {@code "stem.bn.running_mean"}, so the file doubles as a plain state dict), the optimizer's state
 * (under {@code "optimizer.<buffer>.<parameter>"}), and in the metadata the seed, the
 * {@link TrainingProgress} (epoch, step, data position, running sums), the optimizer's
 * hyper-parameters and step count, the {@link History} so far, and whatever the caller adds
 * (model name, dataset, backend).
 *
 * <pre>{@code
 * Checkpoint.save(dir.resolve("checkpoint.safetensors"), trainer, Map.of("ingot.model", "mnist-cnn"));
 * Checkpoint c = Checkpoint.read(file);
 * c.restore(trainer);          // weights, optimizer state, position: continue with trainer.fit(...)
 * }</pre>
 *
 * @param file     where it was read from
 * @param metadata every metadata entry, ours included
 * @param tensors  every tensor, weights and optimizer state
 * @param headerChecked whether every byte restored was covered by a checksum: true for every file this
 *                 version writes ({@link #FORMAT}); false for a {@link #FORMAT_UNCHECKED_HEADER} file
 *                 of an earlier version, whose metadata (seed, progress, history) had no checksum
 */
public record Checkpoint(Path file, Map<String, String> metadata, Map<String, StoredTensor> tensors,
                         boolean headerChecked) {
    /**
     * Format marker, so that a safetensors file from elsewhere is recognised as not a training
     * checkpoint. Version 2 files always carry the header checksum ({@link SafeTensors#HEADER_CRC_KEY}).
     */
    public static final String FORMAT = "ingot-checkpoint-2";
    /** Checkpoints written before the header checksum: still read, with {@link #headerChecked()} false. */
    public static final String FORMAT_UNCHECKED_HEADER = "ingot-checkpoint-1";
    public static final String KEY_FORMAT = "ingot.format";
    public static final String KEY_SEED = "ingot.seed";
    public static final String KEY_PROGRESS = "ingot.progress";
    public static final String KEY_HISTORY = "ingot.history";
    public static final String KEY_OPTIMIZER = "ingot.optimizer";
    public static final String KEY_OPTIMIZER_STEPS = "ingot.optimizer.steps";
    private static final String OPTIMIZER_PREFIX = "optimizer.";
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * Writes the trainer's model, optimizer state and position atomically to {@code file}, with
     * {@code extra} metadata (keys must not collide with ours).
     */
    public static void save(Path file, Trainer trainer, Map<String, String> extra) throws IOException {
        Map<String, String> meta = new LinkedHashMap<>(extra);
        for (String key : List.of(KEY_FORMAT, KEY_SEED, KEY_PROGRESS, KEY_HISTORY, KEY_OPTIMIZER, KEY_OPTIMIZER_STEPS)) {
            if (meta.containsKey(key)) {
                throw new IllegalArgumentException("checkpoint metadata key '" + key + "' is reserved");
            }
        }
        Model model = trainer.model();
        Optimizer optimizer = trainer.optimizer();
        meta.put(KEY_FORMAT, FORMAT);
        meta.put(KEY_SEED, Long.toString(trainer.seed()));
        meta.put(KEY_PROGRESS, json(trainer.progress()));
        meta.put(KEY_HISTORY, json(trainer.history().epochs().stream().map(Checkpoint::epochJson).toList()));
        meta.put(KEY_OPTIMIZER, json(optimizer.config()));
        meta.put(KEY_OPTIMIZER_STEPS, Long.toString(optimizer.steps()));
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (Parameter p : model.parameters()) {
            tensors.put(p.name(), p.value());
        }
        for (Buffer buffer : model.buffers()) {
            tensors.put(buffer.name(), buffer.value());
        }
        optimizer.state(model.trainableParameters()).forEach((name, t) -> tensors.put(OPTIMIZER_PREFIX + name, t));
        SafeTensors.write(file, meta, tensors);
    }

    /**
     * Reads and validates a checkpoint file.
     *
     * @throws CorruptCheckpointException if it is not a valid safetensors file, or not one of ours
     */
    public static Checkpoint read(Path file) throws IOException {
        SafeTensors.Contents c = SafeTensors.read(file);
        String format = c.metadata().get(KEY_FORMAT);
        if (FORMAT.equals(format)) {
            if (!c.headerChecked()) {
                // A version-2 file always starts with its header checksum: this one was damaged there.
                throw new CorruptCheckpointException(file, 8, "the header does not start with its checksum '"
                        + SafeTensors.HEADER_CRC_KEY + "', which every " + FORMAT + " file has (damaged header)");
            }
            return new Checkpoint(file, c.metadata(), c.tensors(), true);
        }
        if (FORMAT_UNCHECKED_HEADER.equals(format)) {
            return new Checkpoint(file, c.metadata(), c.tensors(), false);
        }
        throw new CorruptCheckpointException(file, 8, "metadata '" + KEY_FORMAT + "' is " + format + ", expected "
                + FORMAT + " (this safetensors file was not written by ingot train)");
    }

    /** A metadata value, or an exception naming the key and the file. */
    public String require(String key) {
        String v = metadata.get(key);
        if (v == null) {
            throw new CorruptCheckpointException(file, 8, "metadata has no '" + key + "'");
        }
        return v;
    }

    public long seed() {
        try {
            return Long.parseLong(require(KEY_SEED));
        } catch (NumberFormatException e) {
            throw new CorruptCheckpointException(file, 8, "metadata '" + KEY_SEED + "' is not a number: "
                    + metadata.get(KEY_SEED));
        }
    }

    public TrainingProgress progress() {
        return parse(KEY_PROGRESS, TrainingProgress.class);
    }

    public History history() {
        List<Map<String, Double>> epochs = parse(KEY_HISTORY, new TypeReference<>() {
        });
        if (epochs == null) {
            throw new CorruptCheckpointException(file, 8, "metadata '" + KEY_HISTORY + "' is null, expected a list");
        }
        List<EpochMetrics> out = new ArrayList<>();
        for (Map<String, Double> e : epochs) {
            Double epoch = e == null ? null : e.get("epoch");
            if (epoch == null || epoch != Math.rint(epoch) || epoch < 1 || epoch > Integer.MAX_VALUE) {
                throw new CorruptCheckpointException(file, 8, "metadata '" + KEY_HISTORY + "' entry " + out.size()
                        + " has no valid \"epoch\" number: " + e);
            }
            out.add(new EpochMetrics(epoch.intValue(), value(e, "train_loss"), value(e, "train_accuracy"),
                    value(e, "validation_loss"), value(e, "validation_accuracy"), value(e, "images_per_second"),
                    value(e, "seconds")));
        }
        return new History(out);
    }

    /** The optimizer's hyper-parameters as saved, e.g. {@code {"type": "adam", "learning_rate": "0.001", ...}}. */
    public Map<String, String> optimizerConfig() {
        return parse(KEY_OPTIMIZER, new TypeReference<>() {
        });
    }

    /**
     * Copies the saved weights and buffers (BatchNorm's running statistics) into {@code model}:
     * every parameter and buffer must be in the file with its exact shape, and the file must hold
     * no other weights.
     */
    public void restoreWeights(Model model) {
        List<String> expected = new ArrayList<>();
        for (Parameter p : model.parameters()) {
            expected.add(p.name());
            copyInto(p.name(), p.value());
        }
        for (Buffer buffer : model.buffers()) {
            expected.add(buffer.name());
            copyInto(buffer.name(), buffer.value());
        }
        List<String> extra = tensors.keySet().stream()
                .filter(n -> !n.startsWith(OPTIMIZER_PREFIX) && !expected.contains(n)).toList();
        if (!extra.isEmpty()) {
            throw new IllegalArgumentException(file + ": holds weights " + extra + " that the model does not have"
                    + " (model parameters: " + expected + "); is it a checkpoint of another model?");
        }
    }

    /**
     * Restores a whole run into {@code trainer}: weights, optimizer state and step count, position
     * and history. The trainer must have been made with the same model architecture, optimizer and
     * seed as the saved run.
     */
    public void restore(Trainer trainer) {
        long seed = seed();
        if (seed != trainer.seed()) {
            throw new IllegalArgumentException(file + ": the checkpoint's seed is " + seed + " but the trainer's is "
                    + trainer.seed() + "; a resumed run must use the seed of the run it continues");
        }
        Map<String, String> saved = optimizerConfig();
        Map<String, String> current = trainer.optimizer().config();
        if (!saved.equals(current)) {
            throw new IllegalArgumentException(file + ": the checkpoint's optimizer is " + saved
                    + " but the trainer's is " + current);
        }
        restoreWeights(trainer.model());
        Map<String, Tensor> state = trainer.optimizer().state(trainer.model().trainableParameters());
        for (Map.Entry<String, Tensor> e : state.entrySet()) {
            copyInto(OPTIMIZER_PREFIX + e.getKey(), e.getValue());
        }
        long steps;
        try {
            steps = Long.parseLong(require(KEY_OPTIMIZER_STEPS));
        } catch (NumberFormatException e) {
            throw new CorruptCheckpointException(file, 8, "metadata '" + KEY_OPTIMIZER_STEPS + "' is not a number");
        }
        trainer.optimizer().restoreSteps(steps);
        trainer.restore(progress(), history());
    }

    private void copyInto(String name, Tensor target) {
        StoredTensor t = tensors.get(name);
        if (t == null) {
            throw new IllegalArgumentException(file + ": has no tensor '" + name + "' (it has "
                    + tensors.keySet() + "); is it a checkpoint of another model?");
        }
        if (!t.shape().equals(target.shape())) {
            throw new IllegalArgumentException(file + ": tensor '" + name + "' has shape " + t.shape()
                    + " but the model needs " + target.shape());
        }
        target.copyFrom(t.values());
    }

    private <T> T parse(String key, Class<T> type) {
        try {
            return nonNull(key, JSON.readValue(require(key), type));
        } catch (JsonProcessingException | IllegalArgumentException e) {
            throw new CorruptCheckpointException(file, 8, "metadata '" + key + "' is not a valid "
                    + type.getSimpleName() + ": " + e.getMessage(), e);
        }
    }

    private <T> T nonNull(String key, T value) {
        if (value == null) {
            throw new CorruptCheckpointException(file, 8, "metadata '" + key + "' is JSON null");
        }
        return value;
    }

    private <T> T parse(String key, TypeReference<T> type) {
        try {
            return nonNull(key, JSON.readValue(require(key), type));
        } catch (JsonProcessingException e) {
            throw new CorruptCheckpointException(file, 8, "metadata '" + key + "' does not parse: "
                    + e.getOriginalMessage(), e);
        }
    }

    private static double value(Map<String, Double> m, String key) {
        Double v = m.get(key);
        return v == null ? Double.NaN : v;
    }

    private static Map<String, Object> epochJson(EpochMetrics m) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("epoch", m.epoch());
        e.put("train_loss", m.trainLoss());
        e.put("train_accuracy", m.trainAccuracy());
        if (m.hasValidation()) {
            e.put("validation_loss", m.validationLoss());
            e.put("validation_accuracy", m.validationAccuracy());
        }
        e.put("images_per_second", m.imagesPerSecond());
        e.put("seconds", m.seconds());
        return e;
    }

    private static String json(Object o) {
        try {
            return JSON.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write checkpoint metadata as JSON: " + e.getMessage(), e);
        }
    }
}
