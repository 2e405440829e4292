package dev.ingot.cuda;

import dev.ingot.core.Availability;
import dev.ingot.cuda.ffm.Binder;
import dev.ingot.cuda.ffm.CudaDriver;
import dev.ingot.cuda.ffm.CudaLibrary;
import dev.ingot.cuda.ffm.Cublas;
import dev.ingot.cuda.ffm.Cudnn;
import dev.ingot.cuda.ffm.LibrarySearch;
import dev.ingot.cuda.ffm.NativeLibraries;
import dev.ingot.cuda.ffm.Nvrtc;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Finds out, without creating a CUDA context, whether the CUDA backend can run here: which library
 * files load (and from where), their versions, whether they fit together and the driver, and which
 * GPU there is. The result is what {@code ./ingot doctor} prints: "is cuDNN actually used, and which
 * one?". Never throws; computed once per process.
 */
final class CudaProbe {
    private static volatile Availability cached;

    private CudaProbe() {
    }

    static Availability availability() {
        Availability a = cached;
        if (a == null) {
            synchronized (CudaProbe.class) {
                a = cached;
                if (a == null) {
                    a = run();
                    cached = a;
                }
            }
        }
        return a;
    }

    /** The libraries' versions, for the backend's description: {@code driver CUDA 13.0, cuDNN 9.6.0, ...}. */
    static String versions(Availability a) {
        Map<String, String> d = a.details();
        return "driver " + d.getOrDefault("driver", "?") + ", cuDNN " + d.getOrDefault("cuDNN", "?") + ", cuBLAS "
                + d.getOrDefault("cuBLAS", "?") + ", NVRTC " + d.getOrDefault("NVRTC", "?");
    }

    private static Availability run() {
        Map<String, String> details = new LinkedHashMap<>();
        List<String> reasons = new ArrayList<>();
        try {
            probe(details, reasons);
        } catch (Throwable t) {
            reasons.add("probing CUDA failed unexpectedly: " + t);
        }
        return reasons.isEmpty() ? Availability.available(details) : Availability.unavailable(reasons, details);
    }

