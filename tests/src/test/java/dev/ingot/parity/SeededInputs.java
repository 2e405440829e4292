package dev.ingot.parity;

import java.util.SplittableRandom;

/**
 * The suites' inputs: seeded, so every run and every backend sees the same numbers, and derived from
 * the case's name, so adding a case does not change the inputs of the others.
 */
public final class SeededInputs {
    private SeededInputs() {
    }

    /** A generator seeded from the case's {@code toString()} (String.hashCode is specified, so stable). */
    public static SplittableRandom random(Object testCase) {
        return new SplittableRandom(0x1A90_7E57L ^ ((long) String.valueOf(testCase).hashCode() << 17));
    }

    /** {@code n} values uniform in [lo, hi). */
    public static float[] uniform(SplittableRandom rnd, int n, double lo, double hi) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) rnd.nextDouble(lo, hi);
        }
        return v;
    }

    /**
     * {@code n} distinct values spread evenly over [lo, hi) in a random order: for kernels where a tie
     * would make the answer depend on a rule rather than on the math (max-pooling, argmax). The
     * spacing is {@code (hi - lo) / n}, which stays above a float ulp for the sizes the suites use.
     */
    public static float[] distinct(SplittableRandom rnd, int n, double lo, double hi) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (lo + (hi - lo) * (i + 0.5) / n);
        }
        for (int i = n - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            float t = v[i];
            v[i] = v[j];
            v[j] = t;
        }
        return v;
    }

    /** {@code n} class labels uniform in [0, classes). */
    public static int[] labels(SplittableRandom rnd, int n, int classes) {
        int[] v = new int[n];
        for (int i = 0; i < n; i++) {
            v[i] = rnd.nextInt(classes);
        }
        return v;
    }

    /** Element-wise absolute values (the inputs of a magnitude run, see {@link Tolerances}). */
    public static float[] abs(float[] v) {
        float[] a = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            a[i] = Math.abs(v[i]);
        }
        return a;
    }
}
