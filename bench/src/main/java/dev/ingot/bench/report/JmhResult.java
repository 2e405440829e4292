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
 * One row of a JMH result file ({@code -rf json}): which benchmark, with which parameters, how many
 * threads, and the time per operation, converted to seconds whatever unit it was measured in.
 *
 * @param benchmark  the simple class name and method, {@code "GemmBenchmark.sgemm"}
 * @param params     the {@code @Param} values
 * @param threads    JMH worker threads (the time is per operation per thread)
 * @param seconds    mean time per operation (Mode.AverageTime)
 * @param error      the 99.9 % confidence half-width JMH reports, in seconds (NaN when unknown)
 * @param secondary  secondary metrics by name (for example {@code gc.alloc.rate.norm} in B/op)
 * @param jvmArgs    the forked JVM's arguments
 * @param jvm        JVM name and version, {@code "OpenJDK 64-Bit Server VM 25+36-LTS"}
 * @param settings   forks, warm-up and measurement iterations and times, as JMH ran them
 * @param forkSeconds the mean time per operation of each fork, in seconds (from JMH's raw data; empty
 *                    when the file has none): the spread between forks shows JIT luck that the
 *                    iterations of one fork cannot
 */
public record JmhResult(String benchmark, Map<String, String> params, int threads, double seconds, double error,
                        Map<String, Double> secondary, List<String> jvmArgs, String jvm, String settings,
                        List<Double> forkSeconds) {

    private static final ObjectMapper JSON = new ObjectMapper();

    public JmhResult {
        params = Collections.unmodifiableMap(new LinkedHashMap<>(params));
        secondary = Collections.unmodifiableMap(new LinkedHashMap<>(secondary));
        jvmArgs = List.copyOf(jvmArgs);
        forkSeconds = List.copyOf(forkSeconds);
    }

    /** The benchmark's class, {@code "GemmBenchmark"}. */
    public String benchmarkClass() {
        return benchmark.substring(0, benchmark.indexOf('.'));
    }

    /** The benchmark method, {@code "sgemm"}. */
    public String method() {
        return benchmark.substring(benchmark.indexOf('.') + 1);
    }

    public String param(String name) {
        return params.get(name);
    }

    public int intParam(String name) {
        String v = params.get(name);
        if (v == null) {
            throw new IllegalArgumentException(benchmark + " has no parameter '" + name + "' (it has " + params.keySet() + ")");
        }
        return Integer.parseInt(v);
    }

    /** The backend it ran on, or {@code "cpu"} for benchmarks without a backend parameter. */
    public String backend() {
        return params.getOrDefault("backend", "cpu");
    }

    /** The value of {@code -Dname=value} among the forked JVM's arguments, or null. */
    public String systemProperty(String name) {
        String prefix = "-D" + name + "=";
        for (String a : jvmArgs) {
            if (a.startsWith(prefix)) {
                return a.substring(prefix.length());
            }
        }
        return null;
    }

    /** Reads every row of a JMH JSON result file; a file that is not one is an error naming it. */
    public static List<JmhResult> read(Path file) throws IOException {
        return parse(JSON.readTree(file.toFile()), file.toString());
    }

    static List<JmhResult> parse(JsonNode root, String source) {
        if (!root.isArray()) {
            throw new IllegalArgumentException(source + " is not a JMH result file (expected a JSON array of results)");
        }
        List<JmhResult> rows = new ArrayList<>();
        int index = 0;
        for (JsonNode r : root) {
            String where = source + " result #" + index++;
            String fullName = required(r, "benchmark", where).asText();
            String[] parts = fullName.split("\\.");
            if (parts.length < 2) {
                throw new IllegalArgumentException(where + ": benchmark name '" + fullName + "' has no class and method");
            }
            String name = parts[parts.length - 2] + "." + parts[parts.length - 1];
            Map<String, String> params = new LinkedHashMap<>();
            r.path("params").properties().forEach(e -> params.put(e.getKey(), e.getValue().asText()));
            JsonNode primary = required(r, "primaryMetric", where);
            String unit = required(primary, "scoreUnit", where).asText();
            double toSeconds = secondsPer(unit, where);
            double score = required(primary, "score", where).asDouble() * toSeconds;
            JsonNode err = primary.path("scoreError");
            double error = err.isNumber() ? err.asDouble() * toSeconds : Double.NaN;
            Map<String, Double> secondary = new LinkedHashMap<>();
            r.path("secondaryMetrics").properties().forEach(e -> {
                JsonNode s = e.getValue().path("score");
                if (s.isNumber()) {
                    secondary.put(e.getKey(), s.asDouble());
                }
            });
            List<String> jvmArgs = new ArrayList<>();
            r.path("jvmArgs").forEach(a -> jvmArgs.add(a.asText()));
            String jvm = (r.path("vmName").asText("") + " " + r.path("vmVersion").asText("")).trim();
            String settings = r.path("forks").asInt() + " fork(s), " + r.path("warmupIterations").asInt() + " x "
                    + r.path("warmupTime").asText("?") + " warm-up, " + r.path("measurementIterations").asInt() + " x "
                    + r.path("measurementTime").asText("?") + " measurement";
            List<Double> forkSeconds = new ArrayList<>();
            for (JsonNode fork : primary.path("rawData")) {
                double sum = 0;
                int n = 0;
                for (JsonNode v : fork) {
                    sum += v.asDouble();
                    n++;
                }
                if (n > 0) {
                    forkSeconds.add(sum / n * toSeconds);
                }
            }
            rows.add(new JmhResult(name, params, r.path("threads").asInt(1), score, error, secondary, jvmArgs, jvm,
                    settings, forkSeconds));
        }
        return rows;
    }

    private static JsonNode required(JsonNode node, String field, String where) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            throw new IllegalArgumentException(where + ": missing field '" + field + "'");
        }
        return v;
    }

    private static double secondsPer(String unit, String where) {
        return switch (unit) {
            case "s/op" -> 1;
            case "ms/op" -> 1e-3;
            case "us/op" -> 1e-6;
            case "ns/op" -> 1e-9;
            default -> throw new IllegalArgumentException(where + ": score unit '" + unit
                    + "' is not a time per operation; run the benchmarks with -bm avgt (Mode.AverageTime)");
        };
    }
}
