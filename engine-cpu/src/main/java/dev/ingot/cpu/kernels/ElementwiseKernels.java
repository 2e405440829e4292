package dev.ingot.cpu.kernels;

import dev.ingot.core.KernelChecks;
import dev.ingot.cpu.parallel.Parallel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Element-wise arithmetic, the per-channel bias add, and the small reductions the layers need
 * (sum over the batch, row argmax, correct-prediction count).
 *
 * <p>Every tail element is computed with exactly the operations a vector lane uses (Math.fma where
 * the lanes fuse), so a result does not depend on where a thread's range or the vector loop ends.
 * The reductions fix their summation order independently of the thread count.
 */
public final class ElementwiseKernels {
    private ElementwiseKernels() {
    }

    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;

    /**
     * Elements per thread below which a streaming kernel stays on the calling thread. Handing a
     * range to a pool worker and joining it cost about 5 us here (an 8 K add: 0.5 us on one thread,
     * 5.3 us on two); a streaming kernel does 0.04-0.15 ns per element on one thread (add 0.06,
     * Adam 0.15), so a range must be tens of thousands of elements before a second thread can win.
     * Splitting starts at 2 * GRAIN = 128 K elements. (2-core Zen 5 shared with other builds: the
     * timings are noisy; see engine-cpu/README.md.)
     */
    static final int GRAIN = 1 << 16;

    // ---------------------------------------------------------------- element-wise

    /** {@code out = a + b}; out may be a or b. Vector loop, scalar tail, split in GRAIN ranges. */
    public static void add(Parallel parallel, float[] a, float[] b, float[] out, int n) {
        parallel.forRange(n, GRAIN, (start, end) -> {
            int i = start;
            for (int bound = start + SPECIES.loopBound(end - start); i < bound; i += SPECIES.length()) {
                FloatVector.fromArray(SPECIES, a, i).add(FloatVector.fromArray(SPECIES, b, i)).intoArray(out, i);
            }
            for (; i < end; i++) {
                out[i] = a[i] + b[i];
            }
        });
    }

    /** {@code out = a * b} element-wise; out may be a or b. Vector loop, scalar tail. */
    public static void multiply(Parallel parallel, float[] a, float[] b, float[] out, int n) {
        parallel.forRange(n, GRAIN, (start, end) -> {
            int i = start;
            for (int bound = start + SPECIES.loopBound(end - start); i < bound; i += SPECIES.length()) {
                FloatVector.fromArray(SPECIES, a, i).mul(FloatVector.fromArray(SPECIES, b, i)).intoArray(out, i);
            }
            for (; i < end; i++) {
                out[i] = a[i] * b[i];
            }
        });
    }

    /** {@code out = alpha * x}; out may be x. Vector loop, scalar tail. */
    public static void scale(Parallel parallel, float[] x, float alpha, float[] out, int n) {
        parallel.forRange(n, GRAIN, (start, end) -> {
            int i = start;
            for (int bound = start + SPECIES.loopBound(end - start); i < bound; i += SPECIES.length()) {
                FloatVector.fromArray(SPECIES, x, i).mul(alpha).intoArray(out, i);
            }
            for (; i < end; i++) {
                out[i] = alpha * x[i];
            }
        });
    }

    /**
     * {@code y = fma(alpha, x, y)}: y + alpha * x with one rounding (closer to the exact value than
     * a multiply then an add). Vector loop, Math.fma tail.
     */
    public static void axpy(Parallel parallel, float alpha, float[] x, float[] y, int n) {
        parallel.forRange(n, GRAIN, (start, end) -> {
            FloatVector alphas = FloatVector.broadcast(SPECIES, alpha);
            int i = start;
            for (int bound = start + SPECIES.loopBound(end - start); i < bound; i += SPECIES.length()) {
                FloatVector.fromArray(SPECIES, x, i).fma(alphas, FloatVector.fromArray(SPECIES, y, i)).intoArray(y, i);
            }
            for (; i < end; i++) {
                y[i] = Math.fma(x[i], alpha, y[i]);
            }
        });
    }

    // ---------------------------------------------------------------- bias

    /**
     * {@code out[n][c][i] = x[n][c][i] + bias[c]} for x (batch, channels, inner); out may be x.
     *
     * <p>Two loop orders, chosen by shape. A dense layer's (N, C) activations (inner == 1): per row,
     * a vector add of the bias row, split over rows. A convolution's (N, C, H*W): per (n, c) plane,
     * one broadcast of bias[c] added along the plane, split over planes. Either way every access is
     * contiguous.
     */
    public static void biasAdd(Parallel parallel, float[] x, float[] bias, float[] out, int batch, int channels,
                               int inner) {
        if (inner == 1) {
            parallel.forRange(batch, Math.max(1, GRAIN / channels), (start, end) -> {
                for (int row = start; row < end; row++) {
                    addBiasRow(x, bias, out, row * channels, channels);
                }
            });
        } else {
            parallel.forRange(batch * channels, Math.max(1, GRAIN / inner), (start, end) -> {
                for (int plane = start; plane < end; plane++) {
                    addToPlane(x, bias[plane % channels], out, plane * inner, inner);
                }
            });
        }
    }

