package dev.ingot.bench.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The report's arithmetic (GFLOP/s, % of peak, ratios, GB/s) on hand-made JMH and reference files. */
class BenchmarkReportTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final MachineInfo MACHINE = new MachineInfo("Test CPU", "26/2", 2, true, 512, 16, 2,
            "Test VM 25", "Linux", "2026-01-01T00:00:00Z", "FloatVector 256-bit (8 lanes), 16 registers (x86 AVX2),"
            + " SGEMM tile 4x3V", List.of("-XX:UseAVX=2"));

    /** One JMH result row as JMH 1.37 writes it (only the fields the report reads, plus a few). */
    private static String jmhRow(String benchmark, int threads, double score, String unit, String params,
                                 String secondary) {
        return """
                {"jmhVersion": "1.37", "benchmark": "dev.ingot.bench.%s", "mode": "avgt", "threads": %d, "forks": 1,
                 "jvmArgs": ["-Dingot.cpu.threads=2", "--add-modules=jdk.incubator.vector"],
                 "vmName": "OpenJDK 64-Bit Server VM", "vmVersion": "25.0.3+9-LTS",
                 "warmupIterations": 3, "warmupTime": "1 s", "measurementIterations": 5, "measurementTime": "1 s",
                 "params": {%s},
                 "primaryMetric": {"score": %s, "scoreError": "NaN", "scoreUnit": "%s"},
                 "secondaryMetrics": {%s}}
                """.formatted(benchmark, threads, params, score, unit, secondary);
    }

    private static Path write(Path dir, String name, String content) throws IOException {
        Path f = dir.resolve(name);
        Files.writeString(f, content);
        return f;
    }

    @Test
    void gemmRowGetsGflopsPercentOfPeakAndRatioAgainstEachReference(@TempDir Path dir) throws IOException {
        // Peak: 2 threads, each 6291456 FLOPs (16 lanes) per 24 us -> 262.144 GFLOP/s per thread, 524.288 total.
        String jmh = "[" + jmhRow("FmaPeakBenchmark.allThreads", 2, 24, "us/op", "", "") + ","
                + jmhRow("FmaPeakBenchmark.oneThread", 1, 24, "us/op", "", "") + ","
                // 1024^3 * 2 = 2.147 GFLOP in 8.192 ms -> 262.144 GFLOP/s = 50 % of the 2-thread peak
                + jmhRow("GemmBenchmark.gemm", 1, 8.192, "ms/op", "\"backend\": \"cpu\", \"size\": \"1024\"", "")
                + "]";
        String numpy = """
                {"library": "numpy", "library_version": "1.24.2", "label": "NumPy OpenBLAS Cooperlake",
                 "environment": {"threads": 2, "device": "cpu"},
                 "results": [{"kind": "gemm", "size": 1024, "seconds": 0.016384}]}
                """;
        BenchmarkReport.main(new String[] {"--out", dir.resolve("r.md").toString(), "--machine",
                machineFile(dir).toString(), write(dir, "jmh.json", jmh).toString(),
                write(dir, "numpy.json", numpy).toString()});
        String md = Files.readString(dir.resolve("r.md"));
        assertTrue(md.contains("| 2 | 524 | 262 |"), md);
        assertTrue(md.contains("| 1024 | gemm | cpu | 8.19 | 262 | 50.0 % | 131 | 2.00× |"), md);
        assertTrue(md.contains("Test CPU"), md);
    }

    @Test
    void forksAreShownWithTheirSpreadAndTheIsaTheJvmWasHeldTo() {
        // Three forks of GemmBenchmark at 8, 9 and 12 ms: median 9, the worst fork 33 % off it.
        String row = """
                [{"jmhVersion": "1.37", "benchmark": "dev.ingot.bench.GemmBenchmark.gemm", "mode": "avgt", "threads": 1,
                 "forks": 3, "jvmArgs": [], "params": {"backend": "cpu", "size": "1024"},
                 "primaryMetric": {"score": 9.667, "scoreError": 1.0, "scoreUnit": "ms/op",
                                   "rawData": [[7.5, 8.5], [9.0, 9.0], [12.0, 12.0]]}}]
                """;
        List<JmhResult> jmh = JmhResult.parse(json(row), "t");
        List<Double> forks = jmh.getFirst().forkSeconds();
        assertEquals(3, forks.size());
        assertEquals(8e-3, forks.get(0), 1e-12);
        assertEquals(9e-3, forks.get(1), 1e-12);
        assertEquals(12e-3, forks.get(2), 1e-12);
        String md = BenchmarkReport.render(new BenchmarkReport.Inputs(jmh, List.of(), List.of(), MACHINE, List.of()));
        assertTrue(md.contains("| GemmBenchmark.gemm | backend=cpu, size=1024 | 3 | 8.00 ms | 9.00 ms | 12.0 ms | 33.3 % | **no** |"),
                md);
        assertTrue(md.contains("SGEMM tile 4x3V, JVM held to -XX:UseAVX=2"), md);
    }

    @Test
    void trainingRowShowsImagesPerSecondAllocationAndRatio() {
        List<JmhResult> jmh = JmhResult.parse(json("[" + jmhRow("TrainingStepBenchmark.trainingStep", 1, 10, "ms/op",
                "\"backend\": \"cpu\", \"batchSize\": \"64\", \"model\": \"mnist-cnn\"",
                "\"gc.alloc.rate.norm\": {\"score\": 2048.0, \"scoreUnit\": \"B/op\"}") + "]"), "t");
        ReferenceRun torch = ReferenceRun.parse(json("""
                {"library": "torch", "label": "PyTorch", "parameters": {"mnist-cnn": 93322},
                 "environment": {"threads": 2, "device": "cpu"},
                 "results": [{"kind": "train_step", "model": "mnist-cnn", "batch_size": 64, "seconds": 0.02}]}
                """), "r");
        String md = BenchmarkReport.render(new BenchmarkReport.Inputs(jmh, List.of(torch), List.of(), MACHINE, List.of("quiet")));
        // 64 images / 10 ms = 6400 images/s; PyTorch 3200 images/s; ratio 2.00
        assertTrue(md.contains("| mnist-cnn | 64 | cpu | 10.0 | 6400 |"), md);
        assertTrue(md.contains("| 2.0 KiB | 3200 | 2.00× |"), md);
        assertTrue(md.contains("| mnist-cnn | 93322 | 93322 |"), md);
        assertTrue(md.contains("- Note: quiet"), md);
    }

    @Test
    void cudaRowsAreNotComparedWithCpuReferencesNorWithTheCpuPeak() {
        List<JmhResult> jmh = JmhResult.parse(json("[" + jmhRow("FmaPeakBenchmark.oneThread", 1, 32, "us/op", "", "")
                + "," + jmhRow("GemmBenchmark.gemm", 1, 1, "ms/op", "\"backend\": \"cuda\", \"size\": \"1024\"", "")
                + "]"), "t");
        ReferenceRun numpy = ReferenceRun.parse(json("""
                {"library": "numpy", "label": "NumPy", "environment": {"threads": 2, "device": "cpu"},
                 "results": [{"kind": "gemm", "size": 1024, "seconds": 0.01}]}
                """), "r");
        String md = BenchmarkReport.render(new BenchmarkReport.Inputs(jmh, List.of(numpy), List.of(), MACHINE, List.of()));
        assertTrue(md.contains("| 1024 | gemm | cuda | 1.00 | 2147 |  |  |  |"), md);
    }

    @Test
    void convRowsUseTheConvBenchmarksLayerNamesAndMatchTheReference() {
        // mnist-conv1 at batch 64: 2*64*32*26*26*9 = 24.9 MFLOP in 0.1 ms -> 249 GFLOP/s, 45.3 % of 550
        List<JmhResult> jmh = JmhResult.parse(json("[" + jmhRow("FmaPeakBenchmark.allThreads", 2, 22.875, "us/op", "", "")
                + "," + jmhRow("Conv2dBenchmark.forward", 1, 0.1, "ms/op",
                "\"backend\": \"cpu\", \"batch\": \"64\", \"layer\": \"mnist-conv1\"", "") + "]"), "t");
        ReferenceRun torch = ReferenceRun.parse(json("""
                {"library": "torch", "label": "PyTorch", "environment": {"threads": 2, "device": "cpu"},
                 "results": [{"kind": "conv2d", "layer": "mnist-cnn/conv1", "pass": "forward", "batch_size": 64,
                              "seconds": 0.0002}]}
                """), "r");
        String md = BenchmarkReport.render(new BenchmarkReport.Inputs(jmh, List.of(torch), List.of(), MACHINE, List.of()));
        assertTrue(md.contains("| mnist-cnn/conv1 | forward | 64 | cpu | 0.100 | 249 | 45.3 % | 0.200 | 2.00× |"), md);
    }

    @Test
    void memoryBoundKernelsAreReportedInGigabytesPerSecond() {
        // reluForward on mnist-mlp/dense1 at batch 64: 8192 floats read + written = 65536 bytes in 1 us.
        List<JmhResult> jmh = JmhResult.parse(json("[" + jmhRow("ActivationBenchmark.reluForward", 1, 1000, "ns/op",
                "\"backend\": \"cpu\", \"batchSize\": \"64\", \"layer\": \"mnist-mlp/dense1\"", "") + "]"), "t");
        String md = BenchmarkReport.render(new BenchmarkReport.Inputs(jmh, List.of(), List.of(), MACHINE, List.of()));
        assertTrue(md.contains("| ActivationBenchmark.reluForward | batchSize=64, layer=mnist-mlp/dense1 | cpu | 1.00 |  | 65.5 |  |"), md);
    }

    @Test
    void trainingGcMeasurementIsReadFromItsFileAndShownAsAPercentage(@TempDir Path dir) throws IOException {
        new TrainingGcResult(TrainingGcResult.KIND, "mnist-cnn", "cpu", 64, 2, "PS Scavenge, PS MarkSweep", 1000, 20.0,
                3200, 3, 12.5, 0.0625, 1536, "2026-01-01T00:00:00Z").write(dir.resolve("training-gc.json"));
        BenchmarkReport.main(new String[] {"--out", dir.resolve("r.md").toString(), "--machine",
                machineFile(dir).toString(), dir.resolve("training-gc.json").toString()});
        String md = Files.readString(dir.resolve("r.md"));
        assertTrue(md.contains("| mnist-cnn | 64 | cpu | 2 | PS Scavenge, PS MarkSweep | 1000 | 20.0 | 3200 | 3 | 12.5 |"
                + " 0.06 % | 1.5 KiB |"), md);
    }

    @Test
    void workloadsCountTheWorkOfEachKernel() {
        JmhResult dense = JmhResult.parse(json("[" + jmhRow("DenseBenchmark.backwardWeights", 1, 1, "us/op",
                "\"backend\": \"cpu\", \"batchSize\": \"64\", \"layer\": \"cifar10-cnn/dense1\"", "") + "]"), "t").get(0);
        assertEquals(2.0 * 64 * 1024 * 64, Workloads.of(dense, 16).flops());
        JmhResult adam = JmhResult.parse(json("[" + jmhRow("OptimizerBenchmark.adamStep", 1, 1, "us/op",
                "\"backend\": \"cpu\", \"model\": \"mnist-mlp\"", "") + "]"), "t").get(0);
        assertEquals(4.0 * 7 * 101_770, Workloads.of(adam, 16).bytes());
    }

    @Test
    void badFilesAreRejectedWithTheirNameAndWhatIsWrong(@TempDir Path dir) throws IOException {
        Path notJson = write(dir, "broken.json", "{ not json");
        var e = assertThrows(IllegalArgumentException.class,
                () -> BenchmarkReport.main(new String[] {notJson.toString()}));
        assertTrue(e.getMessage().contains("broken.json") && e.getMessage().contains("not valid JSON"), e.getMessage());

        Path other = write(dir, "other.json", "{\"hello\": 1}");
        e = assertThrows(IllegalArgumentException.class, () -> BenchmarkReport.main(new String[] {other.toString()}));
        assertTrue(e.getMessage().contains("other.json"), e.getMessage());

        e = assertThrows(IllegalArgumentException.class, () -> JmhResult.parse(json("[" + jmhRow(
                "GemmBenchmark.gemm", 1, 5, "ops/s", "\"size\": \"8\"", "") + "]"), "thrpt.json"));
        assertTrue(e.getMessage().contains("thrpt.json") && e.getMessage().contains("ops/s"), e.getMessage());

        e = assertThrows(IllegalArgumentException.class, () -> ReferenceRun.parse(json("""
                {"library": "numpy", "results": [{"kind": "gemm", "size": 8, "seconds": -1}]}
                """), "neg.json"));
        assertTrue(e.getMessage().contains("neg.json results[0]"), e.getMessage());

        e = assertThrows(IllegalArgumentException.class,
                () -> BenchmarkReport.main(new String[] {dir.resolve("missing.json").toString()}));
        assertTrue(e.getMessage().contains("missing.json"), e.getMessage());
    }

    @Test
    void referenceLookupMatchesAllKeys() {
        ReferenceRun r = ReferenceRun.parse(json("""
                {"library": "torch", "environment": {"device": "cpu"}, "results": [
                  {"kind": "conv2d", "layer": "mnist-cnn/conv1", "pass": "forward", "batch_size": 64, "seconds": 1},
                  {"kind": "conv2d", "layer": "mnist-cnn/conv1", "pass": "backwardData", "batch_size": 64, "seconds": 2}]}
                """), "r");
        assertEquals(2, r.seconds("conv2d", Map.of("layer", "mnist-cnn/conv1", "pass", "backwardData", "batch_size", "64")));
        assertTrue(Double.isNaN(r.seconds("conv2d", Map.of("layer", "mnist-cnn/conv1", "batch_size", "32"))));
    }

    private static Path machineFile(Path dir) throws IOException {
        Path f = dir.resolve("machine.json");
        MACHINE.write(f);
        assertEquals(MACHINE, MachineInfo.read(f));
        return f;
    }

    private static com.fasterxml.jackson.databind.JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
