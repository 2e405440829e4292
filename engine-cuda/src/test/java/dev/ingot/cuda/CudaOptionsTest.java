package dev.ingot.cuda;

import dev.ingot.cuda.cudnn.CudnnConvolution;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CudaOptionsTest {

    @Test
    void defaultsAreFp32FindAndDeviceZero() {
        CudaOptions o = CudaOptions.parse(Map.of(), Map.of());
        assertEquals(0, o.device());
        assertFalse(o.tf32(), "TF32 stays off unless asked for: parity runs in FP32");
        assertEquals(CudnnConvolution.Search.FIND, o.convSearch());
        assertEquals(1024L << 20, o.workspaceLimit());
        assertEquals("TF32 off, conv algorithms find, workspace <= 1024 MiB", o.describe());
    }

    @Test
    void propertiesWinOverTheEnvironment() {
        CudaOptions o = CudaOptions.parse(Map.of("ingot.cuda.device", "1", "ingot.cuda.tf32", "TRUE",
                "ingot.cuda.conv.algo", "heuristic", "ingot.cuda.workspaceLimitMiB", "64"), Map.of("INGOT_CUDA_DEVICE", "3"));
        assertEquals(1, o.device());
        assertTrue(o.tf32());
        assertEquals(CudnnConvolution.Search.HEURISTIC, o.convSearch());
        assertEquals(64L << 20, o.workspaceLimit());
        assertEquals(3, CudaOptions.parse(Map.of(), Map.of("INGOT_CUDA_DEVICE", "3")).device());
        assertFalse(o.debugSync());
        CudaOptions debug = CudaOptions.parse(Map.of("ingot.cuda.debugSync", "true"), Map.of());
        assertTrue(debug.debugSync());
        assertTrue(debug.describe().endsWith(", debug sync after every op"), debug.describe());
    }

    @Test
    void badValuesNameThePropertyAndTheValue() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CudaOptions.parse(Map.of("ingot.cuda.tf32", "yes"), Map.of()));
        assertTrue(e.getMessage().contains("ingot.cuda.tf32") && e.getMessage().contains("'yes'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> CudaOptions.parse(Map.of("ingot.cuda.conv.algo", "fastest"), Map.of()));
        assertTrue(e.getMessage().contains("ingot.cuda.conv.algo") && e.getMessage().contains("'fastest'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> CudaOptions.parse(Map.of("ingot.cuda.device", "gpu0"), Map.of()));
        assertTrue(e.getMessage().contains("'gpu0'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> CudaOptions.parse(Map.of("ingot.cuda.device", "-1"), Map.of()));
        assertTrue(e.getMessage().contains("-1"), e.getMessage());
    }

    @Test
    void gemmRestrictsConvolutionsToTheGemmFamilyForParityRuns() {
        CudaOptions o = CudaOptions.parse(Map.of("ingot.cuda.conv.algo", " GEMM "), Map.of());
        assertEquals(CudnnConvolution.Search.GEMM, o.convSearch());
        assertEquals("TF32 off, conv algorithms gemm, workspace <= 1024 MiB", o.describe());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CudaOptions.parse(Map.of("ingot.cuda.conv.algo", "winograd"), Map.of()));
        assertTrue(e.getMessage().contains("'find', 'heuristic' or 'gemm'"), e.getMessage());
    }
}