    private static void probe(Map<String, String> details, List<String> reasons) {
        boolean allLoaded = true;
        for (CudaLibrary lib : CudaLibrary.values()) {
            LibrarySearch.LoadResult r = NativeLibraries.load(lib);
            if (lib == CudaLibrary.NCCL) { // optional: only data-parallel training with --distributed nccl needs it
                details.put("libnccl.so.2", r.isLoaded() ? r.loaded().describe()
                        : "not found (needed only by --distributed nccl; pip nvidia-nccl-cu12 or the libnccl2 package)");
                continue;
            }
            if (r.isLoaded()) {
                details.put(r.loaded().soname(), r.loaded().describe());
            } else {
                allLoaded = false;
                reasons.add(r.reason());
            }
        }
        if (!NativeLibraries.load(CudaLibrary.DRIVER).isLoaded()) {
            return; // nothing below works without the driver
        }
        for (Binder b : List.of(CudaDriver.binder(), Nvrtc.binder(), Cublas.binder(), Cudnn.binder())) {
            if (!b.missingRequired().isEmpty()) {
                reasons.add(b.loaded().file() + " (" + b.library().description() + ") lacks " + b.missingRequired()
                        + ": it is too old, or not the library Ingot binds");
                allLoaded = false;
            }
        }
        int driverVersion;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment v = arena.allocate(ValueLayout.JAVA_INT);
            CudaDriver.check(CudaDriver.cuDriverGetVersion(v), "cuDriverGetVersion");
            driverVersion = v.get(ValueLayout.JAVA_INT, 0);
        }
        int driverMajor = driverVersion / 1000;
        details.put("driver", "CUDA " + driverMajor + "." + (driverVersion % 1000) / 10 + " (cuDriverGetVersion "
                + driverVersion + ")");
        int status = CudaDriver.cuInit(0);
        if (status != CudaDriver.CUDA_SUCCESS) {
            reasons.add("cuInit failed: " + CudaDriver.errorName(status) + " (" + status + "): "
                    + CudaDriver.errorString(status) + " (no usable GPU, or the driver and kernel module do not match)");
            return;
        }
        int count = CudaDevice.deviceCount();
        details.put("devices", Integer.toString(count));
        if (count == 0) {
            reasons.add("the NVIDIA driver sees no CUDA device (CUDA_VISIBLE_DEVICES="
                    + System.getenv().getOrDefault("CUDA_VISIBLE_DEVICES", "<unset>") + ")");
            return;
        }
        CudaOptions options;
        try {
            options = CudaOptions.fromSystem();
        } catch (IllegalArgumentException e) {
            reasons.add(e.getMessage());
            return;
        }
        if (options.device() >= count) {
            reasons.add("CUDA device " + options.device() + " was asked for (ingot.cuda.device) but the driver sees "
                    + count);
            return;
        }
        CudaDevice.Info info = CudaDevice.query(options.device());
        details.put("device " + options.device(), info.describe());
        details.put("settings", options.describe());
        if (!allLoaded) {
            return;
        }
        long cudnnVersion = Cudnn.cudnnGetVersion();
        long cudnnCudart = Cudnn.cudnnGetCudartVersion();
        details.put("cuDNN", Cudnn.versionString(cudnnVersion) + " (built for CUDA " + cudnnCudart / 1000 + "."
                + (cudnnCudart % 1000) / 10 + ")");
        if (cudnnVersion / 10000 != 9) {
            reasons.add("cuDNN " + Cudnn.versionString(cudnnVersion) + " loaded, but Ingot binds cuDNN 9's API");
        }
        requireDriver(reasons, "cuDNN " + Cudnn.versionString(cudnnVersion), (int) (cudnnCudart / 1000), driverMajor,
                driverVersion);
        int cublasMajor;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment v = arena.allocate(ValueLayout.JAVA_INT);
            int[] parts = new int[3];
            int[] types = {Cublas.MAJOR_VERSION, Cublas.MINOR_VERSION, Cublas.PATCH_LEVEL};
            for (int i = 0; i < 3; i++) {
                Cublas.check(Cublas.cublasGetProperty(types[i], v), "cublasGetProperty", null);
                parts[i] = v.get(ValueLayout.JAVA_INT, 0);
            }
            cublasMajor = parts[0];
            details.put("cuBLAS", parts[0] + "." + parts[1] + "." + parts[2]);
        }
        requireDriver(reasons, "cuBLAS " + details.get("cuBLAS"), cublasMajor, driverMajor, driverVersion);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment major = arena.allocate(ValueLayout.JAVA_INT);
            MemorySegment minor = arena.allocate(ValueLayout.JAVA_INT);
            Nvrtc.check(Nvrtc.nvrtcVersion(major, minor), "nvrtcVersion", null);
            int nvrtcMajor = major.get(ValueLayout.JAVA_INT, 0);
            details.put("NVRTC", nvrtcMajor + "." + minor.get(ValueLayout.JAVA_INT, 0));
            requireDriver(reasons, "NVRTC " + details.get("NVRTC"), nvrtcMajor, driverMajor, driverVersion);
        }
    }

    /** A CUDA-N library needs a driver for CUDA N or newer (minor versions are compatible within N). */
    private static void requireDriver(List<String> reasons, String what, int libraryCudaMajor, int driverMajor,
                                      int driverVersion) {
        if (libraryCudaMajor > driverMajor) {
            reasons.add(what + " needs a driver for CUDA " + libraryCudaMajor + " or newer, but this driver supports CUDA "
                    + driverMajor + "." + (driverVersion % 1000) / 10 + ": update the NVIDIA driver, or point "
                    + "INGOT_CUDA_LIBRARY_PATH at CUDA " + driverMajor + " libraries");
        }
    }
}
