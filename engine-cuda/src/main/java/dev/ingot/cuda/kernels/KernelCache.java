package dev.ingot.cuda.kernels;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Compiled kernels on disk, so NVRTC runs once per machine rather than once per process. A file is
 * named by the module, the target and a SHA-256 of everything that decides the compiler's output:
 * the source text, the options, the NVRTC version and the target architecture. A changed kernel, a
 * new NVRTC or another GPU therefore never loads a stale binary.
 *
 * <p>Folder: {@code $INGOT_CACHE_DIR/cuda} (or {@code -Dingot.cache.dir}), else
 * {@code $XDG_CACHE_HOME/ingot/cuda}, else {@code ~/.cache/ingot/cuda}. Files are written to a
 * temporary name and moved into place, so a crashed or concurrent writer never leaves a half file.
 * Any I/O failure only disables the cache (kernels are then compiled in memory).
 */
public final class KernelCache {
    private final Path dir;

    /** @param dir the cache folder, or {@code null} for no disk cache */
    public KernelCache(Path dir) {
        this.dir = dir;
    }

    /** The cache this process uses (see the class comment for the folder). */
    public static KernelCache fromEnvironment() {
        return new KernelCache(defaultFolder(System.getenv(), System.getProperty("ingot.cache.dir"),
                System.getProperty("user.home")));
    }

    static Path defaultFolder(Map<String, String> env, String property, String home) {
        if (property != null && !property.isBlank()) {
            return Path.of(property, "cuda");
        }
        String explicit = env.get("INGOT_CACHE_DIR");
        if (explicit != null && !explicit.isBlank()) {
            return Path.of(explicit, "cuda");
        }
        String xdg = env.get("XDG_CACHE_HOME");
        if (xdg != null && !xdg.isBlank()) {
            return Path.of(xdg, "ingot", "cuda");
        }
        return home == null ? null : Path.of(home, ".cache", "ingot", "cuda");
    }

    /** The folder, or {@code null} when disabled. */
    public Path folder() {
        return dir;
    }

    /** SHA-256 (hex) of the source, the options, the NVRTC version and the target, each length-prefixed. */
    public static String key(String source, List<String> options, String nvrtcVersion, String target) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            update(sha, "ingot-cuda-kernel-v1");
            update(sha, source);
            update(sha, Integer.toString(options.size()));
            for (String o : options) {
                update(sha, o);
            }
            update(sha, nvrtcVersion);
            update(sha, target);
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError("every JDK has SHA-256", e);
        }
    }

    private static void update(MessageDigest sha, String s) {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        sha.update(Integer.toString(bytes.length).getBytes(StandardCharsets.US_ASCII));
        sha.update((byte) ':');
        sha.update(bytes);
    }

    /** {@code elementwise-sm_90-<first 20 hex of key>.cubin} (or {@code .ptx}). */
    static String fileName(String module, String target, String key, boolean cubin) {
        return module + "-" + target + "-" + key.substring(0, 20) + (cubin ? ".cubin" : ".ptx");
    }

    /** The cached image, if present and non-empty. */
    public Optional<byte[]> read(String module, String target, String key, boolean cubin) {
        if (dir == null) {
            return Optional.empty();
        }
        Path file = dir.resolve(fileName(module, target, key, cubin));
        try {
            if (!Files.isRegularFile(file)) {
                return Optional.empty();
            }
            byte[] bytes = Files.readAllBytes(file);
            return bytes.length == 0 ? Optional.empty() : Optional.of(bytes);
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** Stores an image atomically; returns whether it was written. */
    public boolean write(String module, String target, String key, boolean cubin, byte[] image) {
        if (dir == null) {
            return false;
        }
        Path file = dir.resolve(fileName(module, target, key, cubin));
        Path tmp = null;
        try {
            Files.createDirectories(dir);
            tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
            Files.write(tmp, image);
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
            return true;
        } catch (IOException | RuntimeException e) {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // nothing more to do: the cache is an optimisation
                }
            }
            return false;
        }
    }

    /** Removes an entry the driver refused (corrupt or truncated). */
    public void delete(String module, String target, String key, boolean cubin) {
        if (dir == null) {
            return;
        }
        try {
            Files.deleteIfExists(dir.resolve(fileName(module, target, key, cubin)));
        } catch (IOException | RuntimeException ignored) {
            // a file we cannot delete will be refused again and recompiled again; harmless
        }
    }
}
