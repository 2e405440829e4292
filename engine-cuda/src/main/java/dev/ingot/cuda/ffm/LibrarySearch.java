package dev.ingot.cuda.ffm;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Finds and loads a CUDA library. Folders are searched in this order:
 * <ol>
 *   <li>{@code INGOT_CUDA_LIBRARY_PATH} (colon-separated): an explicit choice wins over every other
 *       copy, whatever its soname;</li>
 *   <li>{@code LD_LIBRARY_PATH};</li>
 *   <li>the usual install folders: {@code /usr/local/cuda/lib64},
 *       {@code /usr/local/cuda/targets/x86_64-linux/lib}, {@code /usr/lib/x86_64-linux-gnu},
 *       {@code /usr/local/nvidia/lib64}, {@code /usr/lib64};</li>
 *   <li>the {@code nvidia/*&#47;lib} folders of Python environments (pip's {@code nvidia-cudnn-cu12},
 *       {@code nvidia-cublas}, ...; CUDA 13's wheels put cuBLAS, NVRTC and cudart together in
 *       {@code nvidia/cu13/lib}, cuDNN stays in {@code nvidia/cudnn/lib}): {@code $VIRTUAL_ENV},
 *       {@code $CONDA_PREFIX}, {@code ~/.local}, {@code /usr/local/lib/python3*}, {@code /usr/lib/python3*},
 *       {@code /opt/conda}, {@code /opt/*&#47;.venv} and {@code /opt/*&#47;venv}, found by globbing,
 *       without starting Python;</li>
 *   <li>last, the system loader by bare soname ({@code ld.so.cache} and its default folders).</li>
 * </ol>
 * Outside the override folders, sonames are tried newest first across all folders ({@code .13}
 * anywhere before {@code .12}). Every file that exists but does not load is recorded with the
 * linker's reason, and the folders looked in go into the message when nothing loads.
 *
 * <p>Companions (cuDNN's sub-libraries, cuBLASLt, NVRTC's builtins) are preloaded from the library's
 * folder only when that folder is not on {@code LD_LIBRARY_PATH}: there the loader finds them by
 * soname when they are first needed, and cuDNN's engine libraries (over a gigabyte together) are not
 * all mapped up front.
 *
 * <p>The environment, home folder and file-system root are passed in, so tests can build folder
 * trees in a temporary directory.
 */
public final class LibrarySearch {
    static final String OVERRIDE = "INGOT_CUDA_LIBRARY_PATH";
    private static final List<String> STANDARD_FOLDERS = List.of("/usr/local/cuda/lib64",
            "/usr/local/cuda/targets/x86_64-linux/lib", "/usr/lib/x86_64-linux-gnu", "/usr/local/nvidia/lib64",
            "/usr/lib64");
    /** Python roots under the file-system root, after the environment's own. */
    private static final List<String> SYSTEM_PYTHON_SITES = List.of("/usr/local/lib/python3*/site-packages",
            "/usr/local/lib/python3*/dist-packages", "/usr/lib/python3*/site-packages", "/usr/lib/python3*/dist-packages",
            "/usr/lib/python3/dist-packages", "/opt/conda/lib/python3*/site-packages",
            // uv / venv-built images keep PyTorch (and its NVIDIA wheels) in a project venv under /opt,
            // e.g. /opt/torch/.venv: the GPU machines this project is tested on do
            "/opt/*/.venv/lib/python3*/site-packages", "/opt/*/venv/lib/python3*/site-packages");

    /** A folder to look in, and why it is on the list. */
    public record Folder(Path path, String origin) {
        @Override
        public String toString() {
            return path + (Files.isDirectory(path) ? "" : " (no such folder)");
        }
    }

    /** The outcome of looking for one library: the library, or everything that was tried. */
    public record LoadResult(CudaLibrary library, NativeLibrary loaded, List<Folder> folders, List<String> failures,
                             String systemLoaderError) {
        public LoadResult {
            folders = List.copyOf(folders);
            failures = List.copyOf(failures);
        }

        public boolean isLoaded() {
            return loaded != null;
        }

        /** Why it is not loaded: the files that failed and the folders that were searched. */
        public String reason() {
            if (loaded != null) {
                return "";
            }
            StringBuilder sb = new StringBuilder();
            sb.append(String.join(" or ", library.sonames())).append(" (").append(library.description()).append(")");
            if (failures.isEmpty()) {
                sb.append(" not found");
            } else {
                sb.append(" found but could not be loaded: ").append(String.join("; ", failures));
            }
            sb.append("; looked in: ");
            if (folders.isEmpty()) {
                sb.append("(no folders)");
            } else {
                for (int i = 0; i < folders.size(); i++) {
                    sb.append(i == 0 ? "" : ", ").append(folders.get(i));
                }
            }
            if (systemLoaderError != null) {
                sb.append("; then the system loader: ").append(systemLoaderError);
            }
            sb.append(". Set ").append(OVERRIDE).append(" to the folder that holds it");
            return sb.toString();
        }
    }

    private final Map<String, String> env;
    private final Path home;
    private final Path fsRoot;
    private final boolean useSystemLoader;

    /**
     * @param env             environment variables to read ({@code System.getenv()} in production)
     * @param home            the user's home folder (for {@code ~/.local})
     * @param fsRoot          where the absolute standard folders live ({@code /} in production)
     * @param useSystemLoader whether to finish with the system loader's own search
     */
    public LibrarySearch(Map<String, String> env, Path home, Path fsRoot, boolean useSystemLoader) {
        this.env = Map.copyOf(env);
        this.home = home;
        this.fsRoot = fsRoot;
        this.useSystemLoader = useSystemLoader;
    }

    /** The search this process uses. */
    public static LibrarySearch fromEnvironment() {
        return new LibrarySearch(System.getenv(), Path.of(System.getProperty("user.home", "/")), Path.of("/"), true);
    }

    /** Every folder in search order, duplicates removed (the first mention wins). */
    public List<Folder> folders() {
        Map<Path, Folder> ordered = new LinkedHashMap<>();
        for (String dir : split(env.get(OVERRIDE))) {
            ordered.putIfAbsent(normal(Path.of(dir)), new Folder(normal(Path.of(dir)), OVERRIDE));
        }
        for (String dir : split(env.get("LD_LIBRARY_PATH"))) {
            ordered.putIfAbsent(normal(Path.of(dir)), new Folder(normal(Path.of(dir)), "LD_LIBRARY_PATH"));
        }
        for (String dir : STANDARD_FOLDERS) {
            Path p = under(fsRoot, dir);
            ordered.putIfAbsent(p, new Folder(p, "standard folder"));
        }
        for (Path site : pythonSitePackages()) {
            for (Path lib : expand(site, List.of("nvidia", "*", "lib"))) {
                ordered.putIfAbsent(lib, new Folder(lib, "python site-packages"));
            }
        }
        return List.copyOf(ordered.values());
    }

    /** Site-packages folders of the active environment first, then the user's, then the system's. */
    List<Path> pythonSitePackages() {
        Set<Path> sites = new LinkedHashSet<>();
        for (String var : List.of("VIRTUAL_ENV", "CONDA_PREFIX")) {
            String prefix = env.get(var);
            if (prefix != null && !prefix.isBlank()) {
                sites.addAll(expand(Path.of(prefix), List.of("lib", "python3*", "site-packages")));
            }
        }
        if (home != null) {
            sites.addAll(expand(home, List.of(".local", "lib", "python3*", "site-packages")));
        }
        for (String pattern : SYSTEM_PYTHON_SITES) {
            List<String> segments = List.of(pattern.substring(1).split("/"));
            sites.addAll(expand(fsRoot, segments));
        }
        return List.copyOf(sites);
    }

    /** Loads {@code library}: override folders first, then soname by soname over the other folders, then the loader. */
    public LoadResult load(CudaLibrary library) {
        List<Folder> folders = folders();
        List<String> failures = new ArrayList<>();
        List<Folder> override = folders.stream().filter(f -> f.origin().equals(OVERRIDE)).toList();
        List<Folder> rest = folders.stream().filter(f -> !f.origin().equals(OVERRIDE)).toList();
        for (List<Folder> group : List.of(override, rest)) {
            for (String soname : library.sonames()) {
                for (Folder folder : group) {
                    Path file = folder.path().resolve(soname);
                    if (!Files.exists(file)) {
                        continue;
                    }
                    Optional<NativeLibrary> lib = loadFromFolder(library, soname, folder, companionsToPreload(library,
                            soname, folder), failures);
                    if (lib.isPresent()) {
                        return new LoadResult(library, lib.get(), folders, failures, null);
                    }
                }
            }
        }
        String loaderError = null;
        if (useSystemLoader) {
            for (String soname : library.sonames()) {
                try {
                    MemorySegment handle = DynamicLinker.open(soname, DynamicLinker.RTLD_NOW | DynamicLinker.RTLD_GLOBAL);
                    String file = DynamicLinker.symbol(handle, library.probeSymbol())
                            .flatMap(DynamicLinker::fileOf).orElse(soname);
                    NativeLibrary lib = new NativeLibrary(library, soname, realPath(file), "system loader", handle,
                            List.of(), List.of());
                    return new LoadResult(library, lib, folders, failures, null);
                } catch (DynamicLinker.LoadFailure e) {
                    loaderError = loaderError == null ? e.getMessage() : loaderError + "; " + e.getMessage();
                }
            }
        }
        return new LoadResult(library, null, folders, failures, loaderError);
    }

    /**
     * Loads the companions and then the library from one folder, in passes until nothing more loads:
     * a companion may need another one loaded first (DT_NEEDED), and we do not know their order.
     */
    private static Optional<NativeLibrary> loadFromFolder(CudaLibrary library, String soname, Folder folder,
                                                          List<Path> companions, List<String> failures) {
        Path main = folder.path().resolve(soname);
        List<Path> pending = new ArrayList<>(companions);
        pending.add(main);
        Map<Path, String> lastError = new LinkedHashMap<>();
        List<String> loadedCompanions = new ArrayList<>();
        MemorySegment mainHandle = null;
        boolean progress = true;
        while (progress && !pending.isEmpty()) {
            progress = false;
            for (Path p : List.copyOf(pending)) {
                try {
                    MemorySegment handle = DynamicLinker.open(p.toString(), DynamicLinker.RTLD_NOW | DynamicLinker.RTLD_GLOBAL);
                    pending.remove(p);
                    lastError.remove(p);
                    progress = true;
                    if (p.equals(main)) {
                        mainHandle = handle;
                    } else {
                        loadedCompanions.add(p.getFileName().toString());
                    }
                } catch (DynamicLinker.LoadFailure e) {
                    lastError.put(p, e.getMessage());
                }
            }
        }
        if (mainHandle == null) {
            failures.add(main + ": " + lastError.getOrDefault(main, "not loaded"));
            return Optional.empty();
        }
        List<String> companionFailures = new ArrayList<>();
        for (Path p : pending) {
            companionFailures.add(p.getFileName() + ": " + lastError.get(p));
        }
        return Optional.of(new NativeLibrary(library, soname, realPath(main.toString()), folder.origin(), mainHandle,
                loadedCompanions, companionFailures));
    }

    /**
     * The companion files to load before {@code soname} from {@code folder}: none when the folder is
     * on {@code LD_LIBRARY_PATH} (the loader finds them there by soname, when needed), else every
     * file matching {@link CudaLibrary#companionGlobs} but the library itself, one per real file.
     */
    List<Path> companionsToPreload(CudaLibrary library, String soname, Folder folder) {
        for (String dir : split(env.get("LD_LIBRARY_PATH"))) {
            if (normal(Path.of(dir)).equals(normal(folder.path()))) {
                return List.of();
            }
        }
        List<Path> companions = new ArrayList<>();
        Set<Path> seen = new LinkedHashSet<>();
        for (String glob : library.companionGlobs(soname)) {
            for (Path p : expand(folder.path(), List.of(glob))) {
                Path real = normal(Path.of(realPath(p.toString())));
                if (seen.add(real) && !p.getFileName().toString().equals(soname)) {
                    companions.add(p);
                }
            }
        }
        return companions;
    }

    private static List<String> split(String pathList) {
        if (pathList == null || pathList.isBlank()) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        for (String s : pathList.split(":")) {
            if (!s.isBlank()) {
                out.add(s.strip());
            }
        }
        return out;
    }

    /** {@code base/a/b*&#47;c}: each segment may be a glob; results sorted by name within a level. */
    static List<Path> expand(Path base, List<String> segments) {
        List<Path> current = List.of(base);
        for (String segment : segments) {
            List<Path> next = new ArrayList<>();
            for (Path dir : current) {
                if (!segment.contains("*") && !segment.contains("?") && !segment.contains("[")) {
                    Path p = dir.resolve(segment);
                    if (Files.exists(p)) {
                        next.add(p);
                    }
                    continue;
                }
                if (!Files.isDirectory(dir)) {
                    continue;
                }
                List<Path> matches = new ArrayList<>();
                try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir, segment)) {
                    stream.forEach(matches::add);
                } catch (IOException | RuntimeException e) {
                    // an unreadable folder is one we cannot search; nothing to report beyond "not found"
                }
                matches.sort(null);
                next.addAll(matches);
            }
            current = next;
        }
        return current;
    }

    private static Path under(Path root, String absolute) {
        return normal(root.resolve(absolute.substring(1)));
    }

    private static Path normal(Path p) {
        return p.toAbsolutePath().normalize();
    }

    private static String realPath(String file) {
        try {
            return Path.of(file).toRealPath().toString();
        } catch (IOException | RuntimeException e) {
            return file;
        }
    }
}
