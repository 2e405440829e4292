package dev.ingot.cpu.kernels;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VectorMathTest {
    private static final int LANES = VectorMath.SPECIES.length();

    private static float[] exp(float[] x) {
        float[] y = new float[x.length];
        for (int i = 0; i < x.length; i += LANES) {
            VectorMath.exp(FloatVector.fromArray(VectorMath.SPECIES, x, i)).intoArray(y, i);
        }
        return y;
    }

    /**
     * Accuracy against Math.exp (double, so the reference error is negligible) over the whole finite
     * range: at most 1.5 ulp of the float result (Cephes' polynomial reaches about 1.49 here), which
     * is as good as the JDK's own vector EXP; below the underflow bound, 0 (the true value is then
     * under 1.7e-38, an absolute error no softmax can see).
     */
    @Test
    void expIsWithinOneAndAHalfUlpOfMathExp() {
        int n = LANES * 40000;
        float[] x = OpsAssert.uniform(11, n, -110, 95);
        float[] small = OpsAssert.uniform(12, LANES * 1000, -1, 1);
        System.arraycopy(small, 0, x, 0, small.length);
        float[] y = exp(x);
        double worstUlp = 0;
        for (int i = 0; i < n; i++) {
            double exact = Math.exp(x[i]);
            if (x[i] < VectorMath.EXP_UNDERFLOW) {
                assertEquals(0f, y[i], "exp(" + x[i] + ") flushes to 0");
            } else if (x[i] > VectorMath.EXP_OVERFLOW) {
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
        float[] x = new float[LANES * ((13 + LANES - 1) / LANES)];
        float[] special = {0f, -0f, 1f, -1f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY,
                88.72283f, 88.72284f, -86.9891f, -87.5f, -1000f, 1000f};
        System.arraycopy(special, 0, x, 0, special.length);
        float[] y = exp(x);
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

    /** The lane sum is an exact function of the lanes: integers add exactly in any order. */
    @Test
    void sumLanesAddsEveryLane() {
        float[] lanes = new float[LANES];
        for (int i = 0; i < LANES; i++) {
            lanes[i] = i + 1;
        }
        assertEquals(LANES * (LANES + 1) / 2f, VectorMath.sumLanes(FloatVector.fromArray(VectorMath.SPECIES, lanes, 0)));
    }

    /** Same input, same bits, call after call (the interpreter's and the compiled code's calls alike). */
    @Test
    void sumLanesAndExpRepeatBitForBit() {
        float[] x = OpsAssert.uniform(5, LANES * 512, -50, 10);
        float[] first = exp(x);
        float firstSum = 0;
        for (int i = 0; i < x.length; i += LANES) {
            firstSum += VectorMath.sumLanes(FloatVector.fromArray(VectorMath.SPECIES, x, i));
        }
        for (int round = 0; round < 200; round++) {
            OpsAssert.assertBitsEqual("exp, round " + round, exp(x), first);
            float sum = 0;
            for (int i = 0; i < x.length; i += LANES) {
                sum += VectorMath.sumLanes(FloatVector.fromArray(VectorMath.SPECIES, x, i));
            }
            assertEquals(Float.floatToRawIntBits(firstSum), Float.floatToRawIntBits(sum), "sum, round " + round);
        }
    }
}