    private static void addBiasRow(float[] x, float[] bias, float[] out, int offset, int channels) {
        int c = 0;
        for (int bound = SPECIES.loopBound(channels); c < bound; c += SPECIES.length()) {
            FloatVector.fromArray(SPECIES, x, offset + c).add(FloatVector.fromArray(SPECIES, bias, c))
                    .intoArray(out, offset + c);
        }
        for (; c < channels; c++) {
            out[offset + c] = x[offset + c] + bias[c];
        }
    }

    private static void addToPlane(float[] x, float b, float[] out, int offset, int inner) {
        int i = 0;
        for (int bound = SPECIES.loopBound(inner); i < bound; i += SPECIES.length()) {
            FloatVector.fromArray(SPECIES, x, offset + i).add(b).intoArray(out, offset + i);
        }
        for (; i < inner; i++) {
            out[offset + i] = x[offset + i] + b;
        }
    }

    // ---------------------------------------------------------------- reductions

    /**
     * {@code out[f] = sum over b of x[b][f]} for x (batch, features): a dense layer's bias gradient.
     *
     * <p>Deterministic: every out[f] is the float sum {@code ((0 + x[0][f]) + x[1][f]) + ...} in batch
     * order, whether a vector lane or the scalar tail computes it and however the feature range is
     * split (threads split features, never the batch), so results do not depend on the thread count.
     * Loop order: feature blocks of four vectors outermost, batch inside: each batch row contributes
     * four contiguous vector loads, and four independent accumulators hide the add latency.
     */
    public static void sumOverBatch(Parallel parallel, float[] x, float[] out, int batch, int features) {
        parallel.forRange(features, Math.max(1, GRAIN / batch),
                (start, end) -> sumOverBatchRange(x, out, batch, features, start, end));
    }

    private static void sumOverBatchRange(float[] x, float[] out, int batch, int features, int start, int end) {
        int lanes = SPECIES.length();
        int f = start;
        for (; f + 4 * lanes <= end; f += 4 * lanes) {
            FloatVector s0 = FloatVector.zero(SPECIES), s1 = s0, s2 = s0, s3 = s0;
            for (int b = 0, row = f; b < batch; b++, row += features) {
                s0 = s0.add(FloatVector.fromArray(SPECIES, x, row));
                s1 = s1.add(FloatVector.fromArray(SPECIES, x, row + lanes));
                s2 = s2.add(FloatVector.fromArray(SPECIES, x, row + 2 * lanes));
                s3 = s3.add(FloatVector.fromArray(SPECIES, x, row + 3 * lanes));
            }
            s0.intoArray(out, f);
            s1.intoArray(out, f + lanes);
            s2.intoArray(out, f + 2 * lanes);
            s3.intoArray(out, f + 3 * lanes);
        }
        for (; f + lanes <= end; f += lanes) {
            FloatVector s = FloatVector.zero(SPECIES);
            for (int b = 0, row = f; b < batch; b++, row += features) {
                s = s.add(FloatVector.fromArray(SPECIES, x, row));
            }
            s.intoArray(out, f);
        }
        for (; f < end; f++) {
            float s = 0f;
            for (int b = 0, i = f; b < batch; b++, i += features) {
                s += x[i];
            }
            out[f] = s;
        }
    }

    /**
     * {@code indices[r] = the first j with x[r][j] maximal}, where a NaN counts as larger than any
     * number (the first NaN wins), the same rule max pooling uses, so a NaN is never hidden.
     *
     * <p>Scalar scan per row, rows split over threads: the rows here are class scores (10 wide in
     * the reference models), shorter than one vector.
     */
    public static void argmax(Parallel parallel, float[] x, int[] indices, int rows, int cols) {
        parallel.forRange(rows, Math.max(1, GRAIN / cols), (start, end) -> {
            for (int r = start; r < end; r++) {
                indices[r] = argmaxOfRow(x, r * cols, cols);
            }
        });
    }

    /** Index within the row of its first maximum (NaN wins); the row holds at least one element. */
    static int argmaxOfRow(float[] x, int offset, int cols) {
        int best = 0;
        float bestValue = x[offset];
        for (int j = 1; j < cols; j++) {
            float v = x[offset + j];
            if (beats(v, bestValue)) {
                best = j;
                bestValue = v;
            }
        }
        return best;
    }

    /** Whether candidate {@code v} replaces the current maximum: strictly larger, or the first NaN. */
    static boolean beats(float v, float best) {
        return v > best || (v != v && best == best);
    }

    /**
     * Rows whose argmax (as {@link #argmax}) equals the label. Every label is checked first, in row
     * order, so a bad one is reported at its row before any counting. Rows are split over threads;
     * the per-range counts are integers, so their sum does not depend on the split.
     */
    public static long countCorrect(Parallel parallel, float[] x, int[] labels, int rows, int cols) {
        for (int r = 0; r < rows; r++) {
            if (labels[r] < 0 || labels[r] >= cols) {
                throw KernelChecks.labelOutOfRange("countCorrect", r, labels[r], cols);
            }
        }
        AtomicLong correct = new AtomicLong();
        parallel.forRange(rows, Math.max(1, GRAIN / cols), (start, end) -> {
            long count = 0;
            for (int r = start; r < end; r++) {
                if (argmaxOfRow(x, r * cols, cols) == labels[r]) {
                    count++;
                }
            }
            correct.addAndGet(count);
        });
        return correct.get();
    }
}
