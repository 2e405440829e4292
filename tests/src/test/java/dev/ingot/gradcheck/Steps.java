package dev.ingot.gradcheck;

/**
 * The perturbation and tolerance of each kind of kernel, with the reasoning (see
 * {@link FiniteDifferences} for the error budget).
 *
 * @param h   perturbation of one input element
 * @param tol relative tolerance of the gradient
 * @param why the reasoning, printed on failure
 */
record Steps(double h, double tol, String why) {

    /**
     * Linear in the perturbed input (convolution, gemm, pooling averages, bias, sums, dropout): the
     * difference quotient is exact for any h, so a large h = 1 shrinks the float rounding noise of the
     * forward pass (about 8*sqrt(n)*u*sum|terms| per output, 1e-6 relative) to ~1e-6 of the gradient;
     * 1e-3 leaves a margin of 100 and still fails on any wrong term.
     */
    static final Steps LINEAR = new Steps(1.0, 1e-3,
            "linear kernel: exact difference quotient, only float32 rounding noise of the forward pass (~1e-6)");

    /**
     * Piecewise linear (ReLU, max-pool) with inputs kept farther than h from every kink (zero for
     * ReLU; a tie for max-pool): locally linear, so exact as above, with a small h so no kink is crossed.
     */
    static Steps piecewiseLinear(double h) {
        return new Steps(h, 1e-3, "piecewise linear, no kink within h = " + h
                + ": exact difference quotient up to float32 rounding noise / h (~1e-5)");
    }

    /**
     * Smooth (softmax, log-softmax, cross-entropy): h = 1e-2 on inputs of size ~1 gives a
     * truncation error of order h^2 = 1e-4 relative, and float32 noise of u*|L| / 2h, about 1e-5
     * relative; a tolerance of 1e-2 is 100 times both, and a wrong formula (a missing term, a wrong
     * sign, a missing 1/N) is off by far more.
     */
    static final Steps SMOOTH = new Steps(1e-2, 1e-2,
            "smooth kernel, h = 1e-2: truncation ~h^2 = 1e-4, float32 noise ~1e-5 relative");
}
