package dev.ingot.cpu.kernels;

import org.junit.jupiter.api.Test;

import static dev.ingot.cpu.kernels.OpsAssert.ONE_THREAD;
import static dev.ingot.cpu.kernels.OpsAssert.TWO_THREADS;
import static dev.ingot.cpu.kernels.OpsAssert.assertBitsEqual;
import static dev.ingot.cpu.kernels.OpsAssert.uniform;

/** ConcatKernels against the index formula in plain loops, forward and backward, with and without a skipped gradient. */
class ConcatKernelsTest {

    @Test
    void forwardAndBackwardMatchTheIndexFormula() {
        int[][] channelSets = {{1}, {3, 5}, {2, 1, 4}, {16, 16}};
        for (int[] channels : channelSets) {
            for (int batch : new int[] {1, 3, 200}) {
                for (int inner : new int[] {1, 7, 64}) {
                    int total = 0;
                    for (int c : channels) {
                        total += c;
                    }
                    float[][] inputs = new float[channels.length][];
                    for (int i = 0; i < inputs.length; i++) {
                        inputs[i] = uniform(i * 31L + batch + inner, batch * channels[i] * inner);
                    }
                    float[] want = new float[batch * total * inner];
                    int offset = 0;
                    for (int i = 0; i < inputs.length; i++) {
                        for (int n = 0; n < batch; n++) {
                            for (int c = 0; c < channels[i]; c++) {
                                for (int e = 0; e < inner; e++) {
                                    want[(n * total + offset + c) * inner + e] = inputs[i][(n * channels[i] + c) * inner + e];
                                }
                            }
                        }
                        offset += channels[i];
                    }
                    String what = java.util.Arrays.toString(channels) + " batch " + batch + " inner " + inner;
                    for (var p : new dev.ingot.cpu.parallel.Parallel[] {ONE_THREAD, TWO_THREADS}) {
                        float[] y = new float[want.length];
                        ConcatKernels.forward(p, inputs, channels, y, batch, inner);
                        assertBitsEqual("concat " + what, y, want);
                        float[][] back = new float[channels.length][];
                        for (int i = 0; i < back.length; i++) {
                            back[i] = i == 0 && back.length > 1 ? null : new float[inputs[i].length];
                        }
                        ConcatKernels.backward(p, y, back, channels, batch, inner);
                        for (int i = 0; i < back.length; i++) {
                            if (back[i] != null) {
                                assertBitsEqual("split " + what + " input " + i, back[i], inputs[i]);
                            }
                        }
                    }
                }
            }
        }
    }
}
