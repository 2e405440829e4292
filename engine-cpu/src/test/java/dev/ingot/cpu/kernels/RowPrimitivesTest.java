package dev.ingot.cpu.kernels;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RowPrimitivesTest {

    /** exp(x) through expSumMinusOne's loop (max 0, so it stores exp(x - 0) = exp(x)). */
    private static float[] expViaSum(float[] x) {
        float[] e = new float[x.length];
        RowPrimitives.expSumMinusOne(x, e, 0, x.length, 0f);
        return e;
    }

    /** exp(y) through addScaledExp's loop (fma(exp(y), 1, 0) = exp(y) exactly). */
    private static float[] expViaAdd(float[] y) {
        float[] dx = new float[y.length];
        RowPrimitives.addScaledExp(y, new float[y.length], dx, 0, y.length, 1f);
        return dx;
    }

    /**
     * Accuracy against Math.exp (double, so the reference error is negligible) over the whole
     * float range: at most 1.5 ulp of the float result (Cephes' polynomial reaches about 1.49 here;
     * the JDK's vector EXP is no better than 1 ulp); below the underflow bound 0 (the true value is
     * then under 1.7e-38, an absolute error no softmax can see), above the overflow bound +inf. Both
     * written-out copies of the exp must agree bit for bit.
     */
    @Test
    void expIsWithinOneAndAHalfUlpOfMathExp() {
        int n = 250007;
        float[] x = OpsAssert.uniform(11, n, -110, 95);
        System.arraycopy(OpsAssert.uniform(12, 20000, -1, 1), 0, x, 0, 20000);
        float[] y = expViaSum(x);
        OpsAssert.assertBitsEqual("the two copies of exp", expViaAdd(x), y);
        double worstUlp = 0;
        for (int i = 0; i < n; i++) {
            double exact = Math.exp(x[i]);
            if (x[i] < RowPrimitives.EXP_UNDERFLOW) {
                assertEquals(0f, y[i], "exp(" + x[i] + ") flushes to 0");
            } else if (x[i] > RowPrimitives.EXP_OVERFLOW) {
                assertEquals(Float.POSITIVE_INFINITY, y[i], "exp(" + x[i] + ") overflows");
            } else {
                double ulps = Math.abs(y[i] - exact) / Math.ulp((float) exact);
                worstUlp = Math.max(worstUlp, ulps);
                assertTrue(ulps <= 1.5, "exp(" + x[i] + ") = " + y[i] + ", Math.exp gives " + exact + ": " + ulps + " ulp");
            }
        }
        assertTrue(worstUlp > 0, "the comparison ran");
    }

    @Test
    void expSpecialValues() {
        float[] x = {0f, -0f, 1f, -1f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY,
                88.72283f, 88.72284f, -86.9891f, -87.5f, -1000f, 1000f};
        for (float[] y : new float[][] {expViaSum(x), expViaAdd(x)}) {
            assertEquals(1f, y[0]);
            assertEquals(1f, y[1]);
            assertEquals((float) Math.E, y[2], Math.ulp((float) Math.E));
            assertEquals((float) Math.exp(-1), y[3], Math.ulp((float) Math.exp(-1)));
            assertTrue(Float.isNaN(y[4]), "exp(NaN) is NaN");
            assertEquals(Float.POSITIVE_INFINITY, y[5]);
            assertEquals(0f, y[6]);
            assertEquals((float) Math.exp(88.72283f), y[7], 2 * Math.ulp((float) Math.exp(88.72283f)), "largest finite result");
            assertEquals(Float.POSITIVE_INFINITY, y[8]);
            assertEquals((float) Math.exp(-86.9891f), y[9], 2 * Math.ulp((float) Math.exp(-86.9891f)), "smallest non-zero result");
            assertEquals(0f, y[10]);
            assertEquals(0f, y[11]);
            assertEquals(Float.POSITIVE_INFINITY, y[12]);
        }
    }

    /** Integers add exactly in any order, so the lane sums must be exact here, at every length. */
    @Test
    void sumsAndDotProductsAddEveryElement() {
        for (int n : OpsAssert.LENGTHS) {
            float[] a = new float[n], ones = new float[n];
            for (int i = 0; i < n; i++) {
                a[i] = i % 100;
                ones[i] = 1;
            }
            double want = 0;
            for (float v : a) {
                want += v;
            }
            assertEquals(want, RowPrimitives.sum(a, 0, n), "sum n=" + n);
            assertEquals(want, RowPrimitives.dot(a, ones, 0, n), "dot n=" + n);
            assertEquals(Math.min(n - 1, 99), RowPrimitives.rowMax(a, 0, n), "max n=" + n);
        }
    }

    /** sum(exp(x - max)) - 1 with ties at the max counted: exact for a row of equal values. */
    @Test
    void expSumMinusOneCountsTiesExactly() {
        float[] x = {3f, 3f, 3f, 3f, 3f, 3f, 3f, 3f, 3f, 3f, 3f, 3f, 3f, 3f, 3f, 3f, 3f, 3f, 3f};
        assertEquals(18f, RowPrimitives.expSumMinusOne(x, null, 0, x.length, 3f));
        float[] confident = {40f, 0f, 1f};
        double want = Math.exp(-40) + Math.exp(-39);
        assertEquals(want, RowPrimitives.expSumMinusOne(confident, null, 0, 3, 40f), 2e-6 * want);
    }

    /** Same input, same bits, call after call (the interpreter's and the compiled code's calls alike). */
    @Test
    void resultsRepeatBitForBit() {
        float[] x = OpsAssert.uniform(5, 8192, -50, 10);
        float[] first = expViaSum(x);
        float firstSum = RowPrimitives.sum(x, 0, x.length);
        for (int round = 0; round < 300; round++) {
            OpsAssert.assertBitsEqual("exp, round " + round, expViaSum(x), first);
            assertEquals(Float.floatToRawIntBits(firstSum), Float.floatToRawIntBits(RowPrimitives.sum(x, 0, x.length)),
                    "sum, round " + round);
        }
    }
}
