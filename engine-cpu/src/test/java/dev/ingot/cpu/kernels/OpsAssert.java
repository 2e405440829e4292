package dev.ingot.cpu.kernels;

import dev.ingot.cpu.parallel.Parallel;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.fail;

/** Thread pools, seeded inputs and a closeness check shared by the non-GEMM kernel tests. */
final class OpsAssert {
    private OpsAssert() {
    }

    /** Every kernel runs on both: one thread (never splits) and two (splits above the grain). */
    static final Parallel ONE_THREAD = Parallel.withThreads(1);
    static final Parallel TWO_THREADS = Parallel.withThreads(2);

    /** Around every tail case: empty vector loop, one lane short, one vector, one over, many, threaded. */
    static final int[] LENGTHS = {1, 15, 16, 17, 1000, 100003};

    /** Uniform in [-2, 2), seeded. */
    static float[] uniform(long seed, int n) {
        return uniform(seed, n, -2, 2);
    }

    static float[] uniform(long seed, int n, double low, double high) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (low + (high - low) * random.nextDouble());
        }
        return a;
    }

    /**
     * Fails, naming the worst element, unless {@code |got[i] - want[i]| <= atol + rtol * |want[i]|}
     * everywhere; NaN must match NaN and infinities must match exactly.
     */
    static void assertClose(String what, float[] got, double[] want, double atol, double rtol) {
        if (got.length != want.length) {
            fail(what + ": length " + got.length + ", expected " + want.length);
        }
        int worst = -1;
        double worstExcess = 0;
        int failures = 0;
        for (int i = 0; i < got.length; i++) {
            double g = got[i], w = want[i];
            if (Double.isNaN(w) || Double.isInfinite(w)) {
                if (Double.compare(g, w) != 0) {
                    fail(what + ": element " + i + " is " + g + ", expected " + w);
                }
                continue;
            }
            double excess = Math.abs(g - w) - (atol + rtol * Math.abs(w));
            if (!(excess <= 0)) {
                failures++;
                if (worst < 0 || !(excess <= worstExcess)) {
                    worst = i;
                    worstExcess = excess;
                }
            }
        }
        if (worst >= 0) {
            fail(what + ": " + failures + " of " + got.length + " elements out of tolerance (atol " + atol + ", rtol "
                    + rtol + "); worst at " + worst + ": got " + got[worst] + ", expected " + want[worst]
                    + " (abs error " + Math.abs(got[worst] - want[worst]) + ")");
        }
    }

    static void assertBitsEqual(String what, float[] got, float[] want) {
        for (int i = 0; i < want.length; i++) {
            if (Float.floatToRawIntBits(got[i]) != Float.floatToRawIntBits(want[i])) {
                fail(what + ": element " + i + " is " + got[i] + ", expected exactly " + want[i]);
            }
        }
    }

    static double[] toDouble(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = a[i];
        }
        return d;
    }
}
