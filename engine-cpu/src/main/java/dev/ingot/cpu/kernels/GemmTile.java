package dev.ingot.cpu.kernels;

/**
 * The register tile of the SGEMM micro-kernel ({@link GemmMicroKernel}): {@code rows} rows of C by
 * {@code vectors} vectors of columns, kept in {@code rows * vectors} accumulator registers while
 * the kernel runs down K. Each K step also needs the {@code vectors} vectors of B and one
 * broadcast of A live, so a tile fits a register file when
 * {@code rows * vectors + vectors + 1 <= registers}; and it keeps the FMA pipes busy when its
 * {@code rows * vectors} independent chains cover the FMA latency times the FMA pipes (8 on Zen 4/5
 * and Skylake: 4 x 2; 10 on Haswell and Zen 2/3: 5 x 2).
 *
 * <p>The choice, by register count ({@link VectorShape}):
 * <ul>
 *   <li>32 registers (AVX-512, NEON): 8 x 2V, 16 accumulators + 3 = 19 registers: 16 FMAs per
 *       2 vector loads and 8 broadcasts;</li>
 *   <li>16 registers (AVX2, SSE): 4 x 3V, 12 accumulators + 3 B vectors + 1 broadcast = 16
 *       registers: 12 FMAs per 3 loads and 4 broadcasts. 8 x 2V would need 19 and spills in the
 *       innermost loop. Measured under {@code -XX:UseAVX=2} on one Zen 5 core, whole SGEMMs of
 *       1024 and 2048, GFLOP per CPU second (the machine was shared; CPU time is what the kernel
 *       got): 4 x 3V 91-92, 6 x 2V (BLIS Haswell's shape, 15 registers) 71-78, the old 8 x 2V
 *       32-40, OpenBLAS's Haswell kernel 100-104, the FMA peak 112-115.</li>
 * </ul>
 * The system property {@value #PROPERTY} ({@code 8x2}, {@code 6x2} or {@code 4x3}) overrides the
 * choice, for experiments. Every tile accumulates each element of C over K in the same order, so
 * the tile changes speed, never results.
 */
record GemmTile(int rows, int vectors) {
    static final String PROPERTY = "ingot.cpu.gemmTile";

    static final GemmTile ROWS8_VECTORS2 = new GemmTile(8, 2);
    static final GemmTile ROWS6_VECTORS2 = new GemmTile(6, 2);
    static final GemmTile ROWS4_VECTORS3 = new GemmTile(4, 3);

    /** The tile for {@code registers} vector registers, or the one {@value #PROPERTY} names. */
    static GemmTile choose(int registers) {
        String override = System.getProperty(PROPERTY);
        if (override != null && !override.isBlank()) {
            return switch (override.trim()) {
                case "8x2" -> ROWS8_VECTORS2;
                case "6x2" -> ROWS6_VECTORS2;
                case "4x3" -> ROWS4_VECTORS3;
                default -> throw new IllegalArgumentException("-D" + PROPERTY + "=" + override
                        + ": expected one of 8x2, 6x2, 4x3 (rows x vectors)");
            };
        }
        return forRegisters(registers);
    }

    /** The rule without the override: the tile of the list above. */
    static GemmTile forRegisters(int registers) {
        return registers >= 32 ? ROWS8_VECTORS2 : ROWS4_VECTORS3;
    }

    /** Registers the tile's inner loop keeps live: accumulators, the B vectors, one broadcast. */
    int liveRegisters() {
        return rows * vectors + vectors + 1;
    }

    @Override
    public String toString() {
        return rows + "x" + vectors + "V";
    }
}
