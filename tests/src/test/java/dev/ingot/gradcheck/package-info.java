/**
 * Finite-difference gradient checks: every backward kernel against central differences of its
 * forward kernel, on the reference backend and on every available backend.
 *
 * <p>Rules: the objective is {@code L = sum(r * y)} with fixed random {@code r} (so {@code dL/dy = r}
 * is what the backward kernel receives); a sample of input elements is perturbed by {@code +-h};
 * the step actually taken in float is used as the divisor. Linear kernels use a large step (their
 * difference quotient is exact up to rounding); piecewise-linear ones keep inputs farther than the
 * step from their kinks; smooth ones use {@code h = 1e-2}. Each check states its step and tolerance
 * and why (see {@link dev.ingot.gradcheck.FiniteDifferences}).
 */
package dev.ingot.gradcheck;
