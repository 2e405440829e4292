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
 * Compiles every {@code .cu} resource with {@code nvcc --ptx} for sm_90 and the options NVRTC gets
 * ({@code --fmad=false}), with warnings as errors, so that a kernel that does not compile fails the
 * build on any machine with the CUDA toolkit, GPU or not. Skipped, with the reason, where there is
 * no {@code nvcc} on the PATH (or at {@code $CUDA_HOME/bin/nvcc}).
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

    @Test
    void everyKernelFileCompilesWithNvcc() throws Exception {
        Path nvcc = nvcc();
        assumeTrue(nvcc != null, "nvcc is not on the PATH (nor at $CUDA_HOME/bin/nvcc): kernel compilation not checked here");
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
