package dev.ingot.cuda.cudnn;

import dev.ingot.cuda.ffm.Cudnn;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AlgorithmChoiceTest {
    private static final int OK = Cudnn.CUDNN_STATUS_SUCCESS;
    private static final int DET = Cudnn.CUDNN_DETERMINISTIC;
    private static final int NONDET = 0;
    private static final int FMA = Cudnn.CUDNN_FMA_MATH;
    private static final int TENSOR_OP = Cudnn.CUDNN_TENSOR_OP_MATH;

    private static AlgorithmChoice.Perf perf(int algo, int status, long memory, int determinism, int math) {
        return new AlgorithmChoice.Perf(algo, status, 0.1f * algo, memory, determinism, math);
    }

    @Test
    void theFirstSuccessfulDeterministicFmaAlgorithmWithinTheLimitIsChosen() {
        List<AlgorithmChoice.Perf> results = List.of(
                perf(7, 3000, 0, DET, FMA),                 // failed
                perf(6, OK, 1L << 40, DET, FMA),            // too much workspace
                perf(1, OK, 0, DET, TENSOR_OP),             // TF32 tensor cores: not with TF32 off
                perf(0, OK, 0, NONDET, FMA),                // non-deterministic
                perf(2, OK, 4096, DET, FMA),
                perf(3, OK, 0, DET, FMA));
        AlgorithmChoice.Choice c = AlgorithmChoice.choose(results, false, 1L << 30, "forward", AlgorithmChoice.FORWARD);
        assertEquals(2, c.perf().algo());
        assertTrue(c.deterministic());
    }

    @Test
    void withTf32AllowedTensorOpMathQualifies() {
        List<AlgorithmChoice.Perf> results = List.of(perf(1, OK, 0, DET, TENSOR_OP), perf(2, OK, 0, DET, FMA));
        assertEquals(1, AlgorithmChoice.choose(results, true, 1 << 20, "forward", AlgorithmChoice.FORWARD).perf().algo());
    }

    @Test
    void aNonDeterministicAlgorithmIsTakenOnlyWhenNothingElseQualifiesAndSaysSo() {
        List<AlgorithmChoice.Perf> results = List.of(perf(0, OK, 0, NONDET, FMA), perf(3, OK, 0, NONDET, FMA));
        AlgorithmChoice.Choice c = AlgorithmChoice.choose(results, false, 0, "backward filter",
                AlgorithmChoice.BACKWARD_FILTER);
        assertEquals(0, c.perf().algo());
        assertFalse(c.deterministic());
        assertTrue(c.how().contains("may vary"), c.how());
    }

    @Test
    void whenNothingQualifiesTheMessageListsWhatCudnnOffered() {
        List<AlgorithmChoice.Perf> results = List.of(perf(4, 3000, 0, DET, FMA), perf(5, OK, 1L << 40, DET, FMA));
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> AlgorithmChoice.choose(results, false, 1 << 20, "backward data", AlgorithmChoice.BACKWARD_DATA));
        assertTrue(e.getMessage().contains("backward data"), e.getMessage());
        assertTrue(e.getMessage().contains("WINOGRAD(status 3000"), e.getMessage());
        assertTrue(e.getMessage().contains("WINOGRAD_NONFUSED(status 0, 1099511627776 bytes"), e.getMessage());
    }

    @Test
    void theFindWorkspaceIsTheLargestUsableOne() {
        List<AlgorithmChoice.Perf> results = List.of(perf(0, OK, 100, NONDET, FMA), perf(1, OK, 5000, DET, TENSOR_OP),
                perf(2, OK, 3000, DET, FMA), perf(3, OK, 1L << 40, DET, FMA), perf(4, 3000, 9000, DET, FMA));
        assertEquals(3000, AlgorithmChoice.largestUsableWorkspace(results, false, 1 << 20));
        assertEquals(5000, AlgorithmChoice.largestUsableWorkspace(results, true, 1 << 20));
    }

    /**
     * {@code cudnnConvolutionFwdAlgoPerf_t} is {@code {int algo; int status; float time; size_t memory;
     * int determinism; int mathType; int reserved[3];}}: with C's alignment rules, memory sits at offset
     * 16 after 4 bytes of padding, and the struct is 48 bytes (a multiple of its 8-byte alignment).
     */
    @Test
    void thePerfStructHasTheCLayout() {
        assertEquals(48, Cudnn.ALGO_PERF.byteSize());
        assertEquals(8, Cudnn.ALGO_PERF.byteAlignment());
        assertEquals(0, Cudnn.ALGO_PERF.byteOffset(MemoryLayout.PathElement.groupElement("algo")));
        assertEquals(4, Cudnn.ALGO_PERF.byteOffset(MemoryLayout.PathElement.groupElement("status")));
        assertEquals(8, Cudnn.ALGO_PERF.byteOffset(MemoryLayout.PathElement.groupElement("time")));
        assertEquals(16, Cudnn.ALGO_PERF.byteOffset(MemoryLayout.PathElement.groupElement("memory")));
        assertEquals(24, Cudnn.ALGO_PERF.byteOffset(MemoryLayout.PathElement.groupElement("determinism")));
        assertEquals(28, Cudnn.ALGO_PERF.byteOffset(MemoryLayout.PathElement.groupElement("mathType")));
        assertEquals(32, Cudnn.ALGO_PERF.byteOffset(MemoryLayout.PathElement.groupElement("reserved")));
    }

    @Test
    void perfArraysAreReadFieldByField() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment array = arena.allocate(Cudnn.ALGO_PERF, 2);
            // second element, written at raw C offsets
            long base = 48;
            array.set(ValueLayout.JAVA_INT, base, 6);
            array.set(ValueLayout.JAVA_INT, base + 4, 0);
            array.set(ValueLayout.JAVA_FLOAT, base + 8, 0.25f);
            array.set(ValueLayout.JAVA_LONG, base + 16, 123_456_789_012L);
            array.set(ValueLayout.JAVA_INT, base + 24, 1);
            array.set(ValueLayout.JAVA_INT, base + 28, 3);
            List<AlgorithmChoice.Perf> read = AlgorithmChoice.read(array, 2);
            assertEquals(new AlgorithmChoice.Perf(6, 0, 0.25f, 123_456_789_012L, 1, 3), read.get(1));
        }
    }

    @Test
    void theGemmFamilyLeavesOutFftAndWinogradInEveryDirection() {
        assertEquals(List.of("IMPLICIT_GEMM", "IMPLICIT_PRECOMP_GEMM", "GEMM", "DIRECT"), gemmNames(AlgorithmChoice.FORWARD));
        assertEquals(List.of("ALGO_0", "ALGO_1"), gemmNames(AlgorithmChoice.BACKWARD_DATA));
        assertEquals(List.of("ALGO_0", "ALGO_1", "ALGO_3"), gemmNames(AlgorithmChoice.BACKWARD_FILTER));
        assertFalse(AlgorithmChoice.gemmFamily(AlgorithmChoice.FORWARD, 8), "an algorithm unknown to this build");
        assertFalse(AlgorithmChoice.gemmFamily(AlgorithmChoice.FORWARD, -1));
    }

    @Test
    void gemmOnlyPassesOverAFasterWinogradAndKeepsTheRankingOrder() {
        List<AlgorithmChoice.Perf> ranked = List.of(
                perf(6, OK, 0, DET, FMA),    // WINOGRAD_NONFUSED, ranked first
                perf(4, OK, 0, DET, FMA),    // FFT
                perf(1, OK, 0, DET, FMA),    // IMPLICIT_PRECOMP_GEMM
                perf(0, OK, 0, DET, FMA));   // IMPLICIT_GEMM
        assertEquals(6, AlgorithmChoice.choose(ranked, false, 1L << 30, "forward", AlgorithmChoice.FORWARD).perf().algo());
        List<AlgorithmChoice.Perf> gemm = AlgorithmChoice.gemmFamilyOnly(ranked, AlgorithmChoice.FORWARD);
        assertEquals(List.of(1, 0), gemm.stream().map(AlgorithmChoice.Perf::algo).toList());
        assertEquals(1, AlgorithmChoice.choose(gemm, false, 1L << 30, "forward", AlgorithmChoice.FORWARD).perf().algo());
        IllegalStateException none = assertThrows(IllegalStateException.class, () -> AlgorithmChoice.choose(
                AlgorithmChoice.gemmFamilyOnly(List.of(perf(2, OK, 0, DET, FMA)), AlgorithmChoice.BACKWARD_DATA), false,
                1L << 30, "backward data (GEMM family only)", AlgorithmChoice.BACKWARD_DATA));
        assertTrue(none.getMessage().contains("backward data (GEMM family only)") && none.getMessage().contains("nothing"),
                none.getMessage());
    }

    private static List<String> gemmNames(String[] names) {
        List<String> out = new java.util.ArrayList<>();
        for (int algo = 0; algo < names.length; algo++) {
            if (AlgorithmChoice.gemmFamily(names, algo)) {
                out.add(names[algo]);
            }
        }
        return out;
    }
}
