package dev.ingot.bench;

import dev.ingot.bench.report.TrainingGcResult;
import dev.ingot.core.Backend;
import dev.ingot.core.Backends;
import dev.ingot.data.DataDir;
import dev.ingot.data.Dataset;
import dev.ingot.data.Datasets;
import dev.ingot.data.Split;
import dev.ingot.models.ReferenceModel;
import dev.ingot.models.ReferenceModels;
import dev.ingot.nn.CrossEntropyLoss;
import dev.ingot.nn.Model;
import dev.ingot.nn.Trainer;
import dev.ingot.nn.TrainingListener;

import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Measures what the garbage collector costs a real training run: {@link Trainer#fit} on the real
 * training set (data loader, shuffling, metrics and all), timed for {@code --seconds} after
 * {@code --warmup-seconds} of warm-up (JIT, first-step buffers), reading the
 * {@link GarbageCollectorMXBean}s (collections and their time) and the total bytes all threads
 * allocated ({@code com.sun.management.ThreadMXBean#getTotalThreadAllocatedBytes}) at both ends.
 * The requirement it checks: steady-state training allocates (almost) nothing, GC time under 2 % of
 * the run.
 *
 * <pre>
 * java --add-modules=jdk.incubator.vector -XX:+UseParallelGC -cp bench/target/benchmarks.jar \
 *     dev.ingot.bench.TrainingGcProbe --model mnist-cnn --batch-size 64 --seconds 30 --json gc.json
 * </pre>
 * Use the GC the real runs use ({@code ./ingot} starts the JVM with {@code -XX:+UseParallelGC}).
 */
public final class TrainingGcProbe {

    /** Counters at one moment. */
    private record Snapshot(long nanos, long steps, long gcCount, long gcMillis, long allocatedBytes) {
        static Snapshot take(long steps) {
            long count = 0, millis = 0;
            for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
                count += Math.max(0, gc.getCollectionCount());
                millis += Math.max(0, gc.getCollectionTime());
            }
            return new Snapshot(System.nanoTime(), steps, count, millis, totalAllocatedBytes());
        }

        private static long totalAllocatedBytes() {
            if (ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean t
                    && t.isThreadAllocatedMemorySupported() && t.isThreadAllocatedMemoryEnabled()) {
                return t.getTotalThreadAllocatedBytes();
            }
            return -1;
        }
    }

    private TrainingGcProbe() {
    }

    public static void main(String[] args) throws IOException {
        String model = "mnist-cnn", backendName = "cpu", dataDir = null, json = null;
        int batchSize = 64;
        double warmupSeconds = 10, seconds = 30;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--model" -> model = value(args, ++i, a);
                case "--backend" -> backendName = value(args, ++i, a);
                case "--batch-size" -> batchSize = Integer.parseInt(value(args, ++i, a));
                case "--warmup-seconds" -> warmupSeconds = Double.parseDouble(value(args, ++i, a));
                case "--seconds" -> seconds = Double.parseDouble(value(args, ++i, a));
                case "--data-dir" -> dataDir = value(args, ++i, a);
                case "--json" -> json = value(args, ++i, a);
                case "-h", "--help" -> {
                    System.out.println("usage: TrainingGcProbe [--model mnist-cnn] [--backend cpu] [--batch-size 64]"
                            + " [--warmup-seconds 10] [--seconds 30] [--data-dir DIR] [--json FILE]");
                    return;
                }
                default -> throw new IllegalArgumentException("unknown argument '" + a + "' (see --help)");
            }
        }
        if (!(seconds > 0) || !(warmupSeconds >= 0) || batchSize < 1) {
            throw new IllegalArgumentException("need --seconds > 0, --warmup-seconds >= 0 and --batch-size >= 1");
        }
        TrainingGcResult result = run(model, backendName, batchSize, warmupSeconds, seconds, DataDir.resolve(dataDir));
        System.out.printf(Locale.ROOT, "%s on %s, batch %d: %d steps in %.1f s (%.0f images/s); %d GCs, %.1f ms"
                        + " = %.2f %% of the time (target: under 2 %%); %.0f bytes allocated per step (%s)%n",
                result.model(), result.backend(), result.batchSize(), result.steps(), result.seconds(),
                result.imagesPerSecond(), result.gcCount(), result.gcMillis(), result.gcPercent(),
                result.allocatedBytesPerStep(), result.collector());
        if (json != null) {
            result.write(Path.of(json));
        }
    }

    static TrainingGcResult run(String modelName, String backendName, int batchSize, double warmupSeconds,
                                double seconds, Path dataDir) {
        ReferenceModel recipe = ReferenceModels.get(modelName);
        Dataset train = Datasets.load(recipe.dataset(), Split.TRAIN, dataDir, false);
        try (Backend backend = Backends.get(backendName);
             Model model = recipe.newModel().build(backend, recipe.inputShape(), 42);
             Trainer trainer = new Trainer(model, new CrossEntropyLoss(), recipe.newOptimizer(), 42)) {
            long warmupEnd = System.nanoTime() + (long) (warmupSeconds * 1e9);
            Snapshot[] ends = new Snapshot[2];
            long[] steps = {0};
            trainer.fit(train, Integer.MAX_VALUE, batchSize, null, new TrainingListener() {
                @Override
                public void stepFinished(int epoch, int step, int stepsInEpoch, long images, double loss, double accuracy) {
                    steps[0]++;
                    long now = System.nanoTime();
                    if (ends[0] == null && now >= warmupEnd) {
                        ends[0] = Snapshot.take(steps[0]);
                    } else if (ends[0] != null && now - ends[0].nanos() >= (long) (seconds * 1e9)) {
                        ends[1] = Snapshot.take(steps[0]);
                        trainer.requestStop();
                    }
                }
            });
            Snapshot start = ends[0], end = ends[1];
            if (start == null || end == null) {
                throw new IllegalStateException("training stopped before the measurement finished");
            }
            double wall = (end.nanos() - start.nanos()) / 1e9;
            long stepCount = end.steps() - start.steps();
            double gcMillis = end.gcMillis() - start.gcMillis();
            double allocated = start.allocatedBytes() < 0 ? Double.NaN
                    : (double) (end.allocatedBytes() - start.allocatedBytes()) / stepCount;
            String collectors = ManagementFactory.getGarbageCollectorMXBeans().stream()
                    .map(GarbageCollectorMXBean::getName).collect(Collectors.joining(", "));
            int threads = backendName.equals("cpu") ? Math.max(1, configuredThreads()) : 0;
            return new TrainingGcResult(TrainingGcResult.KIND, modelName, backend.name(), batchSize, threads,
                    collectors, stepCount, wall, stepCount * batchSize / wall, end.gcCount() - start.gcCount(),
                    gcMillis, 100 * gcMillis / (wall * 1000), allocated,
                    OffsetDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.SECONDS).toString());
        }
    }

    private static int configuredThreads() {
        String s = System.getProperty("ingot.cpu.threads", System.getenv("INGOT_CPU_THREADS"));
        try {
            return s == null ? Runtime.getRuntime().availableProcessors() : Integer.parseInt(s.trim());
        } catch (NumberFormatException e) {
            return Runtime.getRuntime().availableProcessors();
        }
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }
}
