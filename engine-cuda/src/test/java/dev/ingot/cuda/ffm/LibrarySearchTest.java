package dev.ingot.cuda.ffm;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Library discovery on folder trees built in a temporary directory: the search order, the messages
 * when nothing loads (every folder, every file that failed and the linker's reason), soname
 * preference, and companions. "Libraries" that must load are copies of a real ELF shared object
 * (the JDK's own tiny {@code libsyslookup.so}); ones that must fail are plain text files.
 */
class LibrarySearchTest {
    @TempDir
    Path tmp;

    private Path root;
    private Path home;
    private final Map<String, String> env = new HashMap<>();

    @BeforeEach
    void tree() throws IOException {
        root = Files.createDirectories(tmp.resolve("root"));
        home = Files.createDirectories(tmp.resolve("home"));
    }

    private LibrarySearch search() {
        return new LibrarySearch(env, home, root, false);
    }

    private Path dir(String relative) throws IOException {
        return Files.createDirectories(tmp.resolve(relative));
    }

    private static Path realElf() {
        Path p = Path.of(System.getProperty("java.home"), "lib", "libsyslookup.so");
        assumeTrue(Files.isRegularFile(p), "no " + p + " to use as a loadable shared object");
        return p;
    }

    private static void elf(Path folder, String name) throws IOException {
        Files.copy(realElf(), folder.resolve(name));
    }

    private static void notElf(Path folder, String name) throws IOException {
        Files.writeString(folder.resolve(name), "this is not a shared object\n");
    }

    @Test
    void foldersComeInTheDocumentedOrderWithoutDuplicates() throws IOException {
        Path a = dir("a");
        Path b = dir("b");
        Path c = dir("c");
        Path venvLib = dir("venv/lib/python3.12/site-packages/nvidia/cudnn/lib");
        dir("venv/lib/python3.12/site-packages/nvidia/cublas/lib");
        Path userLib = dir("home/.local/lib/python3.11/site-packages/nvidia/cu13/lib");
        Path systemLib = dir("root/usr/local/lib/python3.12/dist-packages/nvidia/cuda_nvrtc/lib");
        env.put("INGOT_CUDA_LIBRARY_PATH", a + ":" + b);
        env.put("LD_LIBRARY_PATH", c + "::" + a);
        env.put("VIRTUAL_ENV", tmp.resolve("venv").toString());

        List<LibrarySearch.Folder> folders = search().folders();
        List<Path> paths = folders.stream().map(LibrarySearch.Folder::path).toList();
        List<String> origins = folders.stream().map(LibrarySearch.Folder::origin).toList();

        assertEquals(a, paths.get(0));
        assertEquals(b, paths.get(1));
        assertEquals(c, paths.get(2));
        assertEquals(List.of("INGOT_CUDA_LIBRARY_PATH", "INGOT_CUDA_LIBRARY_PATH", "LD_LIBRARY_PATH"), origins.subList(0, 3));
        assertEquals(1, paths.stream().filter(a::equals).count(), "a folder is searched once, under its first origin");
        assertEquals(root.resolve("usr/local/cuda/lib64"), paths.get(3));
        assertEquals(List.of(root.resolve("usr/local/cuda/lib64"), root.resolve("usr/local/cuda/targets/x86_64-linux/lib"),
                root.resolve("usr/lib/x86_64-linux-gnu"), root.resolve("usr/local/nvidia/lib64"), root.resolve("usr/lib64")),
                paths.subList(3, 8));
        // Python: the active virtual environment first (its folders sorted), then ~/.local, then the system's.
        assertEquals(List.of(tmp.resolve("venv/lib/python3.12/site-packages/nvidia/cublas/lib"), venvLib, userLib,
                systemLib), paths.subList(8, 12));
        assertTrue(origins.subList(8, 12).stream().allMatch("python site-packages"::equals), origins.toString());
    }

    @Test
    void nothingFoundNamesTheLibraryEveryFolderAndTheFix() throws IOException {
        Path a = dir("a");
        env.put("INGOT_CUDA_LIBRARY_PATH", a.toString());
        LibrarySearch.LoadResult r = search().load(CudaLibrary.CUDNN);
        assertFalse(r.isLoaded());
        String reason = r.reason();
        assertTrue(reason.startsWith("libcudnn.so.9 (cuDNN 9) not found; looked in: " + a + ", "), reason);
        assertTrue(reason.contains(root.resolve("usr/local/cuda/lib64") + " (no such folder)"), reason);
        assertTrue(reason.endsWith("Set INGOT_CUDA_LIBRARY_PATH to the folder that holds it"), reason);
        assertTrue(r.failures().isEmpty());
    }

    @Test
    void filesThatExistButDoNotLoadAreReportedWithTheLinkersReasonInSearchOrder() throws IOException {
        Path a = dir("a");
        Path b = dir("b");
        notElf(b, "libcublas.so.13");
        notElf(a, "libcublas.so.12");
        env.put("INGOT_CUDA_LIBRARY_PATH", a + ":" + b);
        LibrarySearch.LoadResult r = search().load(CudaLibrary.CUBLAS);
        assertFalse(r.isLoaded());
        assertEquals(2, r.failures().size(), r.failures().toString());
        assertTrue(r.failures().get(0).startsWith(b.resolve("libcublas.so.13") + ": "), "soname 13 is tried first: "
                + r.failures());
        assertTrue(r.failures().get(1).startsWith(a.resolve("libcublas.so.12") + ": "), r.failures().toString());
        for (String f : r.failures()) {
            assertTrue(f.contains("invalid ELF header") || f.contains("file too short") || f.contains("ELF"),
                    "the dynamic linker's own reason is kept: " + f);
        }
        assertTrue(r.reason().contains("found but could not be loaded: "), r.reason());
    }

    @Test
    void aLoadableFileIsLoadedAndDescribedWithItsOrigin() throws IOException {
        Path a = dir("a");
        elf(a, "libcuda.so.1");
        env.put("INGOT_CUDA_LIBRARY_PATH", a.toString());
        LibrarySearch.LoadResult r = search().load(CudaLibrary.DRIVER);
        assertTrue(r.isLoaded(), r.reason());
        assertEquals("libcuda.so.1", r.loaded().soname());
        assertEquals(a.resolve("libcuda.so.1").toRealPath().toString(), r.loaded().file());
        assertEquals("INGOT_CUDA_LIBRARY_PATH", r.loaded().origin());
        assertTrue(r.loaded().describe().contains("(INGOT_CUDA_LIBRARY_PATH)"), r.loaded().describe());
    }

    @Test
    void theWrongLibraryUnderTheRightNameIsCaughtByItsMissingSymbols() throws IOException {
        Path a = dir("a");
        elf(a, "libcuda.so.1");
        env.put("INGOT_CUDA_LIBRARY_PATH", a.toString());
        Binder binder = new Binder(CudaLibrary.DRIVER, search().load(CudaLibrary.DRIVER));
        MethodHandle cuInit = binder.bind("cuInit", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
        assertEquals(List.of("cuInit"), binder.missingRequired());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> {
            int ignored = (int) cuInit.invokeExact(0);
        });
        assertTrue(e.getMessage().contains("cuInit is not exported by"), e.getMessage());
    }

    @Test
    void aLibraryThatIsNotThereBindsHandlesThatSayWhy() {
        Binder binder = new Binder(CudaLibrary.DRIVER, search().load(CudaLibrary.DRIVER));
        MethodHandle cuInit = binder.bind("cuInit", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
        assertEquals(List.of(), binder.missingRequired(), "nothing is 'missing' from a library that is not loaded");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> {
            int ignored = (int) cuInit.invokeExact(0);
        });
        assertTrue(e.getMessage().contains("cuInit cannot be called: libcuda.so.1"), e.getMessage());
    }

    @Test
    void outsideTheOverrideTheNewestSonameWinsWhereverItIs() throws IOException {
        Path early = dir("early");
        elf(early, "libnvrtc.so.12");
        Path late = dir("root/usr/local/cuda/lib64");
        elf(late, "libnvrtc.so.13");
        env.put("LD_LIBRARY_PATH", early.toString());
        LibrarySearch.LoadResult r = search().load(CudaLibrary.NVRTC);
        assertTrue(r.isLoaded(), r.reason());
        assertEquals("libnvrtc.so.13", r.loaded().soname());
        assertEquals("standard folder", r.loaded().origin());
    }

    @Test
    void theOverrideWinsEvenWithAnOlderSoname() throws IOException {
        Path override = dir("override");
        elf(override, "libnvrtc.so.12");
        elf(dir("root/usr/local/cuda/lib64"), "libnvrtc.so.13");
        env.put("INGOT_CUDA_LIBRARY_PATH", override.toString());
        LibrarySearch.LoadResult r = search().load(CudaLibrary.NVRTC);
        assertTrue(r.isLoaded(), r.reason());
        assertEquals("libnvrtc.so.12", r.loaded().soname());
        assertEquals("INGOT_CUDA_LIBRARY_PATH", r.loaded().origin());
    }

    @Test
    void companionsAreLoadedFromTheSameFolderAndTheirFailuresKept() throws IOException {
        Path cudnn = dir("venv/lib/python3.12/site-packages/nvidia/cudnn/lib");
        elf(cudnn, "libcudnn.so.9");
        elf(cudnn, "libcudnn_graph.so.9");
        elf(cudnn, "libcudnn_ops.so.9");
        notElf(cudnn, "libcudnn_cnn.so.9");
        notElf(cudnn, "libcudnn_ops.so.8"); // another major: not a companion of .9
        env.put("VIRTUAL_ENV", tmp.resolve("venv").toString());
        LibrarySearch.LoadResult r = search().load(CudaLibrary.CUDNN);
        assertTrue(r.isLoaded(), r.reason());
        assertEquals("python site-packages", r.loaded().origin());
        assertEquals(List.of("libcudnn_graph.so.9", "libcudnn_ops.so.9"), r.loaded().companions().stream().sorted().toList());
        assertEquals(1, r.loaded().companionFailures().size(), r.loaded().companionFailures().toString());
        assertTrue(r.loaded().companionFailures().getFirst().startsWith("libcudnn_cnn.so.9: "),
                r.loaded().companionFailures().toString());
        assertTrue(r.loaded().describe().contains("companions that failed to load"), r.loaded().describe());
    }

    @Test
    void companionGlobsFollowTheSonameMajor() {
        assertEquals(List.of("libcublasLt.so.12"), CudaLibrary.CUBLAS.companionGlobs("libcublas.so.12"));
        assertEquals(List.of("libcudnn_*.so.9"), CudaLibrary.CUDNN.companionGlobs("libcudnn.so.9"));
        assertEquals(List.of("libnvrtc-builtins.so.13*", "libnvrtc-builtins.alt.so.13*"),
                CudaLibrary.NVRTC.companionGlobs("libnvrtc.so.13"));
        assertEquals(List.of(), CudaLibrary.DRIVER.companionGlobs("libcuda.so.1"));
    }

    @Test
    void aPyTorchVenvUnderOptIsSearchedInBothWheelLayouts() throws IOException {
        // The GPU machines keep PyTorch in /opt/torch/.venv: CUDA 13 wheels put cuBLAS, NVRTC and cudart in
        // nvidia/cu13/lib, cuDNN keeps nvidia/cudnn/lib; CUDA 12 wheels have one folder per library.
        Path site = dir("root/opt/torch/.venv/lib/python3.12/site-packages");
        Path cu13 = Files.createDirectories(site.resolve("nvidia/cu13/lib"));
        Path cudnn = Files.createDirectories(site.resolve("nvidia/cudnn/lib"));
        Path cublas12 = dir("root/opt/other/venv/lib/python3.11/site-packages/nvidia/cublas/lib");
        List<Path> paths = search().folders().stream().map(LibrarySearch.Folder::path).toList();
        assertTrue(paths.containsAll(List.of(cu13, cudnn, cublas12)), paths.toString());

        elf(cu13, "libcublas.so.13");
        elf(cu13, "libcublasLt.so.13");
        elf(cu13, "libnvrtc.so.13");
        LibrarySearch.LoadResult cublas = search().load(CudaLibrary.CUBLAS);
        assertTrue(cublas.isLoaded(), cublas.reason());
        assertEquals(cu13.resolve("libcublas.so.13").toRealPath().toString(), cublas.loaded().file());
        assertEquals("python site-packages", cublas.loaded().origin());
        assertEquals(List.of("libcublasLt.so.13"), cublas.loaded().companions());
        LibrarySearch.LoadResult nvrtc = search().load(CudaLibrary.NVRTC);
        assertTrue(nvrtc.isLoaded(), nvrtc.reason());
        assertEquals(cu13.resolve("libnvrtc.so.13").toRealPath().toString(), nvrtc.loaded().file());
    }

    @Test
    void companionsAreLeftToTheLoaderWhenTheirFolderIsOnLdLibraryPath() throws IOException {
        Path cudnn = dir("venv/lib/python3.12/site-packages/nvidia/cudnn/lib");
        elf(cudnn, "libcudnn.so.9");
        elf(cudnn, "libcudnn_graph.so.9");
        elf(cudnn, "libcudnn_engines_precompiled.so.9");
        LibrarySearch.Folder folder = new LibrarySearch.Folder(cudnn, "INGOT_CUDA_LIBRARY_PATH");
        assertEquals(List.of(cudnn.resolve("libcudnn_engines_precompiled.so.9"), cudnn.resolve("libcudnn_graph.so.9")),
                search().companionsToPreload(CudaLibrary.CUDNN, "libcudnn.so.9", folder), "not on the loader path");

        env.put("LD_LIBRARY_PATH", tmp.resolve("elsewhere") + ":" + cudnn + "/");
        env.put("INGOT_CUDA_LIBRARY_PATH", cudnn.toString());
        assertEquals(List.of(), search().companionsToPreload(CudaLibrary.CUDNN, "libcudnn.so.9", folder));
        LibrarySearch.LoadResult r = search().load(CudaLibrary.CUDNN);
        assertTrue(r.isLoaded(), r.reason());
        assertEquals(List.of(), r.loaded().companions(), "the dispatcher finds its sub-libraries by soname there");
    }
}
