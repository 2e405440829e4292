package dev.ingot.cpu.kernels;

import jdk.incubator.vector.FloatVector;

import java.util.Locale;

/**
 * The vector unit the CPU kernels are laid out for: the width of {@code FloatVector.SPECIES_PREFERRED}
 * and the number of vector registers, which decides how many accumulators a register-blocked kernel
 * can keep live without spilling ({@link GemmTile}, the peak benchmark's chain count).
 *
 * <p>The JVM reports the width but not the register count, so the count follows from the width and
 * the architecture ({@link #registersFor}):
 * <ul>
 *   <li>x86, 512-bit: 32 (AVX-512: zmm0-31);</li>
 *   <li>x86, 256 or 128-bit: 16 (AVX2 ymm0-15, SSE xmm0-15). On an AVX-512 CPU held to narrower
 *       vectors with {@code -XX:MaxVectorSize} alone, EVEX would still give C2 32 registers; the
 *       rule assumes 16 there, which only costs a smaller tile, never a spill. {@code -XX:UseAVX=2}
 *       (how CI and {@code bench/run.sh --isa avx2} hold an AVX-512 machine to AVX2) really leaves 16;</li>
 *   <li>AArch64, any width: 32 (NEON v0-31; SVE z0-31);</li>
 *   <li>anything else: 16, the conservative guess.</li>
 * </ul>
 * The system property {@value #REGISTERS_PROPERTY} overrides the count, for experiments.
 */
public record VectorShape(int bits, int lanes, int registers, String registerRule) {
    /** Overrides the register count the rule derives: {@code -Dingot.cpu.vectorRegisters=16}. */
    public static final String REGISTERS_PROPERTY = "ingot.cpu.vectorRegisters";

    /** The shape of this JVM: its preferred species, the register rule, the override if set. */
    public static final VectorShape PREFERRED = detect();

    private static VectorShape detect() {
        int bits = FloatVector.SPECIES_PREFERRED.vectorBitSize();
        int lanes = FloatVector.SPECIES_PREFERRED.length();
        String arch = System.getProperty("os.arch", "");
        String override = System.getProperty(REGISTERS_PROPERTY);
        if (override != null && !override.isBlank()) {
            int registers;
            try {
                registers = Integer.parseInt(override.trim());
            } catch (NumberFormatException e) {
                registers = -1;
            }
            if (registers != 16 && registers != 32) {
                throw new IllegalArgumentException("-D" + REGISTERS_PROPERTY + "=" + override
                        + ": expected 16 or 32 vector registers");
            }
            return new VectorShape(bits, lanes, registers, "-D" + REGISTERS_PROPERTY);
        }
        return new VectorShape(bits, lanes, registersFor(bits, arch), ruleName(bits, arch));
    }

    /** The vector registers a CPU of architecture {@code arch} (os.arch) has at a vector width of {@code bits}. */
    public static int registersFor(int bits, String arch) {
        String a = arch.toLowerCase(Locale.ROOT);
        if (a.equals("aarch64") || a.equals("arm64")) {
            return 32;
        }
        if (isX86(a)) {
            return bits >= 512 ? 32 : 16;
        }
        return 16;
    }

    private static boolean isX86(String a) {
        return a.equals("amd64") || a.equals("x86_64") || a.equals("x86") || a.equals("i386") || a.equals("i686");
    }

    private static String ruleName(int bits, String arch) {
        String a = arch.toLowerCase(Locale.ROOT);
        if (a.equals("aarch64") || a.equals("arm64")) {
            return bits > 128 ? "aarch64 SVE" : "aarch64 NEON";
        }
        if (isX86(a)) {
            return bits >= 512 ? "x86 AVX-512" : bits == 256 ? "x86 AVX2" : "x86 SSE";
        }
        return arch + ": unknown, assumed";
    }

    /** For logs and {@code doctor}: e.g. {@code FloatVector 256-bit (8 lanes), 16 registers (x86 AVX2), SGEMM tile 4x3V}. */
    public String describe() {
        return "FloatVector " + bits + "-bit (" + lanes + " lanes), " + registers + " registers (" + registerRule
                + "), SGEMM tile " + GemmKernels.TILE;
    }
}
