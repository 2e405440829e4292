package dev.ingot.cuda.ffm;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.util.List;
import java.util.Optional;

/**
 * One loaded CUDA library: what it is, the file it came from and how that file was found, and the
 * companions preloaded beside it. Lives for the whole process.
 *
 * @param library           which library
 * @param soname            the soname that matched, e.g. {@code libcublas.so.13}
 * @param file              the file loaded, symlinks resolved (e.g. {@code .../libcudnn.so.9.6.0})
 * @param origin            where it was found: {@code INGOT_CUDA_LIBRARY_PATH}, {@code LD_LIBRARY_PATH},
 *                          {@code standard folder}, {@code python site-packages}, {@code system loader}
 * @param handle            the {@code dlopen} handle
 * @param companions        companion files preloaded from the same folder
 * @param companionFailures companions that failed to load, with the linker's reason
 */
public record NativeLibrary(CudaLibrary library, String soname, String file, String origin, MemorySegment handle,
                            List<String> companions, List<String> companionFailures) {

    public NativeLibrary {
        companions = List.copyOf(companions);
        companionFailures = List.copyOf(companionFailures);
    }

    /** The address of an exported function, or empty. */
    public Optional<MemorySegment> find(String symbol) {
        return DynamicLinker.symbol(handle, symbol);
    }

    /** This library as a {@link SymbolLookup}. */
    public SymbolLookup lookup() {
        return this::find;
    }

    /** For diagnostics: {@code /usr/lib/x86_64-linux-gnu/libcuda.so.580.65.06 (system loader)}. */
    public String describe() {
        StringBuilder sb = new StringBuilder(file).append(" (").append(origin).append(')');
        if (!companions.isEmpty()) {
            sb.append(" + ").append(companions.size()).append(" companion").append(companions.size() == 1 ? "" : "s")
                    .append(" preloaded");
        }
        if (!companionFailures.isEmpty()) {
            sb.append("; companions that failed to load: ").append(String.join("; ", companionFailures));
        }
        return sb.toString();
    }
}
