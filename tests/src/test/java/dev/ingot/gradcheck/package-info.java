/**
 * The gradient checks' entry points kept for test classes written against them:
 * {@link dev.ingot.gradcheck.FiniteDifferences} and {@code Steps} delegate to the one checker,
 * {@link dev.ingot.testkit.FiniteDifferences}, and record each check's margin in the parity ledger.
 * The checks themselves are the gradient relations of the op table's records
 * ({@code dev.ingot.parity.OpGradientCheckTest}).
 *
 * <p>Rules: the objective is {@code L = sum(r * y)} with fixed random {@code r} (so {@code dL/dy = r}
 * is what the backward kernel receives); a sample of input elements is perturbed by {@code +-h};
 * the step actually taken in float is used as the divisor. Linear kernels use a large step (their
 * difference quotient is exact up to rounding); piecewise-linear ones keep inputs farther than the
 * step from their kinks; smooth ones use {@code h = 1e-2}.
 */
package dev.ingot.gradcheck;
