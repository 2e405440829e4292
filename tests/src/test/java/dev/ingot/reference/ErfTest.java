package dev.ingot.reference;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The reference's double erf and erfc against C libm's (glibc, correctly rounded to within an ulp;
 * printed by Python's {@code math.erf}/{@code math.erfc}), on both sides of the switch from the
 * series to the continued fraction at 1/2, and far in the tail where erfc must keep its relative
 * accuracy.
 */
class ErfTest {
    /** (z, erf(z), erfc(z)). */
    private static final double[][] VALUES = {
            {1e-10, 1.1283791670955126e-10, 0.999999999887162},
            {0.4999, 0.5204119951613866, 0.4795880048386134},
            {0.1, 0.1124629160182849, 0.8875370839817152},
            {0.5, 0.5204998778130465, 0.4795001221869535},
            {1, 0.8427007929497149, 0.15729920705028513},
            {1.5, 0.9661051464753108, 0.033894853524689274},
            {2, 0.9953222650189527, 0.004677734981047265},
            {2.5, 0.999593047982555, 0.0004069520174449589},
            {2.999, 0.9999777698314002, 2.2230168599834058e-05},
            {3, 0.9999779095030014, 2.2090496998585438e-05},
            {3.5, 0.9999992569016276, 7.430983723414128e-07},
            {4, 0.9999999845827421, 1.541725790028002e-08},
            {5, 0.9999999999984626, 1.5374597944280351e-12},
            {6, 1.0, 2.1519736712498916e-17},
            {10, 1.0, 2.088487583762545e-45},
            {25.4798, 1.0, 2.466841946819435e-284}};

    @Test
    void matchesLibmToAFewUlp() {
        for (double[] v : VALUES) {
            double z = v[0];
            assertEquals(v[1], Erf.erf(z), 4 * Math.ulp(v[1]), "erf(" + z + ")");
            assertEquals(-v[1], Erf.erf(-z), 4 * Math.ulp(v[1]), "erf(" + -z + ")");
            assertEquals(v[2], Erf.erfc(z), 8 * Math.ulp(v[2]), "erfc(" + z + "), relative to itself");
            assertEquals(2 - v[2], Erf.erfc(-z), 4 * Math.ulp(2 - v[2]), "erfc(" + -z + ")");
        }
    }

    @Test
    void edgeValues() {
        assertEquals(0.0, Erf.erf(0.0));
        assertEquals(1.0, Erf.erf(Double.POSITIVE_INFINITY));
        assertEquals(-1.0, Erf.erf(Double.NEGATIVE_INFINITY));
        assertEquals(0.0, Erf.erfc(Double.POSITIVE_INFINITY));
        assertEquals(2.0, Erf.erfc(Double.NEGATIVE_INFINITY));
        assertTrue(Double.isNaN(Erf.erf(Double.NaN)) && Double.isNaN(Erf.erfc(Double.NaN)));
    }

    /** The two expansions agree where they meet, to the derivative's size times the step. */
    @Test
    void continuousAtTheSwitch() {
        double below = Erf.erfc(Math.nextDown(0.5)), at = Erf.erfc(0.5);
        assertEquals(at, below, 4 * Math.ulp(at));
    }
}
