package dev.ingot.nn.checkpoint;

import dev.ingot.core.Shape;
import dev.ingot.core.Tensor;
import dev.ingot.nn.Buffer;
import dev.ingot.nn.Model;
import dev.ingot.nn.Parameter;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Loads a PyTorch state dict saved as safetensors (F32, F16 or BF16) into a model whose parameter
 * names follow PyTorch's, as {@link dev.ingot.models.ResNets} do ({@code conv1.weight},
 * {@code layer1.0.bn1.running_var}, {@code fc.bias}).
 * <pre>
 *   PyTorch                                   Ingot
 *   Conv2d.weight (out, in, kh, kw)           same layout
 *   Linear.weight (out, in)                   transposed to (in, out), Ingot's dense kernel layout
 *   BatchNorm2d.weight / .bias                gamma / beta, same names
 *   BatchNorm2d.running_mean / running_var    buffers, same names
 *   BatchNorm2d.num_batches_tracked           ignored (Ingot's BatchNorm uses a fixed momentum)
 * </pre>
 * Every rank-2 parameter of an Ingot model is a dense kernel (convolutions are rank 4, BatchNorm
 * and biases rank 1), so the transpose is decided by rank, never guessed from the shapes.
 *
 * <p>Nothing is copied unless everything matches: otherwise one exception lists every missing,
 * unexpected and mis-shaped tensor.
 */
public final class PyTorchWeights {
    private static final String IGNORED_SUFFIX = "num_batches_tracked";

    private PyTorchWeights() {
    }

    /**
     * What was loaded.
     *
     * @param tensors  parameters and buffers set
     * @param values   numbers copied
     * @param ignored  file entries skipped on purpose (num_batches_tracked)
     */
    public record Report(int tensors, long values, List<String> ignored) {
    }

    /** Reads {@code file} and loads it into {@code model} (built). */
    public static Report load(Path file, Model model) throws IOException {
        return load(file, SafeTensors.read(file).tensors(), model);
    }

    /**
     * Loads {@code stateDict} (read from {@code source}, named in errors) into {@code model}.
     *
     * @throws WeightMismatchException listing every missing, unexpected and mis-shaped tensor
     */
    public static Report load(Path source, Map<String, StoredTensor> stateDict, Model model) {
        return load(source, stateDict, model, List.of());
    }

    /**
     * Like {@link #load(Path, Map, Model)}, leaving alone every model tensor and file entry whose name
     * starts with one of {@code skipPrefixes}: a new head ({@code "fc."}) keeps its fresh
     * initialisation and the file's old head is neither required nor unexpected.
     */
    public static Report load(Path source, Map<String, StoredTensor> stateDict, Model model, List<String> skipPrefixes) {
        java.util.function.Predicate<String> skipped = n -> skipPrefixes.stream().anyMatch(n::startsWith);
        Map<String, Tensor> targets = new LinkedHashMap<>();
        Map<String, Boolean> isDenseKernel = new LinkedHashMap<>();
        for (Parameter p : model.parameters()) {
            if (skipped.test(p.name())) {
                continue;
            }
            targets.put(p.name(), p.value());
            isDenseKernel.put(p.name(), p.value().shape().rank() == 2);
        }
        for (Buffer b : model.buffers()) {
            if (skipped.test(b.name())) {
                continue;
            }
            targets.put(b.name(), b.value());
            isDenseKernel.put(b.name(), false);
        }
        List<String> missing = new ArrayList<>();
        List<String> misShaped = new ArrayList<>();
        List<String> unexpected = new ArrayList<>();
        List<String> ignored = new ArrayList<>();
        Map<String, float[]> values = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : targets.entrySet()) {
            String name = e.getKey();
            StoredTensor t = stateDict.get(name);
            if (t == null) {
                missing.add(name + " " + e.getValue().shape());
                continue;
            }
            Shape want = e.getValue().shape();
            if (isDenseKernel.get(name)) {
                Shape torchLayout = Shape.of(want.dim(1), want.dim(0));
                if (!t.shape().equals(torchLayout)) {
                    misShaped.add(name + ": file " + t.shape() + ", model needs " + torchLayout
                            + " (PyTorch's (out, in) Linear layout)");
                    continue;
                }
                values.put(name, transpose(t.values(), want.dim(1), want.dim(0)));
            } else {
                if (!t.shape().equals(want)) {
                    misShaped.add(name + ": file " + t.shape() + ", model needs " + want);
                    continue;
                }
                values.put(name, t.values());
            }
        }
        for (String name : stateDict.keySet()) {
            if (targets.containsKey(name)) {
                continue;
            }
            if (name.endsWith("." + IGNORED_SUFFIX) || name.equals(IGNORED_SUFFIX) || skipped.test(name)) {
                ignored.add(name);
            } else {
                unexpected.add(name + " " + stateDict.get(name).shape());
            }
        }
        if (!missing.isEmpty() || !unexpected.isEmpty() || !misShaped.isEmpty()) {
            throw new WeightMismatchException(source, missing, unexpected, misShaped);
        }
        long count = 0;
        for (Map.Entry<String, float[]> e : values.entrySet()) {
            targets.get(e.getKey()).copyFrom(e.getValue());
            count += e.getValue().length;
        }
        return new Report(values.size(), count, List.copyOf(ignored));
    }

    /** {@code (rows, cols)} row-major to {@code (cols, rows)} row-major. */
    static float[] transpose(float[] a, int rows, int cols) {
        float[] t = new float[a.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                t[c * rows + r] = a[r * cols + c];
            }
        }
        return t;
    }

    /** The state dict does not fit the model; each list names the tensors and shapes. */
    public static final class WeightMismatchException extends IllegalArgumentException {
        private final List<String> missing;
        private final List<String> unexpected;
        private final List<String> misShaped;

        WeightMismatchException(Path source, List<String> missing, List<String> unexpected, List<String> misShaped) {
            super(source + " does not fit the model: " + missing.size() + " missing, " + unexpected.size()
                    + " unexpected, " + misShaped.size() + " mis-shaped tensor(s)"
                    + section("missing (the model has them, the file does not)", missing)
                    + section("unexpected (the file has them, the model does not)", unexpected)
                    + section("mis-shaped", misShaped));
            this.missing = List.copyOf(missing);
            this.unexpected = List.copyOf(unexpected);
            this.misShaped = List.copyOf(misShaped);
        }

        private static String section(String title, List<String> names) {
            if (names.isEmpty()) {
                return "";
            }
            int shown = Math.min(names.size(), 20);
            return "\n  " + title + ": " + String.join(", ", names.subList(0, shown))
                    + (shown < names.size() ? ", ... (" + (names.size() - shown) + " more)" : "");
        }

        public List<String> missing() {
            return missing;
        }

        public List<String> unexpected() {
            return unexpected;
        }

        public List<String> misShaped() {
            return misShaped;
        }
    }
}
