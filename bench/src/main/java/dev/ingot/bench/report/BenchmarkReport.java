package dev.ingot.bench.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ingot.bench.ReferenceLayers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * Turns JMH result files ({@code -rf json}), the Python reference results and the machine description
 * into one Markdown report: the FP32 peak, the training step, GEMM and convolution tables side by side
 * with the references (throughput ratio Ingot / reference: above 1 means Ingot is faster), and every
 * other kernel with its GFLOP/s or GB/s.
 *
 * <pre>
 * java -cp bench/target/benchmarks.jar dev.ingot.bench.report.BenchmarkReport \
 *     --out results.md [--machine machine.json] [--note TEXT]... FILE_OR_FOLDER...
 * </pre>
 * Every {@code *.json} in a folder is read; a file is recognised by its content (a JMH result array, a
 * reference result object, or a machine description).
 */
public final class BenchmarkReport {

    /** Everything a report is made of. */
    public record Inputs(List<JmhResult> jmh, List<ReferenceRun> references, List<TrainingGcResult> gc,
                         MachineInfo machine, List<String> notes) {
        public Inputs {
            jmh = List.copyOf(jmh);
            references = List.copyOf(references);
            gc = List.copyOf(gc);
            notes = List.copyOf(notes);
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Inputs in;
    private final double onePeak;          // FLOP/s of one thread, NaN if not measured
    private final double allPeak;          // FLOP/s of allThreads threads
    private final int allThreads;

    private BenchmarkReport(Inputs in) {
        this.in = in;
        double one = Double.NaN, all = Double.NaN;
        int threads = 0;
        for (JmhResult r : in.jmh()) {
            if (r.benchmarkClass().equals("FmaPeakBenchmark")) {
                double rate = r.threads() * work(r).flops() / r.seconds();
                if (r.method().equals("oneThread")) {
                    one = rate;
                } else if (r.method().equals("allThreads")) {
                    all = rate;
                    threads = r.threads();
                }
            }
        }
        this.onePeak = one;
        this.allPeak = all;
        this.allThreads = threads;
    }

    /** The Markdown report for these inputs. */
    public static String render(Inputs in) {
        return new BenchmarkReport(in).render();
    }

    public static void main(String[] args) throws IOException {
        Path out = null;
        Path machineFile = null;
        List<String> notes = new ArrayList<>();
        List<Path> files = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--out" -> out = Path.of(value(args, ++i, "--out"));
                case "--machine" -> machineFile = Path.of(value(args, ++i, "--machine"));
                case "--note" -> notes.add(value(args, ++i, "--note"));
                case "-h", "--help" -> {
                    System.out.println("usage: BenchmarkReport --out results.md [--machine machine.json] [--note TEXT]..."
                            + " FILE_OR_FOLDER...");
                    return;
                }
                default -> files.add(Path.of(args[i]));
            }
        }
        if (files.isEmpty()) {
            throw new IllegalArgumentException("no result files given; usage: BenchmarkReport --out results.md"
                    + " [--machine machine.json] FILE_OR_FOLDER...");
        }
        List<JmhResult> jmh = new ArrayList<>();
        List<ReferenceRun> references = new ArrayList<>();
        List<TrainingGcResult> gc = new ArrayList<>();
        MachineInfo machine = machineFile == null ? null : MachineInfo.read(machineFile);
        for (Path f : expand(files)) {
            JsonNode root;
            try {
                root = JSON.readTree(f.toFile());
            } catch (IOException e) {
                throw new IllegalArgumentException(f + " is not valid JSON: " + e.getMessage(), e);
            }
            if (root == null) {
                throw new IllegalArgumentException(f + " is empty");
            } else if (root.isArray()) {
                jmh.addAll(JmhResult.parse(root, f.toString()));
            } else if (ReferenceRun.isReference(root)) {
                references.add(ReferenceRun.parse(root, f.toString()));
            } else if (TrainingGcResult.KIND.equals(root.path("kind").asText())) {
                gc.add(JSON.treeToValue(root, TrainingGcResult.class));
            } else if (root.has("floatLanes") && machine == null) {
                machine = JSON.treeToValue(root, MachineInfo.class);
            } else if (!root.has("floatLanes")) {
                throw new IllegalArgumentException(f + " is neither a JMH result (array), a reference result, a"
                        + " training GC measurement nor a machine description");
            }
        }
        if (machine == null) {
            machine = MachineInfo.detect();
            notes.add("No machine description was given: the machine and vector width above are those of the"
                    + " machine that made this report.");
        }
        String report = render(new Inputs(jmh, references, gc, machine, notes));
        if (out == null) {
            System.out.print(report);
        } else {
            Path parent = out.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Files.writeString(out, report);
            System.err.println("wrote " + out + " (" + jmh.size() + " JMH results, " + references.size()
                    + " reference files)");
        }
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }

