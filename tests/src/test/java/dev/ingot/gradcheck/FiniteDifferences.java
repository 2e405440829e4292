package dev.ingot.gradcheck;

import dev.ingot.core.Shape;
import dev.ingot.parity.ParityLedger;

import java.util.SplittableRandom;

/**
 * The gradient checks' entry to the one checker, {@link dev.ingot.testkit.FiniteDifferences} (see
 * there for the rule and the error budget), recording in the {@link ParityLedger} how close each
 * passing check came to its tolerance.
 */
public final class FiniteDifferences {
    /** Elements perturbed per check. */
    static final int SAMPLES = dev.ingot.testkit.FiniteDifferences.SAMPLES;

    /** A scalar objective of the input: runs the forward kernel on the backend, returns {@code sum(r * y)} in double. */
    @FunctionalInterface
    public interface Objective extends dev.ingot.testkit.FiniteDifferences.Objective {
    }

    private FiniteDifferences() {
    }

    /** Up to {@link #SAMPLES} distinct indices in [0, n), in increasing order. */
    static int[] sample(SplittableRandom rnd, int n) {
        return dev.ingot.testkit.FiniteDifferences.sample(rnd, n);
    }

    /** Asserts that {@code analytic} is the gradient of {@code objective} at {@code x} (h and tol as {@link Steps} gives them). */
    public static void assertGradient(String what, Shape shape, float[] x, float[] analytic, Objective objective, double h,
                                      double tol, String why, SplittableRandom rnd) {
        ParityLedger.observe(dev.ingot.testkit.FiniteDifferences.assertGradient(what, shape, x, analytic, objective,
                new dev.ingot.testkit.FiniteDifferences.Steps(h, tol, why), rnd));
    }

    /** {@code sum_i r[i] * y[i]} in double. */
    public static double dot(float[] r, float[] y) {
        return dev.ingot.testkit.FiniteDifferences.dot(r, y);
    }
}
