package dev.ingot.cuda.kernels;

import dev.ingot.cuda.CudaException;
import dev.ingot.cuda.ffm.Nvrtc;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

import static dev.ingot.cuda.ffm.Nvrtc.check;

/**
 * Compiles one {@code .cu} source with NVRTC into a CUBIN for a real architecture ({@code -arch=sm_90}:
 * the driver loads it as is, with no JIT), or into PTX for a virtual one ({@code -arch=compute_90}) when
 * this NVRTC does not know the device's architecture yet (the driver then JIT-compiles the PTX).
 */
final class NvrtcCompiler {

    /** A compiled image (NUL-terminated text for PTX) and the compiler's log. */
    record Output(byte[] image, boolean cubin, String log) {
    }

    private NvrtcCompiler() {
    }

    /** {@code "13.0"}. */
    static String version() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment major = arena.allocate(ValueLayout.JAVA_INT);
            MemorySegment minor = arena.allocate(ValueLayout.JAVA_INT);
            check(Nvrtc.nvrtcVersion(major, minor), "nvrtcVersion", null);
            return major.get(ValueLayout.JAVA_INT, 0) + "." + minor.get(ValueLayout.JAVA_INT, 0);
        }
    }

    /** The real architectures this NVRTC can target, ascending: {@code [75, 80, 86, 89, 90, ...]}. */
    static List<Integer> supportedArchitectures() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment count = arena.allocate(ValueLayout.JAVA_INT);
            check(Nvrtc.nvrtcGetNumSupportedArchs(count), "nvrtcGetNumSupportedArchs", null);
            int n = count.get(ValueLayout.JAVA_INT, 0);
            if (n <= 0) {
                return List.of();
            }
            MemorySegment archs = arena.allocate(ValueLayout.JAVA_INT, n);
            check(Nvrtc.nvrtcGetSupportedArchs(archs), "nvrtcGetSupportedArchs", null);
            List<Integer> out = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                out.add(archs.getAtIndex(ValueLayout.JAVA_INT, i));
            }
            return List.copyOf(out);
        }
    }

    /**
     * Compiles {@code source}; a compile error becomes a {@link CudaException} whose message holds
     * NVRTC's program log (the file, line and error).
     */
    static Output compile(String source, String name, List<String> options, boolean cubin) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment programSlot = arena.allocate(ValueLayout.ADDRESS);
            check(Nvrtc.nvrtcCreateProgram(programSlot, arena.allocateFrom(source), arena.allocateFrom(name), 0,
                    MemorySegment.NULL, MemorySegment.NULL), "nvrtcCreateProgram", name);
            MemorySegment program = programSlot.get(ValueLayout.ADDRESS, 0);
            try {
                MemorySegment optionArray = arena.allocate(ValueLayout.ADDRESS, Math.max(1, options.size()));
                for (int i = 0; i < options.size(); i++) {
                    optionArray.setAtIndex(ValueLayout.ADDRESS, i, arena.allocateFrom(options.get(i)));
                }
                int status = Nvrtc.nvrtcCompileProgram(program, options.size(), optionArray);
                String log = programLog(arena, program);
                if (status != Nvrtc.NVRTC_SUCCESS) {
                    throw new CudaException("NVRTC", "nvrtcCompileProgram", status, Nvrtc.errorString(status),
                            "program log:\n" + log, name + " with " + options);
                }
                MemorySegment size = arena.allocate(ValueLayout.JAVA_LONG);
                if (cubin) {
                    check(Nvrtc.nvrtcGetCUBINSize(program, size), "nvrtcGetCUBINSize", name);
                } else {
                    check(Nvrtc.nvrtcGetPTXSize(program, size), "nvrtcGetPTXSize", name);
                }
                long bytes = size.get(ValueLayout.JAVA_LONG, 0);
                if (bytes <= 0 || bytes > Integer.MAX_VALUE) {
                    throw new IllegalStateException("NVRTC produced a " + (cubin ? "CUBIN" : "PTX") + " of " + bytes
                            + " bytes for " + name + " with " + options + "; log:\n" + log);
                }
                MemorySegment image = arena.allocate(bytes);
                if (cubin) {
                    check(Nvrtc.nvrtcGetCUBIN(program, image), "nvrtcGetCUBIN", name);
                } else {
                    check(Nvrtc.nvrtcGetPTX(program, image), "nvrtcGetPTX", name);
                }
                return new Output(image.toArray(ValueLayout.JAVA_BYTE), cubin, log);
            } finally {
                Nvrtc.nvrtcDestroyProgram(programSlot);
            }
        }
    }

    private static String programLog(Arena arena, MemorySegment program) {
        MemorySegment size = arena.allocate(ValueLayout.JAVA_LONG);
        if (Nvrtc.nvrtcGetProgramLogSize(program, size) != Nvrtc.NVRTC_SUCCESS) {
            return "(no log)";
        }
        long bytes = size.get(ValueLayout.JAVA_LONG, 0);
        if (bytes <= 1) {
            return "";
        }
        MemorySegment log = arena.allocate(bytes);
        if (Nvrtc.nvrtcGetProgramLog(program, log) != Nvrtc.NVRTC_SUCCESS) {
            return "(no log)";
        }
        return log.getString(0).strip();
    }
}
