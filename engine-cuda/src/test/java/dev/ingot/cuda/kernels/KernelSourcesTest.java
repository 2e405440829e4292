package dev.ingot.cuda.kernels;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@code .cu} files and the {@link Kernel} table agree: every kernel Java launches exists, as
 * {@code extern "C" __global__}, with parameters of the kinds and in the order the launcher packs
 * them; every file starts with the comment that lists its kernels; and no file includes a header
 * (NVRTC has no system headers).
 */
class KernelSourcesTest {
    private static final Pattern KERNEL = Pattern.compile(
            "extern\\s+\"C\"\\s+__global__\\s+void\\s+(\\w+)\\s*\\(([^)]*)\\)");

    static List<Path> cuFiles() throws IOException, URISyntaxException {
        // The folder of a known kernel file: test-classes has a dev/ingot/cuda/kernels/ folder too (this class).
        Path folder = Path.of(KernelSourcesTest.class.getResource(KernelSources.FOLDER + "elementwise.cu").toURI())
                .getParent();
        try (Stream<Path> files = Files.list(folder)) {
            List<Path> cu = files.filter(p -> p.toString().endsWith(".cu")).sorted().toList();
            assertFalse(cu.isEmpty(), "no .cu files in " + folder);
            return cu;
        }
    }

    static Kernel.Arg kind(String param) {
        String p = param.replace("__restrict__", " ").replaceAll("\\s+", " ").strip();
        if (p.contains("*")) {
            return Kernel.Arg.POINTER;
        }
        String type = p.substring(0, p.lastIndexOf(' ')).replace("const ", "").strip();
        return switch (type) {
            case "int", "unsigned int", "unsigned" -> Kernel.Arg.INT;
            case "long long", "unsigned long long" -> Kernel.Arg.LONG;
            case "float" -> Kernel.Arg.FLOAT;
            default -> throw new AssertionError("kernel parameter of unknown type: '" + param + "'");
        };
    }

    @Test
    void everyLaunchedKernelExistsWithTheSignatureTheLauncherPacks() throws Exception {
        Map<String, Map<String, List<Kernel.Arg>>> declared = new HashMap<>();
        for (Path file : cuFiles()) {
            String module = file.getFileName().toString().replace(".cu", "");
            Matcher m = KERNEL.matcher(Files.readString(file));
            Map<String, List<Kernel.Arg>> kernels = new HashMap<>();
            while (m.find()) {
                List<Kernel.Arg> args = new ArrayList<>();
                for (String p : m.group(2).split(",")) {
                    args.add(kind(p));
                }
                kernels.put(m.group(1), args);
            }
            declared.put(module, kernels);
        }
        List<String> problems = new ArrayList<>();
        for (Kernel k : Kernel.values()) {
            Map<String, List<Kernel.Arg>> module = declared.get(k.module());
            if (module == null) {
                problems.add(k + ": no " + k.module() + ".cu");
            } else if (!module.containsKey(k.function())) {
                problems.add(k + ": " + k.module() + ".cu has no extern \"C\" __global__ " + k.function());
            } else if (!module.get(k.function()).equals(k.args())) {
                problems.add(k + ": Java packs " + k.args() + " but " + k.function() + " takes " + module.get(k.function()));
            }
        }
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }

    @Test
    void everyKernelInTheFilesIsLaunchedFromJava() throws Exception {
        Set<String> launched = new HashSet<>();
        for (Kernel k : Kernel.values()) {
            launched.add(k.module() + "/" + k.function());
        }
        for (Path file : cuFiles()) {
            String module = file.getFileName().toString().replace(".cu", "");
            Matcher m = KERNEL.matcher(Files.readString(file));
            while (m.find()) {
                assertTrue(launched.contains(module + "/" + m.group(1)), m.group(1) + " in " + file.getFileName()
                        + " is not in the Kernel table: dead code, or a launch that was forgotten");
            }
        }
    }

    @Test
    void everyFileIsSelfContainedAndListsItsKernelsFirst() throws Exception {
        List<Path> files = cuFiles();
        assertFalse(files.isEmpty());
        for (Path file : files) {
            String text = Files.readString(file);
            assertTrue(text.startsWith("// " + file.getFileName() + ":"), file + " must start with a comment naming it");
            assertFalse(Pattern.compile("(?m)^\\s*#\\s*include").matcher(text).find(),
                    file + " includes a header; NVRTC has none to offer");
            String header = text.substring(0, text.indexOf("extern \"C\""));
            Matcher m = KERNEL.matcher(text);
            while (m.find()) {
                assertTrue(header.contains(m.group(1)), file.getFileName() + "'s header comment does not list " + m.group(1));
            }
            assertTrue(header.contains("mirrors"), file.getFileName() + "'s header says which CPU kernel it mirrors");
            assertTrue(header.toLowerCase().contains("launch"), file.getFileName() + "'s header gives the launch shape");
        }
    }

    @Test
    void sourcesAreReadableAsResources() {
        for (Kernel k : Kernel.values()) {
            assertTrue(KernelSources.read(k.module()).contains(k.function()));
        }
        assertEquals(6, Stream.of(Kernel.values()).map(Kernel::module).distinct().count());
    }
}
