package dev.ingot.cuda.cudnn;

import dev.ingot.cuda.ffm.Cudnn;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * Picks a cuDNN convolution algorithm from the perf results that {@code cudnnFind...AlgorithmEx}
 * (measured, fastest first) or {@code cudnnGet...Algorithm_v7} (heuristic, best first) return:
 * the first one that succeeded, is deterministic, fits the workspace limit, and, with TF32 off,
 * does not use tensor-op math. Determinism is preferred so that a run repeats bit for bit on the
 * same GPU and algorithm, and so that backward passes do not depend on atomics' order; only if no
 * deterministic algorithm qualifies is a non-deterministic one taken (and said so).
 */
public final class AlgorithmChoice {

    /** One entry of a {@code cudnnConvolution*AlgoPerf_t} array. */
    public record Perf(int algo, int status, float timeMs, long memory, int determinism, int mathType) {
        boolean deterministic() {
            return determinism == Cudnn.CUDNN_DETERMINISTIC;
        }
    }

    /** The chosen algorithm and why it was acceptable. */
    public record Choice(Perf perf, boolean deterministic, String how) {
    }

    private AlgorithmChoice() {
    }

    /** Reads {@code count} perf structs from a native array laid out as {@link Cudnn#ALGO_PERF}. */
    public static List<Perf> read(MemorySegment array, int count) {
        List<Perf> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            long base = i * Cudnn.ALGO_PERF.byteSize();
            out.add(new Perf((int) Cudnn.PERF_ALGO.get(array, base), (int) Cudnn.PERF_STATUS.get(array, base),
                    (float) Cudnn.PERF_TIME.get(array, base), (long) Cudnn.PERF_MEMORY.get(array, base),
                    (int) Cudnn.PERF_DETERMINISM.get(array, base), (int) Cudnn.PERF_MATH_TYPE.get(array, base)));
        }
        return out;
    }

    /** Whether an algorithm's math type is allowed: with TF32 off, only FMA (or default) math. */
    static boolean mathAllowed(int mathType, boolean allowTf32) {
        return allowTf32 || (mathType != Cudnn.CUDNN_TENSOR_OP_MATH
                && mathType != Cudnn.CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION);
    }

    /**
     * The first acceptable entry, in the order given.
     *
     * @throws IllegalStateException naming every result when none succeeded within the limit
     */
    public static Choice choose(List<Perf> results, boolean allowTf32, long workspaceLimit, String direction,
                                String[] algoNames) {
        for (Perf p : results) {
            if (p.status() == Cudnn.CUDNN_STATUS_SUCCESS && p.memory() <= workspaceLimit
                    && mathAllowed(p.mathType(), allowTf32) && p.deterministic()) {
                return new Choice(p, true, "deterministic");
            }
        }
        for (Perf p : results) {
            if (p.status() == Cudnn.CUDNN_STATUS_SUCCESS && p.memory() <= workspaceLimit
                    && mathAllowed(p.mathType(), allowTf32)) {
                return new Choice(p, false, "no deterministic algorithm qualified; results may vary run to run");
            }
        }
        StringBuilder sb = new StringBuilder("cuDNN offers no usable ").append(direction)
                .append(" algorithm (workspace limit ").append(workspaceLimit).append(" bytes, TF32 ")
                .append(allowTf32 ? "on" : "off").append("); it returned:");
        if (results.isEmpty()) {
            sb.append(" nothing");
        }
        for (Perf p : results) {
            sb.append(' ').append(name(algoNames, p.algo())).append("(status ").append(p.status()).append(", ")
                    .append(p.memory()).append(" bytes, math ").append(p.mathType())
                    .append(p.deterministic() ? ", deterministic" : "").append(')');
        }
        throw new IllegalStateException(sb.toString());
    }

    /**
     * Whether an algorithm belongs to the GEMM family: implicit or explicit GEMM (and direct
     * summation), which add the products of a window in the order of a dot product, as the CPU
     * reference does. FFT and Winograd transform the operands first and round differently (their
     * error can exceed the parity tolerance, and which of them Find picks changes from run to run).
     * An algorithm number this build does not know by name is left out too.
     */
    static boolean gemmFamily(String[] algoNames, int algo) {
        if (algo < 0 || algo >= algoNames.length) {
            return false;
        }
        String name = algoNames[algo];
        return !name.contains("FFT") && !name.contains("WINOGRAD");
    }

    /** The entries of the GEMM family ({@link #gemmFamily}), in the order given. */
    public static List<Perf> gemmFamilyOnly(List<Perf> results, String[] algoNames) {
        return results.stream().filter(p -> gemmFamily(algoNames, p.algo())).toList();
    }

    /** The largest workspace among the entries that could be chosen (to size {@code Find...Ex}'s workspace). */
    static long largestUsableWorkspace(List<Perf> results, boolean allowTf32, long workspaceLimit) {
        long max = 0;
        for (Perf p : results) {
            if (p.status() == Cudnn.CUDNN_STATUS_SUCCESS && p.memory() <= workspaceLimit
                    && mathAllowed(p.mathType(), allowTf32)) {
                max = Math.max(max, p.memory());
            }
        }
        return max;
    }

    static String name(String[] names, int algo) {
        return algo >= 0 && algo < names.length ? names[algo] : "ALGO_" + algo;
    }

    /** {@code cudnnConvolutionFwdAlgo_t} names. */
    public static final String[] FORWARD = {"IMPLICIT_GEMM", "IMPLICIT_PRECOMP_GEMM", "GEMM", "DIRECT", "FFT",
        "FFT_TILING", "WINOGRAD", "WINOGRAD_NONFUSED"};
    /** {@code cudnnConvolutionBwdDataAlgo_t} names. */
    public static final String[] BACKWARD_DATA = {"ALGO_0", "ALGO_1", "FFT", "FFT_TILING", "WINOGRAD",
        "WINOGRAD_NONFUSED"};
    /** {@code cudnnConvolutionBwdFilterAlgo_t} names. */
    public static final String[] BACKWARD_FILTER = {"ALGO_0", "ALGO_1", "FFT", "ALGO_3", "WINOGRAD",
        "WINOGRAD_NONFUSED", "FFT_TILING"};
}