    private static List<Path> expand(List<Path> paths) throws IOException {
        List<Path> files = new ArrayList<>();
        for (Path p : paths) {
            if (Files.isDirectory(p)) {
                try (Stream<Path> s = Files.list(p)) {
                    s.filter(f -> f.getFileName().toString().endsWith(".json") && Files.isRegularFile(f))
                            .sorted().forEach(files::add);
                }
            } else if (Files.isRegularFile(p)) {
                files.add(p);
            } else {
                throw new IllegalArgumentException("result file or folder " + p + " does not exist");
            }
        }
        return files;
    }

    // ---------------------------------------------------------------- rendering

    private String render() {
        StringBuilder sb = new StringBuilder();
        sb.append("# Ingot benchmarks\n\n");
        header(sb);
        peak(sb);
        forkSpread(sb);
        training(sb);
        garbageCollection(sb);
        gemm(sb);
        conv(sb);
        kernels(sb);
        parameters(sb);
        references(sb);
        return sb.toString();
    }

    private void header(StringBuilder sb) {
        MachineInfo m = in.machine();
        Set<String> jvms = new LinkedHashSet<>();
        Set<String> settings = new LinkedHashSet<>();
        for (JmhResult r : in.jmh()) {
            jvms.add(r.jvm());
            settings.add(r.settings());
        }
        sb.append("- Machine: ").append(m.cpu()).append(" (family/model ").append(m.cpuFamily()).append("), ")
                .append(m.logicalCpus()).append(" logical CPUs, ")
                .append(m.avx512() ? "AVX-512" : "no AVX-512").append(", Vector API preferred species ")
                .append(m.vectorBits()).append("-bit (").append(m.floatLanes()).append(" floats); ").append(m.os())
                .append('\n');
        if (m.vectorShape() != null) {
            sb.append("- Ingot CPU kernels: ").append(m.vectorShape())
                    .append(m.jvmFlags().isEmpty() ? "" : ", JVM held to " + String.join(" ", m.jvmFlags()))
                    .append('\n');
        }
        sb.append("- JVM: ").append(jvms.isEmpty() ? m.java() : String.join("; ", jvms)).append('\n');
        sb.append("- Ingot CPU threads: ").append(m.ingotThreads()).append(" (unless a row says otherwise)\n");
        sb.append("- JMH: ").append(settings.isEmpty() ? "no JMH results" : String.join("; ", settings))
                .append(", Mode.AverageTime\n");
        sb.append("- Recorded: ").append(m.date()).append('\n');
        for (ReferenceRun r : in.references().stream().filter(distinctBy(ReferenceRun::label)).toList()) {
            sb.append("- Reference: ").append(r.label()).append(" (").append(r.library()).append(' ')
                    .append(r.version()).append(", ").append(r.threads()).append(" threads, ").append(r.device())
                    .append(")\n");
        }
        for (String note : in.notes()) {
            sb.append("- Note: ").append(note).append('\n');
        }
        sb.append("\nRatios are throughputs, Ingot / reference: above 1 means Ingot is faster. GFLOP/s count 2 FLOPs"
                + " per multiply-add; % of peak is against the FMA-loop peak for the threads used.\n\n");
    }

