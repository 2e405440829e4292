package dev.ingot.cpu.kernels;

import dev.ingot.cpu.parallel.Parallel;
import org.junit.jupiter.api.Test;

import static dev.ingot.cpu.kernels.OpsAssert.LENGTHS;
import static dev.ingot.cpu.kernels.OpsAssert.ONE_THREAD;
import static dev.ingot.cpu.kernels.OpsAssert.TWO_THREADS;
import static dev.ingot.cpu.kernels.OpsAssert.assertBitsEqual;
import static dev.ingot.cpu.kernels.OpsAssert.uniform;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** ReLU is exact (a select), so results must equal the plain loop bit for bit. */
class ActivationKernelsTest {

    @Test
    void reluForwardMatchesPlainLoopAtEveryLength() {
        for (Parallel parallel : new Parallel[] {ONE_THREAD, TWO_THREADS}) {
            for (int n : LENGTHS) {
                float[] x = uniform(n, n);
                float[] want = new float[n];
                for (int i = 0; i < n; i++) {
                    want[i] = x[i] > 0 ? x[i] : 0f;
                }
                float[] y = new float[n];
                ActivationKernels.reluForward(parallel, x, y, n);
                assertBitsEqual("relu n=" + n + ", " + parallel.threads() + " threads", y, want);
                ActivationKernels.reluForward(parallel, x, x, n);
                assertBitsEqual("relu in place n=" + n, x, want);
            }
        }
    }

    @Test
    void reluBackwardPassesGradientWhereOutputIsPositive() {
        for (Parallel parallel : new Parallel[] {ONE_THREAD, TWO_THREADS}) {
            for (int n : LENGTHS) {
                float[] y = uniform(n, n);
                for (int i = 0; i < n; i += 3) {
                    y[i] = 0f;
                }
                float[] dy = uniform(n + 1, n);
                float[] want = new float[n];
                for (int i = 0; i < n; i++) {
                    want[i] = y[i] > 0 ? dy[i] : 0f;
                }
                float[] dx = new float[n];
                ActivationKernels.reluBackward(parallel, y, dy, dx, n);
                assertBitsEqual("relu backward n=" + n + ", " + parallel.threads() + " threads", dx, want);
                ActivationKernels.reluBackward(parallel, y, dy, dy, n);
                assertBitsEqual("relu backward in place n=" + n, dy, want);
            }
        }
    }

    /** A NaN activation stays NaN in lanes and tail alike; -0 becomes +0. */
    @Test
    void reluPropagatesNaN() {
        int n = 33;
        float[] x = new float[n];
        x[3] = Float.NaN;
        x[32] = Float.NaN;
        x[5] = -0f;
        float[] y = new float[n];
        ActivationKernels.reluForward(ONE_THREAD, x, y, n);
        assertTrue(Float.isNaN(y[3]) && Float.isNaN(y[32]), "NaN in a lane and in the tail");
        assertEquals(0, Float.floatToRawIntBits(y[5]), "relu(-0) is +0");
    }
}
