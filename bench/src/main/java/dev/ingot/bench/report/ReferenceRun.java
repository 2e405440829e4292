package dev.ingot.bench.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One result file of the Python reference scripts in {@code bench/python}: a library (NumPy on
 * OpenBLAS, PyTorch) timing the same work as Ingot's benchmarks on the same machine.
 *
 * @param label      the column title, {@code "NumPy OpenBLAS SkylakeX"}
 * @param library    {@code "numpy"} or {@code "torch"}
 * @param version    the library's version
 * @param coreType   the OpenBLAS kernel in use, or null
 * @param threads    threads it was allowed
 * @param device     {@code "cpu"} or {@code "cuda"}
 * @param parameters trainable parameters per model, for the training references
 * @param environment the facts the script recorded (versions, BLAS, CPU, date), as JSON
 * @param entries    the timings
 */
public record ReferenceRun(String label, String library, String version, String coreType, int threads, String device,
                           Map<String, Long> parameters, JsonNode environment, List<Entry> entries) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * One timing: what was timed ({@code kind}: gemm, train_step, conv2d, and the keys that say which
     * size, model or layer) and its mean seconds per operation.
     */
    public record Entry(String kind, Map<String, String> keys, double seconds) {
        public Entry {
            keys = Collections.unmodifiableMap(new LinkedHashMap<>(keys));
        }
    }

    public ReferenceRun {
        parameters = Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
        entries = List.copyOf(entries);
    }

    /** Mean seconds per operation of the entry of {@code kind} whose keys include all of {@code match}, or NaN. */
    public double seconds(String kind, Map<String, String> match) {
        for (Entry e : entries) {
            if (e.kind().equals(kind) && e.keys().entrySet().containsAll(match.entrySet())) {
                return e.seconds();
            }
        }
        return Double.NaN;
    }

    public boolean has(String kind) {
        return entries.stream().anyMatch(e -> e.kind().equals(kind));
    }

    public static ReferenceRun read(Path file) throws IOException {
        return parse(JSON.readTree(file.toFile()), file.toString());
    }

    /** Whether a parsed JSON document looks like a reference result (an object with a results list). */
    static boolean isReference(JsonNode root) {
        return root.isObject() && root.has("results") && root.has("library");
    }

    static ReferenceRun parse(JsonNode root, String source) {
        if (!isReference(root)) {
            throw new IllegalArgumentException(source + " is not a reference result file (expected an object with"
                    + " 'library' and 'results', as bench/python/*_reference.py write)");
        }
        List<Entry> entries = new ArrayList<>();
        int index = 0;
        for (JsonNode r : root.get("results")) {
            String where = source + " results[" + index++ + "]";
            JsonNode kind = r.get("kind");
            JsonNode seconds = r.get("seconds");
            if (kind == null || seconds == null || !seconds.isNumber() || !(seconds.asDouble() > 0)) {
                throw new IllegalArgumentException(where + ": needs 'kind' and a positive 'seconds', got " + r);
            }
            Map<String, String> keys = new LinkedHashMap<>();
            for (String k : new String[] {"size", "model", "batch_size", "layer", "pass"}) {
                if (r.has(k)) {
                    keys.put(k, r.get(k).asText());
                }
            }
            entries.add(new Entry(kind.asText(), keys, seconds.asDouble()));
        }
        Map<String, Long> parameters = new LinkedHashMap<>();
        root.path("parameters").properties().forEach(e -> parameters.put(e.getKey(), e.getValue().asLong()));
        JsonNode env = root.path("environment");
        String core = root.path("openblas_core_type").isTextual() ? root.get("openblas_core_type").asText() : null;
        return new ReferenceRun(root.path("label").asText(root.get("library").asText()), root.get("library").asText(),
                root.path("library_version").asText("?"), core, env.path("threads").asInt(0),
                env.path("device").asText("cpu"), parameters, env, entries);
    }
}
