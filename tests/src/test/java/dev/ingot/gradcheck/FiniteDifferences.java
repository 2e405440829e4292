package dev.ingot.gradcheck;

import dev.ingot.core.Shape;
import dev.ingot.parity.ParityAssertions;
import dev.ingot.parity.ParityLedger;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Central differences against an analytic gradient.
 *
 * <p>For a sample of input elements j, the numeric derivative is
 * {@code (L(x + h e_j) - L(x - h e_j)) / (x_j^+ - x_j^-)}, where {@code x_j^+-} are the floats
 * actually stored (so the rounding of {@code x_j +- h} to float does not count as error), and it
 * must match the analytic {@code dL/dx_j} within
 * {@code tol * (|analytic_j| + mean_j |analytic_j|)}: relative to the element's own gradient, with
 * the mean magnitude as a floor so that elements whose gradient happens to be near zero are judged
 * on the scale of the whole gradient, not on their own.
 *
 * <p>Error budget: the forward pass runs in float32, so {@code L} carries rounding noise of about
 * {@code u * sum_k |r_k| * |y_k|} over the outputs k that the element feeds (outputs it does not feed
 * are computed identically both times and cancel exactly); divided by {@code 2h} this is the
 * numeric derivative's noise. Smooth kernels add a truncation error of order {@code h^2 * |L'''|}.
 * The steps and tolerances of each check keep both at least ten times below the tolerance.
 */
final class FiniteDifferences {
    /** Elements perturbed per check. */
    static final int SAMPLES = 50;

    /** A scalar objective of the input: runs the forward kernel on the backend, returns {@code sum(r * y)} in double. */
    @FunctionalInterface
    interface Objective {
        double at(float[] x);
    }

    private FiniteDifferences() {
    }

    /** Up to {@link #SAMPLES} distinct indices in [0, n), in increasing order. */
    static int[] sample(SplittableRandom rnd, int n) {
        if (n <= SAMPLES) {
            int[] all = new int[n];
            for (int i = 0; i < n; i++) {
                all[i] = i;
            }
            return all;
        }
        return rnd.ints(0, n).distinct().limit(SAMPLES).sorted().toArray();
    }

    /**
     * Asserts that {@code analytic} is the gradient of {@code objective} at {@code x}.
     *
     * @param what     kernel, case and backend, for the message
     * @param shape    x's shape, for multi-dimensional indices
     * @param h        the perturbation
     * @param tol      relative tolerance (see the class comment)
     * @param why      why this h and this tol
     */
    static void assertGradient(String what, Shape shape, float[] x, float[] analytic, Objective objective, double h,
                               double tol, String why, SplittableRandom rnd) {
        int[] indices = sample(rnd, x.length);
        double meanAbs = 0;
        for (int j : indices) {
            meanAbs += Math.abs(analytic[j]);
        }
        meanAbs /= indices.length;
        List<String> offenders = new ArrayList<>();
        int bad = 0;
        double worst = 0;
        String worstAt = "";
        for (int j : indices) {
            float[] plus = x.clone();
            float[] minus = x.clone();
            plus[j] = (float) (x[j] + h);
            minus[j] = (float) (x[j] - h);
            double step = (double) plus[j] - minus[j];
            double numeric = (objective.at(plus) - objective.at(minus)) / step;
            double err = Math.abs(numeric - analytic[j]);
            double allowed = tol * (Math.abs(analytic[j]) + meanAbs);
            double ratio = allowed == 0 ? (err == 0 ? 0 : Double.POSITIVE_INFINITY) : err / allowed;
            String at = ParityAssertions.index(shape, j) + ": numeric " + numeric + ", analytic " + analytic[j];
            if (ratio > worst) {
                worst = ratio;
                worstAt = at;
            }
            if (!(err <= allowed)) {
                bad++;
                if (offenders.size() < 5) {
                    offenders.add(String.format("  at %s, |error| %.3g > allowed %.3g", at, err, allowed));
                }
            }
        }
        if (bad == 0) {
            ParityLedger.observe(worst);
        } else {
            throw new AssertionError(what + ": " + bad + " of " + indices.length
                    + " sampled gradient elements disagree with central differences (h " + h + ")\n"
                    + String.format("  worst error / allowed %.3g at %s%n", worst, worstAt)
                    + String.join("\n", offenders) + "\n  tolerance: " + tol
                    + " * (|analytic| + mean |analytic| " + String.format("%.3g", meanAbs) + ") (" + why + ")");
        }
    }

    /** {@code sum_i r[i] * y[i]} in double. */
    static double dot(float[] r, float[] y) {
        double sum = 0;
        for (int i = 0; i < r.length; i++) {
            sum += (double) r[i] * y[i];
        }
        return sum;
    }
}
