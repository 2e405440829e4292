package dev.ingot.cuda.kernels;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
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

    /**
     * Every {@code .cu} resource, by file name, read from wherever the kernels are: the classes folder
     * under Maven, or the engine-cuda jar under the console launcher (scripts/gpu-run.sh).
     */
    static Map<String, String> cuFiles() throws IOException, URISyntaxException {
        URL known = KernelSourcesTest.class.getResource(KernelSources.FOLDER + "elementwise.cu");
        Map<String, String> out = new TreeMap<>();
        if (known.getProtocol().equals("jar")) { // java.util.jar: a minimal runtime may lack the zip file system
            JarURLConnection connection = (JarURLConnection) known.openConnection();
            connection.setUseCaches(false);
            String prefix = KernelSources.FOLDER.substring(1);
            try (JarFile jar = connection.getJarFile()) {
                for (JarEntry e : java.util.Collections.list(jar.entries())) {
                    String name = e.getName();
                    if (name.startsWith(prefix) && name.endsWith(".cu") && name.indexOf('/', prefix.length()) < 0) {
                        try (InputStream in = jar.getInputStream(e)) {
                            out.put(name.substring(prefix.length()), new String(in.readAllBytes(), StandardCharsets.UTF_8));
                        }
                    }
                }
            }
        } else {
            Path folder = Path.of(known.toURI()).getParent(); // test-classes has a kernels/ folder too (this class)
            try (Stream<Path> files = Files.list(folder)) {
                for (Path p : files.filter(f -> f.getFileName().toString().endsWith(".cu")).toList()) {
                    out.put(p.getFileName().toString(), Files.readString(p));
                }
            }
        }
        assertFalse(out.isEmpty(), "no .cu files next to " + known);
        return out;
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
        for (Map.Entry<String, String> file : cuFiles().entrySet()) {
            String module = file.getKey().replace(".cu", "");
            Matcher m = KERNEL.matcher(file.getValue());
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
        for (Map.Entry<String, String> file : cuFiles().entrySet()) {
            String module = file.getKey().replace(".cu", "");
            Matcher m = KERNEL.matcher(file.getValue());
            while (m.find()) {
                assertTrue(launched.contains(module + "/" + m.group(1)), m.group(1) + " in " + file.getKey()
                        + " is not in the Kernel table: dead code, or a launch that was forgotten");
            }
        }
    }

    @Test
    void everyFileIsSelfContainedAndListsItsKernelsFirst() throws Exception {
        for (Map.Entry<String, String> entry : cuFiles().entrySet()) {
            String file = entry.getKey();
            String text = entry.getValue();
            assertTrue(text.startsWith("// " + file + ":"), file + " must start with a comment naming it");
            assertFalse(Pattern.compile("(?m)^\\s*#\\s*include").matcher(text).find(),
                    file + " includes a header; NVRTC has none to offer");
            String header = text.substring(0, text.indexOf("extern \"C\""));
            Matcher m = KERNEL.matcher(text);
            while (m.find()) {
                assertTrue(header.contains(m.group(1)), file + "'s header comment does not list " + m.group(1));
            }
            assertTrue(header.contains("mirrors"), file + "'s header says which CPU kernel it mirrors");
            assertTrue(header.toLowerCase().contains("launch"), file + "'s header gives the launch shape");
        }
    }

    /**
     * Every scan for a maximum (argmax, countCorrect, max-pool backward) uses the CPU kernels' rule
     * ({@code ElementwiseKernels.beats}, {@code PoolKernels}): strictly larger, or the first NaN. A bare
     * {@code > best} would let a NaN lose where the CPU lets it win.
     */
    @Test
    void maximumScansLetTheFirstNanWinAsOnTheCpu() throws Exception {
        Pattern bareCompare = Pattern.compile(">\\s*best\\b");
        for (String file : List.of("classification.cu", "pooling.cu")) {
            String text = cuFiles().get(file);
            assertTrue(text.replaceAll("\\s+", " ").contains(
                    "bool beats(float v, float best) { return v > best || (v != v && best == best); }"),
                    file + " defines the CPU's beats rule");
            String body = text.substring(text.indexOf("extern \"C\""));
            assertFalse(bareCompare.matcher(body).find(), file + " compares with a bare '> best' instead of beats()");
            assertTrue(body.contains("beats("), file + "'s kernels use beats()");
        }
    }

    @Test
    void sourcesAreReadableAsResources() {
        for (Kernel k : Kernel.values()) {
            assertTrue(KernelSources.read(k.module()).contains(k.function()));
        }
        assertEquals(10, Stream.of(Kernel.values()).map(Kernel::module).distinct().count());
    }
}