    private void peak(StringBuilder sb) {
        sb.append("## FP32 peak (Vector API FMA loop)\n\n");
        if (Double.isNaN(onePeak) && Double.isNaN(allPeak)) {
            sb.append("Not measured (run FmaPeakBenchmark); no % of peak below.\n\n");
            return;
        }
        MarkdownTable t = new MarkdownTable(List.of(">threads", ">GFLOP/s", ">GFLOP/s per thread"));
        if (!Double.isNaN(onePeak)) {
            t.add(List.of("1", num(onePeak / 1e9), num(onePeak / 1e9)));
        }
        if (!Double.isNaN(allPeak)) {
            t.add(List.of(String.valueOf(allThreads), num(allPeak / 1e9), num(allPeak / 1e9 / allThreads)));
        }
        sb.append(t.render()).append('\n');
    }

    /** Largest distance of a fork's mean from the median of the forks that a headline row may show. */
    static final double FORK_SPREAD_LIMIT = 0.15;

    /**
     * Every result measured in more than one fork: the forks' means, min / median / max, and the
     * worst fork's distance from the median. One JVM can compile a kernel worse than the next (a
     * bail-out, a different inlining order), which the iterations within one fork never show.
     */
    private void forkSpread(StringBuilder sb) {
        List<JmhResult> rows = in.jmh().stream().filter(r -> r.forkSeconds().size() > 1).toList();
        if (rows.isEmpty()) {
            return;
        }
        sb.append("## Spread between JMH forks\n\n");
        MarkdownTable t = new MarkdownTable(List.of("benchmark", "parameters", ">forks", ">min", ">median", ">max",
                ">worst fork vs median", "within " + Math.round(FORK_SPREAD_LIMIT * 100) + " %"));
        for (JmhResult r : rows) {
            List<Double> forks = r.forkSeconds().stream().sorted().toList();
            double median = median(forks);
            double worst = 0;
            for (double f : forks) {
                worst = Math.max(worst, Math.abs(f / median - 1));
            }
            double unit = r.seconds() >= 1e-3 ? 1e3 : 1e6;
            String suffix = unit == 1e3 ? " ms" : " us";
            t.add(List.of(r.benchmark(), otherParams(r).trim(), String.valueOf(forks.size()),
                    num(forks.getFirst() * unit) + suffix, num(median * unit) + suffix, num(forks.getLast() * unit) + suffix,
                    String.format(Locale.ROOT, "%.1f %%", worst * 100), worst <= FORK_SPREAD_LIMIT ? "yes" : "**no**"));
        }
        sb.append(t.render()).append('\n');
    }

