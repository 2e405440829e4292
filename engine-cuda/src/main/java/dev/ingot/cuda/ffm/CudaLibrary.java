package dev.ingot.cuda.ffm;

import java.util.List;

/**
 * The four native libraries the CUDA backend binds, with the sonames tried (newest first) and the
 * companion libraries that must be loaded from the same folder. Declared in load order: a library's
 * companions may need the ones above it (cuDNN's sub-libraries link cuBLAS and NVRTC).
 */
public enum CudaLibrary {
    /** {@code libcuda.so.1}: installed with the NVIDIA driver, never with the toolkit. */
    DRIVER("the NVIDIA driver's CUDA API", "cuInit", List.of("libcuda.so.1", "libcuda.so")),
    /** NVRTC; {@code libnvrtc.so.N} {@code dlopen}s {@code libnvrtc-builtins.so.N.M} from the loader path. */
    NVRTC("NVRTC, the CUDA runtime compiler", "nvrtcVersion", List.of("libnvrtc.so.13", "libnvrtc.so.12")),
    /** cuBLAS; {@code libcublas.so.N} needs {@code libcublasLt.so.N} (a DT_NEEDED entry). */
    CUBLAS("cuBLAS", "cublasCreate_v2", List.of("libcublas.so.13", "libcublas.so.12")),
    /**
     * cuDNN 9: {@code libcudnn.so.9} is a small dispatcher that {@code dlopen}s its sub-libraries
     * ({@code libcudnn_graph.so.9}, {@code libcudnn_ops.so.9}, {@code libcudnn_cnn.so.9},
     * {@code libcudnn_engines_*.so.9}, ...) by bare soname at run time.
     */
    CUDNN("cuDNN 9", "cudnnGetVersion", List.of("libcudnn.so.9")),
    /** Only for {@code --distributed nccl}; the backend itself never needs it. */
    NCCL("NCCL 2, NVIDIA's collective communication library", "ncclGetVersion", List.of("libnccl.so.2"));

    private final String description;
    private final String probeSymbol;
    private final List<String> sonames;

    CudaLibrary(String description, String probeSymbol, List<String> sonames) {
        this.description = description;
        this.probeSymbol = probeSymbol;
        this.sonames = sonames;
    }

    /** What it is, for messages: "cuDNN 9". */
    public String description() {
        return description;
    }

    /** A symbol every good copy exports (to find its file with {@code dladdr}). */
    String probeSymbol() {
        return probeSymbol;
    }

    /** Sonames to try, in order of preference. */
    public List<String> sonames() {
        return sonames;
    }

    /**
     * File-name globs of the libraries to preload, from the folder where {@code soname} was found,
     * before the library itself: a sub-library already loaded under its soname is reused by every
     * later {@code dlopen} of that soname, so the dispatcher never has to search the loader path
     * (which need not contain that folder when it was found through {@code INGOT_CUDA_LIBRARY_PATH}).
     */
    List<String> companionGlobs(String soname) {
        String major = soname.substring(soname.lastIndexOf('.') + 1);
        return switch (this) {
            case DRIVER -> List.of();
            case NVRTC -> List.of("libnvrtc-builtins.so." + major + "*", "libnvrtc-builtins.alt.so." + major + "*");
            case CUBLAS -> List.of("libcublasLt.so." + major);
            case CUDNN -> List.of("libcudnn_*.so." + major);
            case NCCL -> List.of();
        };
    }
}
