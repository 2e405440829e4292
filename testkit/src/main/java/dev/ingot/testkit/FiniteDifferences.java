package dev.ingot.testkit;

import dev.ingot.core.Shape;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The one finite-difference gradient checker of the project: central differences against an
 * analytic gradient, for kernels (the parity suite's gradient checks) and layers ({@code models}'
 * layer gradient tests) alike.
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
 * The {@link Steps} of each check keep both at least ten times below the tolerance.
 */
public final class FiniteDifferences {
    /** Elements perturbed per check. */
    public static final int SAMPLES = 50;

    /** A scalar objective of the perturbed values, e.g. {@code sum(r * forward(x))} in double. */
    @FunctionalInterface
    public interface Objective {
        double at(float[] x);
    }

    /**
     * The perturbation and tolerance of a check, with the reasoning, printed on failure.
     *
     * @param h   perturbation of one element
     * @param tol relative tolerance of the gradient
     * @param why the reasoning
     */
    public record Steps(double h, double tol, String why) {

        /**
         * Linear in the perturbed input (convolution, gemm, pooling averages, bias, sums, dropout): the
         * difference quotient is exact for any h, so a large h = 1 shrinks the float rounding noise of the
         * forward pass (about 8*sqrt(n)*u*sum|terms| per output, 1e-6 relative) to ~1e-6 of the gradient;
         * 1e-3 leaves a margin of 100 and still fails on any wrong term.
         */
        public static final Steps LINEAR = new Steps(1.0, 1e-3,
                "linear kernel: exact difference quotient, only float32 rounding noise of the forward pass (~1e-6)");

        /**
         * Smooth (softmax, log-softmax, cross-entropy): h = 1e-2 on inputs of size ~1 gives a
         * truncation error of order h^2 = 1e-4 relative, and float32 noise of u*|L| / 2h, about 1e-5
         * relative; a tolerance of 1e-2 is 100 times both, and a wrong formula (a missing term, a wrong
         * sign, a missing 1/N) is off by far more.
         */
        public static final Steps SMOOTH = new Steps(1e-2, 1e-2,
                "smooth kernel, h = 1e-2: truncation ~h^2 = 1e-4, float32 noise ~1e-5 relative");

        /**
         * Piecewise linear (ReLU, max-pool) with inputs kept farther than h from every kink (zero for
         * ReLU; a tie for max-pool): locally linear, so exact as above, with a small h so no kink is crossed.
         */
        public static Steps piecewiseLinear(double h) {
            return new Steps(h, 1e-3, "piecewise linear, no kink within h = " + h
                    + ": exact difference quotient up to float32 rounding noise / h (~1e-5)");
        }
    }

    private FiniteDifferences() {
    }

    /** Up to {@link #SAMPLES} distinct indices in [0, n), in increasing order. */
    public static int[] sample(SplittableRandom rnd, int n) {
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
     * Asserts that {@code analytic} is the gradient of {@code objective} at {@code x}; returns the
     * largest {@code |error| / allowed} of the sampled elements (1 would fail), so a caller can
     * report how much room the tolerance left.
     *
     * @param what  kernel or layer, case and backend, for the message
     * @param shape x's shape, for multi-dimensional indices
     * @throws AssertionError naming the worst and first offending elements, the step and the tolerance
     */
    public static double assertGradient(String what, Shape shape, float[] x, float[] analytic, Objective objective,
                                        Steps steps, SplittableRandom rnd) {
        double h = steps.h(), tol = steps.tol();
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
            String at = index(shape, j) + ": numeric " + numeric + ", analytic " + analytic[j];
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
        if (bad > 0) {
            throw new AssertionError(what + ": " + bad + " of " + indices.length
                    + " sampled gradient elements disagree with central differences (h " + h + ")\n"
                    + String.format("  worst error / allowed %.3g at %s%n", worst, worstAt)
                    + String.join("\n", offenders) + "\n  tolerance: " + tol
                    + " * (|analytic| + mean |analytic| " + String.format("%.3g", meanAbs) + ") (" + steps.why() + ")");
        }
        return worst;
    }

    /** {@code sum_i r[i] * y[i]} in double. */
    public static double dot(float[] r, float[] y) {
        double sum = 0;
        for (int i = 0; i < r.length; i++) {
            sum += (double) r[i] * y[i];
        }
        return sum;
    }

    /** {@code 17 [0, 1, 2, 5]}: the flat index and the index per dimension. */
    public static String index(Shape shape, int flat) {
        if (flat < 0) {
            return "-";
        }
        int[] dims = shape.dims();
        int[] idx = new int[dims.length];
        long rest = flat;
        for (int d = dims.length - 1; d >= 0; d--) {
            idx[d] = (int) (rest % dims[d]);
            rest /= dims[d];
        }
        return flat + " " + Arrays.toString(idx);
    }
}
