package dev.ingot.transfer;

import dev.ingot.core.Shape;
import dev.ingot.nn.Model;
import dev.ingot.nn.Parameter;
import dev.ingot.nn.checkpoint.Checkpoint;
import dev.ingot.nn.checkpoint.PyTorchWeights;
import dev.ingot.nn.checkpoint.SafeTensors;
import dev.ingot.nn.checkpoint.StoredTensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Weights a training run starts from ({@code ingot train --init-weights}): a PyTorch state dict saved
 * as safetensors (torchvision names, through {@link PyTorchWeights}), or a checkpoint written by
 * {@code ingot train}/{@code finetune} (told apart by its {@code ingot.format} metadata; only its
 * weights and BatchNorm statistics are taken, not its optimizer state, position or seed).
 *
 * <p>The head is the layer holding the model's last parameter ({@code fc.} for the ResNets,
 * {@code 7.linear.} in a {@code Sequential}). A head of another shape (weights trained for another
 * number of classes) is an error naming both shapes, as PyTorch's strict {@code load_state_dict} and
 * Keras' {@code load_weights} refuse it, unless {@code newHead}: then the head keeps its fresh
 * initialisation whatever the file holds (PyTorch's {@code model.fc = nn.Linear(in, classes)} after
 * loading). Everything else must match exactly: one error lists every missing, unexpected and
 * mis-shaped tensor.
 */
public final class InitialWeights {
    private InitialWeights() {
    }

    /**
     * What was loaded.
     *
     * @param format  "PyTorch state dict" or "Ingot checkpoint"
     * @param tensors parameters and buffers set from the file
     * @param head    the head's name prefix
     * @param newHead whether the head was left at its fresh initialisation
     */
    public record Loaded(String format, int tensors, String head, boolean newHead) {
        /** One line for the run's output. */
        public String describe(Path file) {
            return "initial weights: " + tensors + " tensors from " + file + " (" + format + ")"
                    + (newHead ? "; new head '" + head + "' freshly initialised" : ", head '" + head + "' included");
        }
    }

    /** Loads {@code file} into {@code model} (built). */
    public static Loaded load(Path file, Model model, boolean newHead) throws IOException {
        SafeTensors.Contents contents = SafeTensors.read(file);
        boolean ingot = contents.metadata().containsKey(Checkpoint.KEY_FORMAT);
        Map<String, StoredTensor> dict = ingot ? asStateDict(Checkpoint.read(file), model) : contents.tensors();
        String head = headPrefix(model);
        try {
            PyTorchWeights.Report r = PyTorchWeights.load(file, dict, model, newHead ? List.of(head) : List.of());
            return new Loaded(ingot ? "Ingot checkpoint" : "PyTorch state dict", r.tensors(), head, newHead);
        } catch (PyTorchWeights.WeightMismatchException e) {
            boolean onlyHead = Stream.of(e.missing(), e.unexpected(), e.misShaped()).flatMap(List::stream)
                    .allMatch(n -> n.startsWith(head));
            if (!newHead && onlyHead && !e.misShaped().isEmpty()) {
                throw new IllegalArgumentException(file + ": the head '" + head + "' does not fit: " + String.join("; ",
                        e.misShaped()) + ". The weights were trained for another number of classes: add --new-head to"
                        + " start a freshly initialised head for this dataset's classes (and keep the rest)", e);
            }
            throw e;
        }
    }

    /**
     * An Ingot checkpoint's weights in PyTorch's layout, so that one mapping (and one error)
     * serves both: a model's rank-2 parameters are dense kernels, stored {@code (in, out)} by
     * Ingot and {@code (out, in)} by PyTorch; the optimizer's entries are dropped.
     */
    private static Map<String, StoredTensor> asStateDict(Checkpoint c, Model model) {
        Map<String, Integer> rank = new LinkedHashMap<>();
        for (Parameter p : model.parameters()) {
            rank.put(p.name(), p.value().shape().rank());
        }
        Map<String, StoredTensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, StoredTensor> e : c.tensors().entrySet()) {
            String name = e.getKey();
            StoredTensor t = e.getValue();
            if (name.startsWith("optimizer.")) {
                continue;
            }
            if (rank.getOrDefault(name, 0) == 2 && t.shape().rank() == 2) {
                int rows = t.shape().dim(0);
                int cols = t.shape().dim(1);
                float[] v = t.values();
                float[] transposed = new float[v.length];
                for (int r = 0; r < rows; r++) {
                    for (int col = 0; col < cols; col++) {
                        transposed[col * rows + r] = v[r * cols + col];
                    }
                }
                t = new StoredTensor(Shape.of(cols, rows), transposed);
            }
            out.put(name, t);
        }
        return out;
    }

    /** The name prefix of the layer that holds the model's last parameter, e.g. {@code "fc."}. */
    public static String headPrefix(Model model) {
        List<Parameter> params = model.parameters();
        if (params.isEmpty()) {
            throw new IllegalArgumentException("the model has no parameters to load weights into");
        }
        String last = params.getLast().name();
        int dot = last.lastIndexOf('.');
        return dot < 0 ? last : last.substring(0, dot + 1);
    }
}
