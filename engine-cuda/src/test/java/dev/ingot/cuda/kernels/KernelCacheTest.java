package dev.ingot.cuda.kernels;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KernelCacheTest {
    @TempDir
    Path tmp;

    private static final String SOURCE = "extern \"C\" __global__ void k(float* x) { x[0] = 1.0f; }";
    private static final List<String> OPTIONS = List.of("--gpu-architecture=sm_90", "--fmad=false");

    @Test
    void theKeyIsStableAndChangesWithEachInput() {
        String key = KernelCache.key(SOURCE, OPTIONS, "13.0", "sm_90");
        assertEquals(64, key.length());
        assertEquals(key, KernelCache.key(SOURCE, OPTIONS, "13.0", "sm_90"));
        assertNotEquals(key, KernelCache.key(SOURCE + " ", OPTIONS, "13.0", "sm_90"), "source");
        assertNotEquals(key, KernelCache.key(SOURCE, List.of("--gpu-architecture=sm_90"), "13.0", "sm_90"), "options");
        assertNotEquals(key, KernelCache.key(SOURCE, OPTIONS, "12.8", "sm_90"), "NVRTC version");
        assertNotEquals(key, KernelCache.key(SOURCE, OPTIONS, "13.0", "sm_100"), "architecture");
        // length-prefixing: moving a character from one field to the next must change the key
        assertNotEquals(KernelCache.key("ab", List.of("c"), "1", "x"), KernelCache.key("a", List.of("bc"), "1", "x"));
        assertNotEquals(KernelCache.key("a", List.of("b", "c"), "1", "x"), KernelCache.key("a", List.of("b,c"), "1", "x"));
    }

    @Test
    void imagesRoundTripAndNamesSayWhatTheyAre() {
        KernelCache cache = new KernelCache(tmp.resolve("cuda"));
        String key = KernelCache.key(SOURCE, OPTIONS, "13.0", "sm_90");
        assertTrue(cache.read("elementwise", "sm_90", key, true).isEmpty());
        byte[] image = {0x7f, 'E', 'L', 'F', 1, 2, 3};
        assertTrue(cache.write("elementwise", "sm_90", key, true, image));
        assertArrayEquals(image, cache.read("elementwise", "sm_90", key, true).orElseThrow());
        assertTrue(cache.read("elementwise", "sm_90", key, false).isEmpty(), "a PTX entry is a different file");
        assertTrue(Files.exists(tmp.resolve("cuda").resolve("elementwise-sm_90-" + key.substring(0, 20) + ".cubin")));
        cache.delete("elementwise", "sm_90", key, true);
        assertTrue(cache.read("elementwise", "sm_90", key, true).isEmpty());
    }

    @Test
    void emptyFilesAreMissesAndLeftoverTempFilesDoNotCount() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("cuda"));
        KernelCache cache = new KernelCache(dir);
        String key = KernelCache.key(SOURCE, OPTIONS, "13.0", "sm_90");
        Files.write(dir.resolve(KernelCache.fileName("loss", "sm_90", key, true)), new byte[0]);
        assertTrue(cache.read("loss", "sm_90", key, true).isEmpty());
        assertTrue(cache.write("loss", "sm_90", key, true, new byte[] {1}));
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count(), "the temporary file was moved into place");
        }
    }

    @Test
    void anUnwritableFolderOnlyDisablesTheCache() throws IOException {
        Path file = Files.writeString(tmp.resolve("not-a-folder"), "x");
        KernelCache cache = new KernelCache(file.resolve("cuda"));
        assertFalse(cache.write("loss", "sm_90", "0".repeat(64), true, new byte[] {1}));
        assertTrue(cache.read("loss", "sm_90", "0".repeat(64), true).isEmpty());
        KernelCache none = new KernelCache(null);
        assertFalse(none.write("loss", "sm_90", "0".repeat(64), true, new byte[] {1}));
        assertNull(none.folder());
    }

    @Test
    void theFolderFollowsPropertyThenEnvironmentThenXdgThenHome() {
        assertEquals(Path.of("/p", "cuda"), KernelCache.defaultFolder(Map.of("INGOT_CACHE_DIR", "/e"), "/p", "/h"));
        assertEquals(Path.of("/e", "cuda"), KernelCache.defaultFolder(Map.of("INGOT_CACHE_DIR", "/e",
                "XDG_CACHE_HOME", "/x"), null, "/h"));
        assertEquals(Path.of("/x", "ingot", "cuda"), KernelCache.defaultFolder(Map.of("XDG_CACHE_HOME", "/x"), null, "/h"));
        assertEquals(Path.of("/h", ".cache", "ingot", "cuda"), KernelCache.defaultFolder(Map.of(), null, "/h"));
    }
}
