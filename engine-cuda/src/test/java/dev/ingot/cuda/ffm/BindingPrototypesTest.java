package dev.ingot.cuda.ffm;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.FunctionDescriptor;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Every symbol the four binding classes bind exists in the C headers under exactly that name, and its
 * {@link FunctionDescriptor} passes each argument the way the C declaration says (pointer, int, size_t,
 * float, double) — a wrong width here would corrupt calls silently on a GPU machine, so it is checked
 * where there is none. The prototypes are transcribed from the official headers into
 * {@code src/test/resources/dev/ingot/cuda/ffm/prototypes}; where the CUDA toolkit's own {@code cuda.h}
 * is installed, the driver bindings are also checked against it.
 */
class BindingPrototypesTest {

    private static String resource(String name) throws IOException {
        try (InputStream in = BindingPrototypesTest.class.getResourceAsStream("prototypes/" + name)) {
            assertTrue(in != null, "missing test resource prototypes/" + name);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static void checkAgainst(Binder binder, Map<String, CPrototypes.Prototype> prototypes, String source) {
        List<String> problems = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (Binder.Binding b : binder.bindings()) {
            if (!seen.add(b.symbol())) {
                problems.add(b.symbol() + " is bound twice");
            }
            CPrototypes.Prototype p = prototypes.get(b.symbol());
            if (p == null) {
                problems.add(b.symbol() + " is not declared in " + source + " (misspelled, or a name the header does not export)");
                continue;
            }
            FunctionDescriptor fd = b.descriptor();
            Class<?> returns = fd.returnLayout().map(CPrototypes::carrier).orElse(void.class);
            List<Class<?>> params = fd.argumentLayouts().stream().<Class<?>>map(CPrototypes::carrier).toList();
            if (!returns.equals(p.returns()) || !params.equals(p.params())) {
                problems.add(b.symbol() + ": bound as " + returns.getSimpleName() + " " + names(params)
                        + " but declared as " + p.returns().getSimpleName() + " " + names(p.params()) + ": "
                        + p.declaration());
            }
        }
        assertTrue(problems.isEmpty(), String.join("\n", problems));
        assertFalse(binder.bindings().isEmpty(), "no bindings recorded for " + binder.library());
    }

    private static String names(List<Class<?>> types) {
        return types.stream().map(Class::getSimpleName).toList().toString();
    }

    @Test
    void driverBindingsMatchCudaH() throws IOException {
        checkAgainst(CudaDriver.binder(), CPrototypes.parse(resource("cuda.prototypes.h")), "cuda.h (CUDA 13.0)");
    }

    /**
     * The installed copies of {@code names}, concatenated, from the folders in {@code INGOT_CUDA_HEADERS}
     * (colon-separated; scripts/gpu-smoke.sh sets it to the toolkit's and the Python wheels' include
     * folders), then {@code $CUDA_HOME/include}; skipped, saying where it looked, when one is missing.
     */
    private static String installed(String... names) throws IOException {
        List<Path> folders = new ArrayList<>();
        for (String dir : System.getenv().getOrDefault("INGOT_CUDA_HEADERS", "").split(":")) {
            if (!dir.isBlank()) {
                folders.add(Path.of(dir));
            }
        }
        folders.add(Path.of(System.getenv().getOrDefault("CUDA_HOME", "/usr/local/cuda"), "include"));
        StringBuilder all = new StringBuilder();
        for (String name : names) {
            Path header = folders.stream().map(f -> f.resolve(name)).filter(Files::isRegularFile).findFirst().orElse(null);
            assumeTrue(header != null, "no " + name + " in " + folders + " (set INGOT_CUDA_HEADERS to check against it)");
            all.append(Files.readString(header)).append('\n');
        }
        return all.toString();
    }

    @Test
    void driverBindingsMatchTheInstalledCudaH() throws IOException {
        checkAgainst(CudaDriver.binder(), CPrototypes.parse(installed("cuda.h")), "the installed cuda.h");
    }

    @Test
    void cudnnBindingsMatchTheInstalledCudnnHeaders() throws IOException {
        checkAgainst(Cudnn.binder(), CPrototypes.parse(installed("cudnn_graph.h", "cudnn_ops.h", "cudnn_cnn.h")),
                "the installed cuDNN headers");
    }

    @Test
    void cublasBindingsMatchTheInstalledCublasApiH() throws IOException {
        checkAgainst(Cublas.binder(), CPrototypes.parse(installed("cublas_api.h")), "the installed cublas_api.h");
    }

    @Test
    void nvrtcBindingsMatchTheInstalledNvrtcH() throws IOException {
        checkAgainst(Nvrtc.binder(), CPrototypes.parse(installed("nvrtc.h")), "the installed nvrtc.h");
    }

    @Test
    void cudnnBindingsMatchTheCudnn9Headers() throws IOException {
        checkAgainst(Cudnn.binder(), CPrototypes.parse(resource("cudnn.prototypes.h")), "cuDNN 9 headers");
    }

    @Test
    void cublasBindingsMatchCublasApiH() throws IOException {
        checkAgainst(Cublas.binder(), CPrototypes.parse(resource("cublas.prototypes.h")), "cublas_api.h");
    }

    @Test
    void nvrtcBindingsMatchNvrtcH() throws IOException {
        checkAgainst(Nvrtc.binder(), CPrototypes.parse(resource("nvrtc.prototypes.h")), "nvrtc.h");
    }

    @Test
    void theLegacyFindSearchIsOptionalSoACudnnWithoutItStillLoads() {
        // cuDNN marks cudnnFind*AlgorithmEx for removal; without them the backend uses the heuristic
        // (CudnnConvolution notes it) instead of the probe refusing the whole library.
        List<String> find = List.of("cudnnFindConvolutionForwardAlgorithmEx", "cudnnFindConvolutionBackwardDataAlgorithmEx",
                "cudnnFindConvolutionBackwardFilterAlgorithmEx");
        for (String symbol : find) {
            Binder.Binding b = Cudnn.binder().bindings().stream().filter(x -> x.symbol().equals(symbol)).findFirst()
                    .orElseThrow(() -> new AssertionError(symbol + " is not bound"));
            assertTrue(b.optional(), symbol + " must be bound with bindOptional");
        }
        assertTrue(Cudnn.binder().missingRequired().stream().noneMatch(find::contains));
        if (Cudnn.binder().loaded() == null) {
            assertFalse(Cudnn.hasFindEx(), "no cuDNN here, so no Find");
        }
    }

    @Test
    void theReaderItselfMapsTypesAsTheAbiPassesThem() {
        Map<String, CPrototypes.Prototype> p = CPrototypes.parse("""
                #define cuMemAlloc cuMemAlloc_v2
                CUresult CUDAAPI cuMemAlloc(CUdeviceptr *dptr, size_t bytesize);
                cudnnStatus_t CUDNNWINAPI cudnnSetActivationDescriptor(cudnnActivationDescriptor_t d, cudnnActivationMode_t m,
                                             cudnnNanPropagation_t n, double coef);
                size_t cudnnGetVersion(void);
                """);
        assertEquals(List.of(java.lang.foreign.MemorySegment.class, long.class), p.get("cuMemAlloc_v2").params());
        assertEquals(int.class, p.get("cuMemAlloc_v2").returns());
        assertEquals(List.of(java.lang.foreign.MemorySegment.class, int.class, int.class, double.class),
                p.get("cudnnSetActivationDescriptor").params());
        assertEquals(long.class, p.get("cudnnGetVersion").returns());
        assertEquals(List.of(), p.get("cudnnGetVersion").params());
    }
}
