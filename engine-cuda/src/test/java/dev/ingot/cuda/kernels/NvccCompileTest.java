package dev.ingot.cuda.kernels;

import org.junit.jupiter.api.Test;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Compiles every {@code .cu} resource with {@code nvcc} for sm_90 and the options NVRTC gets
 * ({@code --fmad=false}), with warnings as errors, so that a kernel that does not compile fails the
 * build on any machine with the CUDA toolkit, GPU or not: once to PTX (the entry points must be
 * unmangled), and once through {@code ptxas} to an sm_90 cubin ({@code -Xptxas -v,-warn-spills}),
 * which catches what PTX generation lets through (register allocation, spills, instructions the
 * architecture lacks) and prints each kernel's registers. Skipped, with the reason printed, where
 * there is no {@code nvcc} on the PATH (or at {@code $CUDA_HOME/bin/nvcc}): its absence never fails
 * the build.
 */
class NvccCompileTest {

    static Path nvcc() {
        List<Path> candidates = new ArrayList<>();
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (!dir.isBlank()) {
                candidates.add(Path.of(dir, "nvcc"));
            }
        }
        candidates.add(Path.of(System.getenv().getOrDefault("CUDA_HOME", "/usr/local/cuda"), "bin", "nvcc"));
        return candidates.stream().filter(Files::isExecutable).findFirst().orElse(null);
    }

    private static Path nvccOrSkip() {
        Path nvcc = nvcc();
        if (nvcc == null) {
            System.out.println("[NvccCompileTest] skipped: nvcc is not on the PATH (nor at $CUDA_HOME/bin/nvcc);"
                    + " the kernels are compiled by NVRTC on the GPU machine only");
        }
        assumeTrue(nvcc != null, "nvcc is not on the PATH (nor at $CUDA_HOME/bin/nvcc): kernel compilation not checked here");
        return nvcc;
    }

    private static String run(List<String> command, Path file) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "nvcc did not finish on " + file);
        assertEquals(0, p.exitValue(), "nvcc failed on " + file.getFileName() + ":\n" + log);
        return log;
    }

    @Test
    void everyKernelFileAssemblesToAnSm90CubinWithoutSpills() throws Exception {
        Path nvcc = nvccOrSkip();
        Path out = Files.createTempDirectory("ingot-ptxas");
        try {
            for (java.util.Map.Entry<String, String> source : KernelSourcesTest.cuFiles().entrySet()) {
                Path cu = Files.writeString(out.resolve(source.getKey()), source.getValue());
                Path cubin = out.resolve(source.getKey() + ".cubin");
                String log = run(List.of(nvcc.toString(), "-cubin", "-arch=sm_90", "--fmad=false", "--Werror",
                        "all-warnings", "-Xptxas", "-v,-warn-spills", "-o", cubin.toString(), cu.toString()), cu);
                assertTrue(Files.size(cubin) > 0, "no cubin for " + cu.getFileName());
                List<String> problems = new ArrayList<>();
                int kernels = 0;
                String entry = "?";
                for (String line : log.lines().toList()) {
                    if (line.contains("Compiling entry function")) {
                        kernels++;
                        int q = line.indexOf('\'');
                        entry = q < 0 ? line.strip() : line.substring(q + 1, line.indexOf('\'', q + 1));
                    }
                    if (line.toLowerCase(java.util.Locale.ROOT).contains("warning")
                            || line.matches(".*\\b[1-9][0-9]* bytes spill (stores|loads).*")) {
                        problems.add(line.strip());
                    }
                    if (line.contains("Used ")) {
                        System.out.println("[ptxas sm_90] " + source.getKey() + " " + entry + ": "
                                + line.substring(line.indexOf("Used ")).strip());
                    }
                }
                assertTrue(problems.isEmpty(), "ptxas on " + cu.getFileName() + ":\n" + String.join("\n", problems));
                assertTrue(kernels > 0, "ptxas -v reported no entry function for " + cu.getFileName() + ":\n" + log);
            }
        } finally {
            deleteAll(out);
        }
    }

    private static void deleteAll(Path dir) throws java.io.IOException {
        try (var files = Files.list(dir)) {
            for (Path f : files.toList()) {
                Files.deleteIfExists(f);
            }
        }
        Files.deleteIfExists(dir);
    }

    @Test
    void everyKernelFileCompilesWithNvcc() throws Exception {
        Path nvcc = nvccOrSkip();
        Path out = Files.createTempDirectory("ingot-nvcc");
        try {
            for (java.util.Map.Entry<String, String> source : KernelSourcesTest.cuFiles().entrySet()) {
                Path cu = Files.writeString(out.resolve(source.getKey()), source.getValue());
                Path ptx = out.resolve(source.getKey() + ".ptx");
                ProcessBuilder pb = new ProcessBuilder(nvcc.toString(), "--ptx", "-arch=sm_90", "--fmad=false",
                        "--Werror", "all-warnings", "-o", ptx.toString(), cu.toString()).redirectErrorStream(true);
                Process p = pb.start();
                String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertTrue(p.waitFor(120, TimeUnit.SECONDS), "nvcc did not finish on " + cu);
                assertEquals(0, p.exitValue(), "nvcc failed on " + cu.getFileName() + ":\n" + log);
                String text = Files.readString(ptx);
                for (Kernel k : Kernel.values()) {
                    if (cu.getFileName().toString().equals(k.module() + ".cu")) {
                        assertTrue(text.contains(".entry " + k.function() + "("), "the PTX of " + cu.getFileName()
                                + " has no unmangled entry " + k.function() + " (is it extern \"C\"?)");
                    }
                }
            }
        } finally {
            try (var files = Files.list(out)) {
                for (Path f : files.toList()) {
                    Files.deleteIfExists(f);
                }
            }
            Files.deleteIfExists(out);
        }
    }
}
