package dev.ingot.cpu.kernels;

import dev.ingot.core.spec.DropoutSpec;
import dev.ingot.cpu.parallel.Parallel;
import org.junit.jupiter.api.Test;

import static dev.ingot.cpu.kernels.OpsAssert.LENGTHS;
import static dev.ingot.cpu.kernels.OpsAssert.ONE_THREAD;
import static dev.ingot.cpu.kernels.OpsAssert.TWO_THREADS;
import static dev.ingot.cpu.kernels.OpsAssert.assertBitsEqual;
import static dev.ingot.cpu.kernels.OpsAssert.uniform;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The mask is integer hashing plus one exact multiply: everything is compared bit for bit. */
class DropoutKernelsTest {

    @Test
    void maskIsExactlyTheSpecsOnOneAndTwoThreads() {
        DropoutSpec[] specs = {new DropoutSpec(0.2f, 42), new DropoutSpec(0.5f, -7), new DropoutSpec(0f, 1),
                new DropoutSpec(0.999f, 123456789012345L), new DropoutSpec(0.1f, Long.MIN_VALUE)};
        for (DropoutSpec spec : specs) {
            for (int n : LENGTHS) {
                float[] x = uniform(n, n);
                float[] wantMask = new float[n], wantY = new float[n];
                for (int i = 0; i < n; i++) {
                    wantMask[i] = spec.keep(i) ? spec.scale() : 0f;
                    wantY[i] = x[i] * wantMask[i];
                }
                for (Parallel parallel : new Parallel[] {ONE_THREAD, TWO_THREADS}) {
                    String where = spec + " n=" + n + ", " + parallel.threads() + " threads";
                    float[] y = new float[n], mask = new float[n];
                    DropoutKernels.forward(parallel, x, y, mask, n, spec);
                    assertBitsEqual("mask " + where, mask, wantMask);
                    assertBitsEqual("y " + where, y, wantY);
                    float[] inPlace = x.clone();
                    DropoutKernels.forward(parallel, inPlace, inPlace, mask, n, spec);
                    assertBitsEqual("y in place " + where, inPlace, wantY);
                }
            }
        }
    }

    /**
     * The keep test at its boundary: with the rate set to exactly element i's uniform number, i is
     * kept (u >= rate); one step (2^-24) higher, it is dropped. Random inputs almost never land on
     * the boundary, so it is tested on purpose, in vector lanes and in the scalar tail.
     */
    @Test
    void rateEqualToTheUniformNumberKeeps() {
        int n = 37;
        long seed = 99;
        for (int i = 0; i < n; i++) {
            float u = DropoutSpec.uniform(seed, i);
            if (u + 0x1p-24f >= 1f) {
                continue;
            }
            for (float rate : new float[] {u, u + 0x1p-24f}) {
                DropoutSpec spec = new DropoutSpec(rate, seed);
                float[] y = new float[n], mask = new float[n];
                DropoutKernels.forward(ONE_THREAD, new float[n], y, mask, n, spec);
                float want = rate == u ? spec.scale() : 0f;
                assertTrue(mask[i] == want, "element " + i + " with u = " + u + ", rate " + rate + ": mask " + mask[i]
                        + ", expected " + want);
            }
        }
    }

    /** Sanity of the statistics: about 1 - rate of a large tensor is kept (5 standard deviations). */
    @Test
    void keepsAboutOneMinusRate() {
        int n = 100003;
        float rate = 0.2f;
        float[] y = new float[n], mask = new float[n];
        DropoutKernels.forward(TWO_THREADS, new float[n], y, mask, n, new DropoutSpec(rate, 2024));
        int kept = 0;
        for (float m : mask) {
            kept += m != 0 ? 1 : 0;
        }
        double expected = n * (1 - rate), sd = Math.sqrt(n * rate * (1 - rate));
        assertTrue(Math.abs(kept - expected) < 5 * sd, "kept " + kept + " of " + n + ", expected about " + expected);
    }
}
