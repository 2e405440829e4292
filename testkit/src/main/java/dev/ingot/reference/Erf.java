package dev.ingot.reference;

/**
 * The error function and its complement in double precision, for the reference GELU (the JDK has
 * neither). Two textbook expansions, each used where it converges and has no cancellation:
 * <ul>
 *   <li>{@code |z| < 1/2}: Abramowitz and Stegun 7.1.6,
 *       {@code erf(z) = 2/sqrt(pi) * exp(-z^2) * sum_{n>=0} 2^n z^(2n+1) / (1*3*...*(2n+1))}. Every term
 *       is positive (for z > 0), so the sum has no cancellation; it stops when a term no longer
 *       changes it. Here {@code erfc = 1 - erf} loses nothing (erf < 0.53).</li>
 *   <li>{@code |z| >= 1/2}: A&S 7.1.14, Laplace's continued fraction
 *       {@code erfc(z) = exp(-z^2)/sqrt(pi) * 1/(z + (1/2)/(z + 1/(z + (3/2)/(z + 2/(z + ...)))))},
 *       evaluated bottom-up from {@code max(100, 600/z^2)} levels (it converges more slowly for small
 *       z; this depth leaves it within an ulp of libm's from z = 1/2 up, checked in Python), and
 *       {@code exp(-z^2)} as {@code exp(-hi) * exp(-lo)} with {@code z^2 = hi + lo} split exactly by an
 *       fma, so the rounding of z^2 (z^2 ulp at z = 25) does not become a relative error of erfc.</li>
 * </ul>
 * So {@code erfc(z)} keeps its relative accuracy in the far tail (GELU of a negative input needs
 * it). {@code ErfTest} holds both to C libm's values within a few ulp.
 */
public final class Erf {
    private Erf() {
    }

    private static final double TWO_OVER_SQRT_PI = 1.1283791670955126;
    private static final double ONE_OVER_SQRT_PI = 0.5641895835477563;
    private static final double SERIES_LIMIT = 0.5;

    /** erf(z); odd, NaN for NaN, +-1 at +-infinity. */
    public static double erf(double z) {
        if (Double.isNaN(z)) {
            return z;
        }
        double a = Math.abs(z);
        double r = a < SERIES_LIMIT ? series(a) : 1 - continuedFraction(a);
        return Math.copySign(r, z);
    }

    /** erfc(z) = 1 - erf(z), accurate relative to itself for large positive z. */
    public static double erfc(double z) {
        if (Double.isNaN(z)) {
            return z;
        }
        if (z >= SERIES_LIMIT) {
            return continuedFraction(z);
        }
        if (z <= -SERIES_LIMIT) {
            return 2 - continuedFraction(-z);
        }
        return 1 - (z < 0 ? -series(-z) : series(z));
    }

    /** A&S 7.1.6 for 0 <= a < 1/2. */
    private static double series(double a) {
        double a2 = a * a;
        double term = a;      // 2^n a^(2n+1) / (2n+1)!!
        double sum = a;
        for (int n = 1; n < 200; n++) {
            term *= 2 * a2 / (2 * n + 1);
            double next = sum + term;
            if (next == sum) {
                break;
            }
            sum = next;
        }
        return TWO_OVER_SQRT_PI * Math.exp(-a2) * sum;
    }

    /** A&S 7.1.14 for a >= 1/2 (+infinity gives 0). */
    private static double continuedFraction(double a) {
        if (a == Double.POSITIVE_INFINITY) {
            return 0;
        }
        int depth = (int) Math.max(100, Math.ceil(600 / (a * a)));
        double tail = 0;
        for (int k = depth; k >= 1; k--) {
            tail = (k / 2.0) / (a + tail);
        }
        double hi = a * a;
        double lo = Math.fma(a, a, -hi);
        return ONE_OVER_SQRT_PI * Math.exp(-hi) * Math.exp(-lo) / (a + tail);
    }
}
