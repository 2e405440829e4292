package dev.ingot.parity;

import dev.ingot.core.Shape;

import java.util.ArrayList;
import java.util.List;

/**
 * Compares a backend's output with the reference's, element by element, and fails with everything
 * needed to start debugging: what was checked (kernel, case, backend, output), how many elements are
 * outside the tolerance, the worst absolute and relative error with the index (flat and
 * multi-dimensional) and values where each occurred, the first few offenders, and the tolerance
 * with its reason.
 */
public final class ParityAssertions {
    private static final int SHOWN = 5;

    private ParityAssertions() {
    }

    /**
     * Asserts {@code |actual[i] - expected[i]| <= tol.allowed(scale[i])} for every i, where
     * {@code scale} is {@code |expected|} when null. NaN matches only NaN; infinities match only
     * themselves.
     *
     * @param what  e.g. {@code "gemm 'c' [case NT 7x17x33] on cpu"}
     * @param shape the output's shape, for multi-dimensional indices in the message
     */
    public static void assertClose(String what, Shape shape, float[] actual, float[] expected, float[] scale,
                                   Tolerance tol) {
        if (actual.length != expected.length) {
            throw new AssertionError(what + ": got " + actual.length + " values, expected " + expected.length);
        }
        int bad = 0;
        int worstAbsAt = -1, worstRelAt = -1, worstRatioAt = -1;
        double worstAbs = 0, worstRel = 0, worstRatio = 0;
        List<String> offenders = new ArrayList<>();
        for (int i = 0; i < actual.length; i++) {
            double a = actual[i], e = expected[i];
            double err;
            if (Double.isNaN(e) || Double.isInfinite(e) || Double.isNaN(a) || Double.isInfinite(a)) {
                err = (Double.compare(a, e) == 0) ? 0 : Double.POSITIVE_INFINITY;
            } else {
                err = Math.abs(a - e);
            }
            double s = scale == null ? Math.abs(e) : scale[i];
            double allowed = tol.allowed(s);
            double rel = err == 0 ? 0 : err / Math.abs(e);
            if (err > worstAbs || worstAbsAt < 0) {
                worstAbs = err;
                worstAbsAt = i;
            }
            if (rel > worstRel || worstRelAt < 0) {
                worstRel = rel;
                worstRelAt = i;
            }
            double ratio = err == 0 ? 0 : (allowed == 0 ? Double.POSITIVE_INFINITY : err / allowed);
            if (ratio > worstRatio || worstRatioAt < 0) {
                worstRatio = ratio;
                worstRatioAt = i;
            }
            if (!(err <= allowed)) {
                bad++;
                if (offenders.size() < SHOWN) {
                    offenders.add(String.format("  at %s: got %s, expected %s, |error| %.3g > allowed %.3g", index(shape, i),
                            actual[i], expected[i], err, allowed));
                }
            }
        }
        if (bad == 0) {
            ParityLedger.observe(worstRatio);
        } else {
            StringBuilder sb = new StringBuilder();
            sb.append(what).append(": ").append(bad).append(" of ").append(actual.length)
                    .append(" elements outside the tolerance\n");
            sb.append(String.format("  worst absolute error %.4g at %s (got %s, expected %s)%n", worstAbs,
                    index(shape, worstAbsAt), actual[worstAbsAt], expected[worstAbsAt]));
            sb.append(String.format("  worst relative error %.4g at %s (got %s, expected %s)%n", worstRel,
                    index(shape, worstRelAt), actual[worstRelAt], expected[worstRelAt]));
            sb.append(String.format("  worst error / allowed %.4g at %s%n", worstRatio, index(shape, worstRatioAt)));
            sb.append("  first offenders:\n");
            for (String o : offenders) {
                sb.append(o).append('\n');
            }
            sb.append("  tolerance: ").append(tol);
            throw new AssertionError(sb.toString());
        }
    }

    /** Asserts identical bit patterns (for dropout masks, which every backend must make identically). */
    public static void assertBitsEqual(String what, Shape shape, float[] actual, float[] expected) {
        if (actual.length != expected.length) {
            throw new AssertionError(what + ": got " + actual.length + " values, expected " + expected.length);
        }
        int bad = 0;
        List<String> offenders = new ArrayList<>();
        for (int i = 0; i < actual.length; i++) {
            if (Float.floatToRawIntBits(actual[i]) != Float.floatToRawIntBits(expected[i])) {
                bad++;
                if (offenders.size() < SHOWN) {
                    offenders.add("  at " + index(shape, i) + ": got " + actual[i] + ", expected " + expected[i]);
                }
            }
        }
        if (bad > 0) {
            throw new AssertionError(what + ": " + bad + " of " + actual.length
                    + " elements differ bit for bit (must be identical on every backend)\n" + String.join("\n", offenders));
        }
    }

    /** Asserts equal integers (argmax indices, copies of int tensors). */
    public static void assertIntsEqual(String what, Shape shape, int[] actual, int[] expected) {
        if (actual.length != expected.length) {
            throw new AssertionError(what + ": got " + actual.length + " values, expected " + expected.length);
        }
        int bad = 0;
        List<String> offenders = new ArrayList<>();
        for (int i = 0; i < actual.length; i++) {
            if (actual[i] != expected[i]) {
                bad++;
                if (offenders.size() < SHOWN) {
                    offenders.add("  at " + index(shape, i) + ": got " + actual[i] + ", expected " + expected[i]);
                }
            }
        }
        if (bad > 0) {
            throw new AssertionError(what + ": " + bad + " of " + actual.length + " values differ\n"
                    + String.join("\n", offenders));
        }
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
        return flat + " " + java.util.Arrays.toString(idx);
    }
}
