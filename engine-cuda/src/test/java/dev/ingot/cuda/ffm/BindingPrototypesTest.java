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

    @Test
    void driverBindingsMatchTheInstalledCudaH() throws IOException {
        Path header = Path.of(System.getenv().getOrDefault("CUDA_HOME", "/usr/local/cuda"), "include", "cuda.h");
        assumeTrue(Files.isRegularFile(header), "no cuda.h at " + header + " (set CUDA_HOME to check against it)");
        checkAgainst(CudaDriver.binder(), CPrototypes.parse(Files.readString(header)), header.toString());
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
