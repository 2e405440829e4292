package dev.ingot.bench.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.ingot.cpu.kernels.VectorShape;
import jdk.incubator.vector.FloatVector;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;

/**
 * The machine and JVM the benchmarks ran on, recorded once per run (next to the JMH results) so the
 * report can state where its numbers come from and compute FLOP counts that depend on the vector
 * width.
 *
 * @param cpu          the CPU's model name from /proc/cpuinfo (a VM may show only the family)
 * @param cpuFamily    family and model numbers, {@code "26/2"} (family 26 = AMD Zen 5)
 * @param logicalCpus  what the JVM sees ({@link Runtime#availableProcessors()})
 * @param avx512       whether the CPU reports AVX-512F
 * @param vectorBits   the Vector API's preferred float species width
 * @param floatLanes   floats per preferred vector
 * @param ingotThreads the CPU backend's pool size in this configuration ({@code ingot.cpu.threads},
 *                     {@code INGOT_CPU_THREADS}, else {@code logicalCpus})
 * @param java         JVM name, version and vendor
 * @param os           operating system name, version and architecture
 * @param date         when it was recorded, UTC
 * @param vectorShape  what the CPU kernels are laid out for: width, vector registers, SGEMM tile
 *                     ({@link VectorShape#describe()}); null in files from before it was recorded
 * @param jvmFlags     the {@code -XX} options of the JVM that recorded this (how bench/run.sh --isa holds
 *                     HotSpot to a narrower ISA, e.g. {@code -XX:UseAVX=2}); the benchmark forks get the same
 */
public record MachineInfo(String cpu, String cpuFamily, int logicalCpus, boolean avx512, int vectorBits, int floatLanes,
                          int ingotThreads, String java, String os, String date, String vectorShape,
                          List<String> jvmFlags) {

    public MachineInfo {
        jvmFlags = jvmFlags == null ? List.of() : List.copyOf(jvmFlags);
    }

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** Describes the machine this JVM runs on. */
    public static MachineInfo detect() {
        String model = "unknown CPU";
        String family = "?";
        String modelNumber = "?";
        boolean avx512 = false;
        try {
            List<String> lines = Files.readAllLines(Path.of("/proc/cpuinfo"));
            for (String line : lines) {
                int colon = line.indexOf(':');
                if (colon < 0) {
                    continue;
                }
                String key = line.substring(0, colon).trim();
                String value = line.substring(colon + 1).trim();
                switch (key) {
                    case "model name" -> model = value;
                    case "cpu family" -> family = value;
                    case "model" -> modelNumber = value;
                    case "flags" -> avx512 = List.of(value.split(" ")).contains("avx512f");
                    default -> { }
                }
                if (key.isEmpty()) {
                    break; // first processor block only
                }
            }
        } catch (IOException e) {
            model = "unknown CPU (/proc/cpuinfo unreadable: " + e.getMessage() + ")";
        }
        int cpus = Runtime.getRuntime().availableProcessors();
        return new MachineInfo(model, family + "/" + modelNumber, cpus, avx512,
                FloatVector.SPECIES_PREFERRED.vectorBitSize(), FloatVector.SPECIES_PREFERRED.length(),
                configuredThreads(cpus),
                System.getProperty("java.vm.name") + " " + System.getProperty("java.vm.version") + " ("
                        + System.getProperty("java.vendor") + ")",
                System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"),
                OffsetDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.SECONDS).toString(),
                VectorShape.PREFERRED.describe(),
                ManagementFactory.getRuntimeMXBean().getInputArguments().stream().filter(a -> a.startsWith("-XX:"))
                        .toList());
    }

    /** The same rule as the CPU backend's pool (dev.ingot.cpu.parallel.Parallel). */
    private static int configuredThreads(int cpus) {
        String s = System.getProperty("ingot.cpu.threads");
        if (s == null || s.isBlank()) {
            s = System.getenv("INGOT_CPU_THREADS");
        }
        try {
            return s == null || s.isBlank() ? cpus : Math.max(1, Integer.parseInt(s.trim()));
        } catch (NumberFormatException e) {
            return cpus;
        }
    }

    public static MachineInfo read(Path file) throws IOException {
        return JSON.readValue(file.toFile(), MachineInfo.class);
    }

    public void write(Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        JSON.writeValue(file.toFile(), this);
    }

    /**
     * Writes the description of this machine to the file named by the first argument (or prints it);
     * {@code --shape} prints only the vector shape of the CPU kernels (bench/run.sh's report note).
     */
    public static void main(String[] args) throws IOException {
        if (args.length == 1 && args[0].equals("--shape")) {
            System.out.println(VectorShape.PREFERRED.describe());
            return;
        }
        MachineInfo info = detect();
        if (args.length == 0) {
            System.out.println(JSON.writeValueAsString(info));
        } else {
            info.write(Path.of(args[0]));
        }
    }
}
