package dev.ingot.cpu.kernels;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Every register tile's kernels, whichever tile this JVM's {@link GemmKernels} uses: each one, with
 * A read in place (strides (lda, 1)) and packed (the 8 x 2V packed kernel; the general kernel at
 * strides (1, MR) for the others, as {@link GemmMicroKernel#multiplyPacked} calls it), against the
 * definition computed with the same fused multiply-adds in the same order, so the results must be
 * bit-identical; and therefore identical across tiles.
 */
class GemmMicroKernelTest {
    private static final int V = GemmMicroKernel.V;

    @ParameterizedTest(name = "{0}x{1}V, kc {2}, beta {3}")
    @CsvSource({"8, 2, 1, 0", "8, 2, 7, 0", "8, 2, 37, 0.5", "6, 2, 1, 0", "6, 2, 6, 0", "6, 2, 37, 0.5",
            "4, 3, 1, 0", "4, 3, 9, 0", "4, 3, 37, 0.5"})
    void everyTileComputesTheDefinitionBitForBit(int rows, int vectors, int kc, float beta) {
        int nr = vectors * V;
        int lda = kc + 3;
        int ldc = nr + 5;
        SplittableRandom random = new SplittableRandom(rows * 1000L + vectors * 100L + kc);
        float[] a = new float[rows * lda];
        float[] b = new float[kc * nr];
        float[] c0 = new float[rows * ldc];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) random.nextDouble(-1, 1);
        }
        for (int i = 0; i < b.length; i++) {
            b[i] = (float) random.nextDouble(-1, 1);
        }
        for (int i = 0; i < c0.length; i++) {
            c0[i] = (float) random.nextDouble(-1, 1);
        }
        float[] packedA = new float[kc * rows];
        for (int p = 0; p < kc; p++) {
            for (int i = 0; i < rows; i++) {
                packedA[p * rows + i] = a[i * lda + p];
            }
        }
        float[] expected = c0.clone();
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < nr; j++) {
                float acc = 0f;
                for (int p = 0; p < kc; p++) {
                    acc = Math.fma(a[i * lda + p], b[p * nr + j], acc);
                }
                expected[i * ldc + j] = beta == 0f ? acc : Math.fma(c0[i * ldc + j], beta, acc);
            }
        }
        float[] inPlace = c0.clone();
        float[] packed = c0.clone();
        switch (rows) {
            case 8 -> {
                GemmMicroKernel.multiply8x2(kc, a, 0, lda, 1, b, 0, nr, inPlace, 0, ldc, beta);
                GemmMicroKernel.multiply8x2Packed(kc, packedA, 0, b, 0, packed, 0, ldc, beta);
            }
            case 6 -> {
                GemmMicroKernel.multiply6x2(kc, a, 0, lda, 1, b, 0, nr, inPlace, 0, ldc, beta);
                GemmMicroKernel.multiply6x2(kc, packedA, 0, 1, 6, b, 0, nr, packed, 0, ldc, beta);
            }
            default -> {
                GemmMicroKernel.multiply4x3(kc, a, 0, lda, 1, b, 0, nr, inPlace, 0, ldc, beta);
                GemmMicroKernel.multiply4x3(kc, packedA, 0, 1, 4, b, 0, nr, packed, 0, ldc, beta);
            }
        }
        for (int i = 0; i < expected.length; i++) {
            assertEquals(Float.floatToIntBits(expected[i]), Float.floatToIntBits(inPlace[i]),
                    "in place, element " + i + ": " + expected[i] + " vs " + inPlace[i]);
            assertEquals(Float.floatToIntBits(expected[i]), Float.floatToIntBits(packed[i]),
                    "packed, element " + i + ": " + expected[i] + " vs " + packed[i]);
        }
    }
}
