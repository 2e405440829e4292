package dev.ingot.cuda.ffm;

import java.util.EnumMap;
import java.util.Map;

/**
 * The CUDA libraries of this process, each searched for and loaded once (see {@link LibrarySearch}),
 * in {@link CudaLibrary} order: loading cuDNN first loads NVRTC and cuBLAS, whose sonames cuDNN's
 * sub-libraries then find already in memory.
 */
public final class NativeLibraries {
    private static final Map<CudaLibrary, LibrarySearch.LoadResult> LOADED = new EnumMap<>(CudaLibrary.class);

    private NativeLibraries() {
    }

    /** The result of finding {@code library} (and everything before it in {@link CudaLibrary} order). */
    public static synchronized LibrarySearch.LoadResult load(CudaLibrary library) {
        LibrarySearch search = null;
        for (CudaLibrary l : CudaLibrary.values()) {
            if (!LOADED.containsKey(l)) {
                if (search == null) {
                    search = LibrarySearch.fromEnvironment();
                }
                LOADED.put(l, search.load(l));
            }
            if (l == library) {
                break;
            }
        }
        return LOADED.get(library);
    }
}