    static double median(List<Double> sorted) {
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    private void training(StringBuilder sb) {
        List<JmhResult> rows = rows("TrainingStepBenchmark");
        if (rows.isEmpty()) {
            return;
        }
        sb.append("## Training step: forward, backward, Adam\n\n");
        List<ReferenceRun> refs = refs("train_step");
        boolean gc = rows.stream().anyMatch(r -> r.secondary().containsKey("gc.alloc.rate.norm"));
        List<String> cols = new ArrayList<>(List.of("model", ">batch", "backend", ">ms/step", ">images/s",
                ">GFLOP/s", ">% of peak"));
        if (gc) {
            cols.add(">allocated/step");
        }
        for (ReferenceRun ref : refs) {
            cols.add(">" + ref.label() + " images/s");
            cols.add(">Ingot / " + ref.label());
        }
        MarkdownTable t = new MarkdownTable(cols);
        for (JmhResult r : sorted(rows, "model", "batchSize")) {
            int batch = r.intParam("batchSize");
            List<String> cells = new ArrayList<>(List.of(r.param("model"), String.valueOf(batch), r.backend(),
                    num(r.seconds() * 1e3), num(batch / r.seconds()), gflops(r), percentOfPeak(r)));
            if (gc) {
                Double bytes = r.secondary().get("gc.alloc.rate.norm");
                cells.add(bytes == null ? "" : bytes(bytes));
            }
            for (ReferenceRun ref : refs) {
                double s = sameDevice(ref, r) ? ref.seconds("train_step", Map.of("model", r.param("model"),
                        "batch_size", String.valueOf(batch))) : Double.NaN;
                cells.add(Double.isNaN(s) ? "" : num(batch / s));
                cells.add(ratio(s, r.seconds()));
            }
            t.add(cells);
        }
        sb.append(t.render()).append('\n');
    }

    private void garbageCollection(StringBuilder sb) {
        if (in.gc().isEmpty()) {
            return;
        }
        sb.append("## Garbage collection during training (TrainingGcProbe, after warm-up; target: under 2 %)\n\n");
        MarkdownTable t = new MarkdownTable(List.of("model", ">batch", "backend", ">threads", "collector", ">steps",
                ">seconds", ">images/s", ">GCs", ">GC ms", ">GC time", ">allocated/step"));
        for (TrainingGcResult g : in.gc()) {
            t.add(List.of(g.model(), String.valueOf(g.batchSize()), g.backend(), String.valueOf(g.threads()),
                    g.collector(), String.valueOf(g.steps()), num(g.seconds()), num(g.imagesPerSecond()),
                    String.valueOf(g.gcCount()), num(g.gcMillis()),
                    String.format(Locale.ROOT, "%.2f %%", g.gcPercent()), bytes(g.allocatedBytesPerStep())));
        }
        sb.append(t.render()).append('\n');
    }

    private void gemm(StringBuilder sb) {
        List<JmhResult> rows = rows("GemmBenchmark");
        if (rows.isEmpty()) {
            return;
        }
        sb.append("## GEMM: C = A B, square, float32\n\n");
        List<ReferenceRun> refs = refs("gemm");
        List<String> cols = new ArrayList<>(List.of(">size", "benchmark", "backend", ">ms", ">GFLOP/s", ">% of peak"));
        for (ReferenceRun ref : refs) {
            cols.add(">" + ref.label() + " GFLOP/s");
            cols.add(">Ingot / " + ref.label());
        }
        MarkdownTable t = new MarkdownTable(cols);
        for (JmhResult r : sorted(rows, "size")) {
            String size = r.params().getOrDefault("size", "?");
            List<String> cells = new ArrayList<>(List.of(size, r.method() + otherParams(r, "size", "backend"),
                    r.backend(), num(r.seconds() * 1e3), gflops(r), percentOfPeak(r)));
            double flops = work(r).flops();
            for (ReferenceRun ref : refs) {
                double s = sameDevice(ref, r) ? ref.seconds("gemm", Map.of("size", size)) : Double.NaN;
                cells.add(Double.isNaN(s) || flops == 0 ? "" : num(flops / s / 1e9));
                cells.add(ratio(s, r.seconds()));
            }
            t.add(cells);
        }
        sb.append(t.render()).append('\n');
    }

    private void conv(StringBuilder sb) {
        List<JmhResult> rows = rows("Conv2dBenchmark");
        if (rows.isEmpty()) {
            return;
        }
        sb.append("## Convolution layers (3x3, 'valid', stride 1)\n\n");
        List<ReferenceRun> refs = refs("conv2d");
        List<String> cols = new ArrayList<>(List.of("layer", "pass", ">batch", "backend", ">ms", ">GFLOP/s",
                ">% of peak"));
        for (ReferenceRun ref : refs) {
            cols.add(">" + ref.label() + " ms");
            cols.add(">Ingot / " + ref.label());
        }
        MarkdownTable t = new MarkdownTable(cols);
        for (JmhResult r : sorted(rows, "layer")) {
            String layer = String.valueOf(Workloads.convLayer(r));
            String batch = String.valueOf(Workloads.convBatch(r));
            List<String> cells = new ArrayList<>(List.of(layer, r.method(), batch, r.backend(),
                    num(r.seconds() * 1e3), gflops(r), percentOfPeak(r)));
            for (ReferenceRun ref : refs) {
                double s = sameDevice(ref, r) ? ref.seconds("conv2d", Map.of("layer", layer, "pass", r.method(),
                        "batch_size", batch)) : Double.NaN;
                cells.add(Double.isNaN(s) ? "" : num(s * 1e3));
                cells.add(ratio(s, r.seconds()));
            }
            t.add(cells);
        }
        sb.append(t.render()).append('\n');
    }

    private void kernels(StringBuilder sb) {
        Set<String> shown = Set.of("FmaPeakBenchmark", "TrainingStepBenchmark", "GemmBenchmark", "Conv2dBenchmark");
        List<JmhResult> rows = in.jmh().stream().filter(r -> !shown.contains(r.benchmarkClass())).toList();
        if (rows.isEmpty()) {
            return;
        }
        sb.append("## Kernels at the reference models' shapes\n\n");
        MarkdownTable t = new MarkdownTable(List.of("benchmark", "parameters", "backend", ">µs/op", ">GFLOP/s",
                ">GB/s", ">% of peak"));
        List<JmhResult> ordered = new ArrayList<>(rows);
        ordered.sort(Comparator.comparing(JmhResult::benchmark).thenComparing(r -> r.params().toString()));
        for (JmhResult r : ordered) {
            Workloads.Work w = work(r);
            t.add(List.of(r.benchmark(), otherParams(r, "backend").replaceFirst("^ ", ""), r.backend(),
                    num(r.seconds() * 1e6), w.flops() > 0 ? gflops(r) : "", w.bytes() > 0 ? num(w.bytes() / r.seconds() / 1e9)
                            : "", w.flops() > 0 ? percentOfPeak(r) : ""));
        }
        sb.append(t.render()).append('\n');
        sb.append("GB/s counts each tensor read or written once (float32); caches can make the real traffic"
                + " smaller, so small shapes may show more than the memory bandwidth.\n\n");
    }

    private void parameters(StringBuilder sb) {
        List<ReferenceRun> refs = refs("train_step").stream().filter(r -> !r.parameters().isEmpty()).toList();
        sb.append("## Same models on both sides: trainable parameters\n\n");
        List<String> cols = new ArrayList<>(List.of("model", ">Ingot"));
        refs.forEach(r -> cols.add(">" + r.label()));
        MarkdownTable t = new MarkdownTable(cols);
        for (ReferenceLayers.ReferenceModel m : ReferenceLayers.models()) {
            List<String> cells = new ArrayList<>(List.of(m.name(), String.valueOf(m.parameters())));
            refs.forEach(r -> cells.add(String.valueOf(r.parameters().getOrDefault(m.name(), -1L))));
            t.add(cells);
        }
        sb.append(t.render()).append('\n');
    }

    private void references(StringBuilder sb) {
        if (in.references().isEmpty()) {
            sb.append("No reference results were given: the tables show Ingot alone.\n");
            return;
        }
        sb.append("## Reference environment\n\n");
        for (ReferenceRun r : in.references().stream().filter(distinctBy(ReferenceRun::label)).toList()) {
            JsonNode env = r.environment();
            sb.append("- ").append(r.label()).append(": ").append(r.library()).append(' ').append(r.version())
                    .append(", Python ").append(env.path("python").asText("?")).append(", NumPy ")
                    .append(env.path("numpy").asText("?"));
            for (JsonNode pool : env.path("blas")) {
                if (pool.has("internal_api")) {
                    String version = pool.hasNonNull("version") ? " " + pool.get("version").asText() : "";
                    sb.append("; ").append(pool.path("internal_api").asText()).append(version)
                            .append(pool.hasNonNull("architecture")
                                    ? " kernel " + pool.get("architecture").asText() : "")
                            .append(pool.hasNonNull("num_threads") ? ", " + pool.get("num_threads").asInt() + " threads" : "");
                }
            }
            JsonNode packages = env.path("debian_packages");
            if (packages.size() > 0) {
                List<String> list = new ArrayList<>();
                packages.properties().forEach(e -> list.add(e.getKey() + " " + e.getValue().asText()));
                sb.append("; Debian packages ").append(String.join(", ", list));
            }
            JsonNode vars = env.path("environment");
            if (vars.size() > 0) {
                sb.append("; environment ").append(vars);
            }
            sb.append("; ").append(env.path("date").asText("")).append('\n');
        }
        sb.append('\n');
    }

    // ---------------------------------------------------------------- helpers

    private Workloads.Work work(JmhResult r) {
        return Workloads.of(r, in.machine().floatLanes());
    }

    private List<JmhResult> rows(String benchmarkClass) {
        return in.jmh().stream().filter(r -> r.benchmarkClass().equals(benchmarkClass)).toList();
    }

    private List<ReferenceRun> refs(String kind) {
        return in.references().stream().filter(r -> r.has(kind)).toList();
    }

    private static boolean sameDevice(ReferenceRun ref, JmhResult r) {
        return ref.device().equals(r.backend());
    }

    private static List<JmhResult> sorted(List<JmhResult> rows, String... numericOrTextParams) {
        Comparator<JmhResult> c = Comparator.comparing(JmhResult::backend);
        for (String p : numericOrTextParams) {
            c = c.thenComparing(r -> sortKey(r.param(p)));
        }
        c = c.thenComparing(JmhResult::method);
        List<JmhResult> copy = new ArrayList<>(rows);
        copy.sort(c);
        return copy;
    }

    private static String sortKey(String v) {
        if (v == null) {
            return "";
        }
        return v.matches("\\d+") ? String.format(Locale.ROOT, "%012d", Long.parseLong(v)) : v;
    }

    private static String otherParams(JmhResult r, String... skip) {
        Map<String, String> rest = new LinkedHashMap<>(r.params());
        for (String s : skip) {
            rest.remove(s);
        }
        if (rest.isEmpty()) {
            return "";
        }
        StringBuilder sb = new StringBuilder(" ");
        rest.forEach((k, v) -> sb.append(sb.length() > 1 ? ", " : "").append(k).append('=').append(v));
        return sb.toString();
    }

    private String gflops(JmhResult r) {
        double f = work(r).flops();
        return f > 0 ? num(f / r.seconds() / 1e9) : "";
    }

    /** Threads the CPU backend used for this row: -Dingot.cpu.threads in its JVM, else the machine default. */
    private int ingotThreads(JmhResult r) {
        String p = r.systemProperty("ingot.cpu.threads");
        try {
            return p == null ? in.machine().ingotThreads() : Integer.parseInt(p);
        } catch (NumberFormatException e) {
            return in.machine().ingotThreads();
        }
    }

    private String percentOfPeak(JmhResult r) {
        double f = work(r).flops();
        if (f == 0 || !r.backend().equals("cpu")) {
            return "";
        }
        int threads = ingotThreads(r);
        double peak;
        if (threads == allThreads && !Double.isNaN(allPeak)) {
            peak = allPeak;
        } else if (!Double.isNaN(onePeak)) {
            peak = onePeak * threads;
        } else {
            return "";
        }
        return String.format(Locale.ROOT, "%.1f %%", 100 * r.threads() * f / r.seconds() / peak);
    }

    private static String ratio(double referenceSeconds, double ingotSeconds) {
        if (Double.isNaN(referenceSeconds) || !(ingotSeconds > 0)) {
            return "";
        }
        double r = referenceSeconds / ingotSeconds;
        return String.format(Locale.ROOT, r < 0.1 ? "%.3f×" : "%.2f×", r);
    }

    /** Three significant digits, no exponent: 1234, 123, 12.3, 1.23, 0.123. */
    static String num(double v) {
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            return "";
        }
        double a = Math.abs(v);
        if (a >= 100) {
            return String.format(Locale.ROOT, "%.0f", v);
        } else if (a >= 10) {
            return String.format(Locale.ROOT, "%.1f", v);
        } else if (a >= 1) {
            return String.format(Locale.ROOT, "%.2f", v);
        } else if (a >= 0.01) {
            return String.format(Locale.ROOT, "%.3f", v);
        }
        return String.format(Locale.ROOT, "%.2g", v);
    }

    static String bytes(double b) {
        if (b < 1024) {
            return String.format(Locale.ROOT, "%.0f B", b);
        } else if (b < 1024 * 1024) {
            return String.format(Locale.ROOT, "%.1f KiB", b / 1024);
        }
        return String.format(Locale.ROOT, "%.1f MiB", b / (1024 * 1024));
    }

    private static <T> Predicate<T> distinctBy(java.util.function.Function<T, String> key) {
        Set<String> seen = new LinkedHashSet<>();
        return t -> seen.add(key.apply(t));
    }
}
