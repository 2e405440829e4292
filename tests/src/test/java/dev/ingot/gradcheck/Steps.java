package dev.ingot.gradcheck;

/**
 * The perturbation and tolerance of each kind of kernel: the testkit's
 * {@link dev.ingot.testkit.FiniteDifferences.Steps}, under the name the gradient checks use.
 */
record Steps(double h, double tol, String why) {

    static final Steps LINEAR = of(dev.ingot.testkit.FiniteDifferences.Steps.LINEAR);

    static final Steps SMOOTH = of(dev.ingot.testkit.FiniteDifferences.Steps.SMOOTH);

    static Steps piecewiseLinear(double h) {
        return of(dev.ingot.testkit.FiniteDifferences.Steps.piecewiseLinear(h));
    }

    private static Steps of(dev.ingot.testkit.FiniteDifferences.Steps s) {
        return new Steps(s.h(), s.tol(), s.why());
    }
}
