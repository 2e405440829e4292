package dev.ingot.cpu.kernels;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The vector shape this JVM runs the kernels with, and the rules that derive the register count and
 * the GEMM tile from it. The build runs the engine-cpu tests once per vector width (native,
 * {@code -XX:UseAVX=2}, {@code -XX:UseAVX=2 -XX:MaxVectorSize=16}); each pass sets
 * {@code ingot.test.maxVectorBits}, so a pass whose flags did not take (a JVM that ignored them)
 * fails here instead of silently testing the native width again.
 */
class VectorShapeTest {

    @Test
    void runsAtTheWidthThisPassAsksFor() {
        VectorShape shape = VectorShape.PREFERRED;
        System.out.println("[engine-cpu tests, pass '" + System.getProperty("ingot.test.pass", "default") + "'] "
                + shape.describe());
        assertEquals(FloatVector.SPECIES_PREFERRED.vectorBitSize(), shape.bits());
        assertEquals(FloatVector.SPECIES_PREFERRED.length(), shape.lanes());
        String most = System.getProperty("ingot.test.maxVectorBits", "");
        if (!most.isBlank()) {
            assertTrue(shape.bits() <= Integer.parseInt(most.trim()),
                    "this test pass was started to run with vectors of at most " + most + " bits, got " + shape.bits());
        }
    }

    @Test
    void registerCountFollowsTheWidthAndArchitecture() {
        assertEquals(32, VectorShape.registersFor(512, "amd64"));
        assertEquals(16, VectorShape.registersFor(256, "amd64"));
        assertEquals(16, VectorShape.registersFor(128, "x86_64"));
        assertEquals(32, VectorShape.registersFor(128, "aarch64"));
        assertEquals(32, VectorShape.registersFor(512, "aarch64"));
        assertEquals(16, VectorShape.registersFor(128, "riscv64"));
    }

    @Test
    void everyTileFitsTheRegistersItIsChosenFor() {
        for (int registers : new int[] {16, 32}) {
            GemmTile tile = GemmTile.forRegisters(registers);
            assertTrue(tile.liveRegisters() <= registers, tile + " needs " + tile.liveRegisters() + " of " + registers);
            // Enough independent accumulation chains for 2 FMA pipes of latency 5 (Haswell, Zen 3).
            assertTrue(tile.rows() * tile.vectors() >= 10, tile + " has too few chains");
        }
        assertEquals(GemmTile.ROWS8_VECTORS2, GemmTile.forRegisters(32));
        assertEquals(GemmTile.ROWS4_VECTORS3, GemmTile.forRegisters(16));
        assertTrue(GemmTile.ROWS6_VECTORS2.liveRegisters() <= 16);
    }

    @Test
    void theGemmBlockingFollowsTheTile() {
        assertEquals(GemmKernels.TILE.rows(), GemmKernels.MR);
        assertEquals(GemmKernels.TILE.vectors() * VectorShape.PREFERRED.lanes(), GemmKernels.NR);
        assertEquals(0, GemmKernels.MC % GemmKernels.MR, "an A block is whole MR-row panels");
        assertEquals(0, GemmKernels.NC % GemmKernels.NR, "a B block is whole NR-wide panels");
        if (System.getProperty(GemmTile.PROPERTY) == null) {
            assertEquals(GemmTile.forRegisters(VectorShape.PREFERRED.registers()), GemmKernels.TILE);
        }
    }

    @Test
    void aBadOverrideIsRefusedByName() {
        String old = System.getProperty(GemmTile.PROPERTY);
        try {
            System.setProperty(GemmTile.PROPERTY, "7x7");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GemmTile.choose(16));
            assertTrue(e.getMessage().contains("ingot.cpu.gemmTile"), e.getMessage());
        } finally {
            if (old == null) {
                System.clearProperty(GemmTile.PROPERTY);
            } else {
                System.setProperty(GemmTile.PROPERTY, old);
            }
        }
    }
}
