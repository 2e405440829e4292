package dev.ingot.cpu.kernels;

import dev.ingot.cpu.parallel.Parallel;

/**
 * Channel concatenation of (N, C_i, ...) tensors into (N, sum C_i, ...) and its backward split.
 * Readable reference: {@code ReferenceBackend.concatChannels} (the index formula in four loops).
 *
 * <p>In row-major order, image n of input i is one contiguous block of {@code C_i * inner} floats,
 * and it lands in one contiguous block of y starting at {@code (n * sum C + o_i) * inner}
 * ({@code o_i = C_0 + ... + C_{i-1}}): so the whole op is N * inputs {@code System.arraycopy}s,
 * which the JIT turns into vectorised copies. Images are split over threads, in ranges of at least
 * {@link ElementwiseKernels#GRAIN} floats of y. Pure copies: the result is exact.
 */
public final class ConcatKernels {
    private ConcatKernels() {
    }

    static final int GRAIN = ElementwiseKernels.GRAIN;

    /**
     * {@code y[n, o_i + c, e] = inputs[i][n, c, e]}.
     *
     * @param inputs   each input's array
     * @param channels each input's C_i (their sum is y's dimension 1)
     * @param inner    product of the dimensions after the channels
     */
    public static void forward(Parallel parallel, float[][] inputs, int[] channels, float[] y, int batch, int inner) {
        int total = sum(channels);
        int imageSize = total * inner;
        parallel.forRange(batch, Math.max(1, GRAIN / imageSize), (n0, n1) -> {
            for (int n = n0; n < n1; n++) {
                int dst = n * imageSize;
                for (int i = 0; i < inputs.length; i++) {
                    int block = channels[i] * inner;
                    System.arraycopy(inputs[i], n * block, y, dst, block);
                    dst += block;
                }
            }
        });
    }

    /** {@code dInputs[i][n, c, e] = dy[n, o_i + c, e]}; null entries are skipped. */
    public static void backward(Parallel parallel, float[] dy, float[][] dInputs, int[] channels, int batch, int inner) {
        int total = sum(channels);
        int imageSize = total * inner;
        parallel.forRange(batch, Math.max(1, GRAIN / imageSize), (n0, n1) -> {
            for (int n = n0; n < n1; n++) {
                int src = n * imageSize;
                for (int i = 0; i < dInputs.length; i++) {
                    int block = channels[i] * inner;
                    if (dInputs[i] != null) {
                        System.arraycopy(dy, src, dInputs[i], n * block, block);
                    }
                    src += block;
                }
            }
        });
    }

    private static int sum(int[] values) {
        int s = 0;
        for (int v : values) {
            s += v;
        }
        return s;
    }
}
