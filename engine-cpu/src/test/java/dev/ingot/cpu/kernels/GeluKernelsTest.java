package dev.ingot.cpu.kernels;

import org.junit.jupiter.api.Test;

import static dev.ingot.cpu.kernels.OpsAssert.LENGTHS;
import static dev.ingot.cpu.kernels.OpsAssert.ONE_THREAD;
import static dev.ingot.cpu.kernels.OpsAssert.TWO_THREADS;
import static dev.ingot.cpu.kernels.OpsAssert.assertBitsEqual;
import static dev.ingot.cpu.kernels.OpsAssert.uniform;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * GeluKernels against libm values of the exact GELU (x * Phi(x)) and its derivative written with
 * an erf series in double, against the tanh form's plain formula in double, on every
 * tail length, on one and two threads, in place, and with the same bits before and after C2.
 */
class GeluKernelsTest {
    private static final double U = 0x1p-24;

    /** (x, x * Phi(x)), from {@code x * 0.5 * math.erfc(-x / math.sqrt(2))} in Python (C libm's erfc), 15 digits. */
    private static final double[][] EXACT = {
            {-3.0, -0.00404969409489029},
            {-1.0, -0.158655253931457},
            {-0.5, -0.154268769362993},
            {0.0, 0.0},
            {0.5, 0.345731230637007},
            {1.0, 0.841344746068543},
            {2.0, 1.95449973610364},
            {5.0, 4.99999856674214}};

