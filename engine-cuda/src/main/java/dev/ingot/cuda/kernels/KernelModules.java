package dev.ingot.cuda.kernels;

import dev.ingot.cuda.CudaException;
import dev.ingot.cuda.ffm.CudaDriver;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.ingot.cuda.ffm.CudaDriver.check;

/**
 * Our kernels on one device: each {@code .cu} module is compiled (or read from the {@link KernelCache})
 * and loaded with {@code cuModuleLoadData} the first time one of its kernels is launched; its
 * {@code CUfunction}s are looked up once. Owns the loaded modules and unloads them on {@link #close()}.
 * Must be used with the device's context current (the backend makes it current on entry).
 */
public final class KernelModules implements AutoCloseable {
    /** What NVRTC is asked to produce for this device. */
    record Target(String arch, boolean cubin) {
    }

    private final Target target;
    private final String nvrtcVersion;
    private final KernelCache cache;
    private final Map<String, MemorySegment> modules = new LinkedHashMap<>();
    private final Map<Kernel, MemorySegment> functions = new EnumMap<>(Kernel.class);
    private int compiled;
    private int cacheHits;
    private boolean closed;

    public KernelModules(int computeMajor, int computeMinor, KernelCache cache) {
        this.nvrtcVersion = NvrtcCompiler.version();
        this.target = target(computeMajor, computeMinor, NvrtcCompiler.supportedArchitectures());
        this.cache = cache;
    }

    /**
     * {@code sm_XY} CUBIN when NVRTC supports the device's architecture; otherwise PTX for the newest
     * virtual architecture it supports that the device can run ({@code compute_ZW}, ZW below XY),
     * which the driver JIT-compiles.
     */
    static Target target(int computeMajor, int computeMinor, List<Integer> supported) {
        int cc = computeMajor * 10 + computeMinor;
        if (supported.contains(cc)) {
            return new Target("sm_" + cc, true);
        }
        int best = -1;
        for (int a : supported) {
            if (a <= cc && a > best) {
                best = a;
            }
        }
        if (best < 0) {
            throw new IllegalStateException("this NVRTC cannot compile for compute capability " + computeMajor + "."
                    + computeMinor + " (it supports " + supported + "); install an NVRTC that matches the GPU");
        }
        return new Target("compute_" + best, false);
    }

    /** NVRTC options: the target, and no fused multiply-add contraction (see the {@code .cu} headers). */
    List<String> options() {
        return List.of("--gpu-architecture=" + target.arch(), "--fmad=false");
    }

    /** The {@code CUfunction} of {@code kernel}, compiling and loading its module on first use. */
    public MemorySegment function(Kernel kernel) {
        MemorySegment f = functions.get(kernel);
        if (f != null) {
            return f;
        }
        if (closed) {
            throw new IllegalStateException("the CUDA backend is closed; its kernels are unloaded");
        }
        MemorySegment module = modules.computeIfAbsent(kernel.module(), this::load);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ValueLayout.ADDRESS);
            check(CudaDriver.cuModuleGetFunction(out, module, arena.allocateFrom(kernel.function())),
                    "cuModuleGetFunction", kernel.function() + " in " + kernel.module() + ".cu");
            f = out.get(ValueLayout.ADDRESS, 0);
        }
        functions.put(kernel, f);
        return f;
    }

    private MemorySegment load(String module) {
        String source = KernelSources.read(module);
        List<String> options = options();
        String key = KernelCache.key(source, options, nvrtcVersion, target.arch());
        byte[] cached = cache.read(module, target.arch(), key, target.cubin()).orElse(null);
        if (cached != null) {
            try {
                MemorySegment m = loadImage(cached, module);
                cacheHits++;
                return m;
            } catch (CudaException e) {
                cache.delete(module, target.arch(), key, target.cubin()); // corrupt or foreign: compile afresh
            }
        }
        NvrtcCompiler.Output out = NvrtcCompiler.compile(source, module + ".cu", options, target.cubin());
        compiled++;
        cache.write(module, target.arch(), key, target.cubin(), out.image());
        return loadImage(out.image(), module);
    }

    private static MemorySegment loadImage(byte[] image, String module) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment bytes = arena.allocate(image.length + 1L); // +1: a NUL after PTX text
            MemorySegment.copy(image, 0, bytes, ValueLayout.JAVA_BYTE, 0, image.length);
            MemorySegment out = arena.allocate(ValueLayout.ADDRESS);
            check(CudaDriver.cuModuleLoadData(out, bytes), "cuModuleLoadData", module + ".cu, " + image.length + " bytes");
            return out.get(ValueLayout.ADDRESS, 0);
        }
    }

    /** For {@code description()}: {@code NVRTC 13.0 -> sm_90 CUBIN (2 modules compiled, 3 from ~/.cache/ingot/cuda)}. */
    public String describe() {
        return "NVRTC " + nvrtcVersion + " -> " + target.arch() + (target.cubin() ? " CUBIN" : " PTX (driver JIT)")
                + " (" + compiled + " modules compiled, " + cacheHits + " loaded from "
                + (cache.folder() == null ? "no disk cache" : cache.folder()) + ")";
    }

    public String nvrtcVersion() {
        return nvrtcVersion;
    }

    /** Unloads every module (after the stream has been synchronized). */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        List<CudaException> failures = new ArrayList<>();
        for (MemorySegment m : modules.values()) {
            try {
                check(CudaDriver.cuModuleUnload(m), "cuModuleUnload");
            } catch (CudaException e) {
                failures.add(e);
            }
        }
        modules.clear();
        functions.clear();
        if (!failures.isEmpty()) {
            throw failures.getFirst();
        }
    }
}
