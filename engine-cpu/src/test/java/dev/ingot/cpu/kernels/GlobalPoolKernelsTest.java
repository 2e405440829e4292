package dev.ingot.cpu.kernels;

import org.junit.jupiter.api.Test;

import static dev.ingot.cpu.kernels.OpsAssert.ONE_THREAD;
import static dev.ingot.cpu.kernels.OpsAssert.TWO_THREADS;
import static dev.ingot.cpu.kernels.OpsAssert.assertBitsEqual;
import static dev.ingot.cpu.kernels.OpsAssert.assertClose;
import static dev.ingot.cpu.kernels.OpsAssert.uniform;

/** GlobalPoolKernels against plain loops in double, on plane sizes around the vector width, one and two threads. */
class GlobalPoolKernelsTest {
    private static final int[] PLANES = {1, 15, 16, 17, 64, 1024, 49};

    @Test
    void forwardAndBackwardMatchPlainLoops() {
        for (int hw : PLANES) {
            for (int planes : new int[] {1, 3, 300}) {
                float[] x = uniform(hw * 3L + planes, planes * hw);
                double[] want = new double[planes];
                for (int p = 0; p < planes; p++) {
                    double s = 0;
                    for (int e = 0; e < hw; e++) {
                        s += x[p * hw + e];
                    }
                    want[p] = s / hw;
                }
                float[] y1 = new float[planes], y2 = new float[planes];
                GlobalPoolKernels.forward(ONE_THREAD, x, y1, planes, hw);
                GlobalPoolKernels.forward(TWO_THREADS, x, y2, planes, hw);
                // a float sum of hw terms of size <= 2, divided by hw
                assertClose("forward hw=" + hw + " planes=" + planes, y1, want, 8 * Math.sqrt(hw) * 0x1p-24 * 2, 2 * 0x1p-24);
                assertBitsEqual("forward two threads hw=" + hw, y2, y1);

                float[] dy = uniform(hw + 5L, planes);
                double[] wantDx = new double[planes * hw];
                for (int i = 0; i < wantDx.length; i++) {
                    wantDx[i] = (double) dy[i / hw] / hw;
                }
                float[] dx = new float[planes * hw];
                GlobalPoolKernels.backward(TWO_THREADS, dy, dx, planes, hw);
                assertClose("backward hw=" + hw + " planes=" + planes, dx, wantDx, 0, 0x1p-24);
            }
        }
    }
}