    @Test
    void exactFormMatchesPublishedValues() {
        float[] x = new float[EXACT.length];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) EXACT[i][0];
        }
        float[] y = new float[x.length];
        GeluKernels.forward(ONE_THREAD, x, y, x.length, true);
        for (int i = 0; i < x.length; i++) {
            double allowed = 8 * U * (Math.abs(x[i]) + Math.abs(EXACT[i][1]));
            assertEquals(EXACT[i][1], y[i], allowed, "gelu(" + x[i] + ")");
        }
    }

    /** The derivative {@code Phi(x) + x * phi(x)} in double, Phi from the erf series below. */
    @Test
    void exactDerivativeMatchesTheFormulaInDouble() {
        float[] x = uniform(1, 4001, -6, 6);
        float[] ones = new float[x.length];
        java.util.Arrays.fill(ones, 1f);
        float[] dx = new float[x.length];
        GeluKernels.backward(TWO_THREADS, x, ones, dx, x.length, true);
        for (int i = 0; i < x.length; i++) {
            double v = x[i];
            double pdf = Math.exp(-0.5 * v * v) / Math.sqrt(2 * Math.PI);
            double want = phi(v) + v * pdf;
            double allowed = 8 * U * (1 + Math.abs(v));
            if (!(Math.abs(dx[i] - want) <= allowed)) {
                fail("gelu'(" + v + ") = " + dx[i] + ", expected " + want + " within " + allowed);
            }
        }
    }

    /** Phi(v) by the erf series 2/sqrt(pi) exp(-z^2) sum 2^n z^(2n+1)/(2n+1)!! (|z| < 5, in double). */
    private static double phi(double v) {
        double z = Math.abs(v) / Math.sqrt(2), z2 = z * z, term = z, sum = z;
        for (int n = 1; n < 500 && term > 1e-18 * sum; n++) {
            term *= 2 * z2 / (2 * n + 1);
            sum += term;
        }
        double erf = 2 / Math.sqrt(Math.PI) * Math.exp(-z2) * sum;
        return 0.5 * (1 + Math.copySign(erf, v));
    }

    @Test
    void tanhFormMatchesItsFormulaInDouble() {
        float[] x = uniform(2, 4001, -12, 12);
        float[] y = new float[x.length], dx = new float[x.length], ones = new float[x.length];
        java.util.Arrays.fill(ones, 1f);
        GeluKernels.forward(ONE_THREAD, x, y, x.length, false);
        GeluKernels.backward(ONE_THREAD, x, ones, dx, x.length, false);
        double k = Math.sqrt(2 / Math.PI);
        for (int i = 0; i < x.length; i++) {
            double v = x[i];
            double t = Math.tanh(k * (v + 0.044715 * v * v * v));
            double want = 0.5 * v * (1 + t);
            double wantD = 0.5 * (1 + t) + 0.5 * v * (1 - t * t) * k * (1 + 3 * 0.044715 * v * v);
            // relative: the exponent -2u carries a rounding error of a few u * |2u|, which exp turns into
            // a relative error of y; the double reference's 1 + tanh rounds at 2^-53 absolute
            double twoU = 2 * k * Math.abs(v) * (1 + 0.044715 * v * v);
            assertTrue(Math.abs(y[i] - want) <= 4 * U * Math.abs(want) * (2 + twoU) + 1e-15 * Math.abs(v),
                    "tanh gelu(" + v + ") = " + y[i] + ", expected " + want);
            assertTrue(Math.abs(dx[i] - wantD) <= 16 * U * (1 + Math.abs(v)),
                    "tanh gelu'(" + v + ") = " + dx[i] + ", expected " + wantD);
        }
    }

    @Test
    void everyTailLengthThreadCountAndInPlaceGiveTheSameBits() {
        for (boolean exact : new boolean[] {true, false}) {
            for (int n : LENGTHS) {
                float[] x = uniform(n, n, -5, 5), dy = uniform(n + 1, n, -1, 1);
                float[] y1 = new float[n], y2 = new float[n], d1 = new float[n], d2 = new float[n];
                GeluKernels.forward(ONE_THREAD, x, y1, n, exact);
                GeluKernels.forward(TWO_THREADS, x, y2, n, exact);
                GeluKernels.backward(ONE_THREAD, x, dy, d1, n, exact);
                GeluKernels.backward(TWO_THREADS, x, dy, d2, n, exact);
                String what = (exact ? "exact" : "tanh") + " n=" + n;
                assertBitsEqual("forward, two threads, " + what, y2, y1);
                assertBitsEqual("backward, two threads, " + what, d2, d1);
                // element i alone (a lane 0 of its own masked step) must give what it gave in the bulk
                for (int i = 0; i < n; i += Math.max(1, n / 17)) {
                    float[] one = {0};
                    GeluKernels.forward(ONE_THREAD, new float[] {x[i]}, one, 1, exact);
                    assertEquals(Float.floatToRawIntBits(y1[i]), Float.floatToRawIntBits(one[0]), what + " element " + i);
                }
                float[] inPlace = x.clone();
                GeluKernels.forward(ONE_THREAD, inPlace, inPlace, n, exact);
                assertBitsEqual("forward in place " + what, inPlace, y1);
                float[] dyInPlace = dy.clone();
                GeluKernels.backward(ONE_THREAD, x, dyInPlace, dyInPlace, n, exact);
                assertBitsEqual("backward in place " + what, dyInPlace, d1);
            }
        }
    }

    @Test
    void nanStaysNanAndLargeInputsStayFinite() {
        float[] x = {Float.NaN, 1e30f, -1e30f, 50f, -50f, 3e38f};
        for (boolean exact : new boolean[] {true, false}) {
            float[] y = new float[x.length], dx = new float[x.length], ones = {1, 1, 1, 1, 1, 1};
            GeluKernels.forward(ONE_THREAD, x, y, x.length, exact);
            GeluKernels.backward(ONE_THREAD, x, ones, dx, x.length, exact);
            assertTrue(Float.isNaN(y[0]) && Float.isNaN(dx[0]), "NaN in, NaN out");
            assertEquals(1e30f, y[1]);
            assertEquals(0f, Math.abs(y[2]), 0f, "gelu(-1e30) = " + y[2]);
            assertEquals(50f, y[3]);
            assertEquals(0f, y[4], 1e-30f);
            assertEquals(1f, dx[3]);
            assertEquals(0f, dx[4], 1e-30f);
        }
    }

    @Test
    void sameBitsBeforeAndAfterCompilationAndNoGarbage() {
        int n = 37;
        float[] x = uniform(9, n, -6, 6), dy = uniform(10, n, -1, 1);
        for (boolean exact : new boolean[] {true, false}) {
            float[] y0 = new float[n], d0 = new float[n];
            GeluKernels.forward(ONE_THREAD, x, y0, n, exact);
            GeluKernels.backward(ONE_THREAD, x, dy, d0, n, exact);
            float[] y = new float[n], d = new float[n];
            double bytes = AllocationProbe.bytesPerCall(() -> {
                GeluKernels.forward(ONE_THREAD, x, y, n, exact);
                GeluKernels.backward(ONE_THREAD, x, dy, d, n, exact);
            }, 40_000, 1000, 256);
            assertBitsEqual("forward after JIT compilation", y, y0);
            assertBitsEqual("backward after JIT compilation", d, d0);
            assertTrue(bytes < 256, (exact ? "exact" : "tanh") + " forward + backward allocate " + bytes + " bytes per call");
        }
    }
}
