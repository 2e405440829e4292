package dev.ingot.cpu.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The two vector primitives the softmax and loss kernels share, written so that they give the
 * same bits however the JVM runs them.
 *
 * <p>Why not {@code lanewise(EXP)} and {@code reduceLanes(ADD)}: both are allowed to differ between
 * the interpreter's fallback and C2's intrinsic (SVML's exp, a tree-shaped reduction), and they do
 * on this JDK: the first calls of a kernel, before it is compiled, produce other last bits than the
 * later ones. Which calls run compiled depends on the JIT's timing, so two identical training runs
 * would drift apart. Everything here is built from operations IEEE 754 defines exactly (add, mul,
 * fma, compare, blend, integer shifts, fixed lane permutations), so the fallback and the intrinsic
 * agree bit for bit.
 */
final class VectorMath {
    private VectorMath() {
    }

    static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;

    /** 1.5 * 2^23 + 126: adding it rounds to an integer n and leaves n + 126 in the low mantissa bits. */
    private static final float ROUND_AND_BIAS = 12582912f + 126f;
    private static final float LOG2E = 1.44269504088896341f;
    /** ln 2 split in two so that n * LN2_HI is exact for |n| < 2^9 (Cody-Waite reduction). */
    private static final float LN2_HI = 0.693359375f;
    private static final float LN2_LO = -2.12194440e-4f;
    /** Below this, e^x is under 2 * 2^-126 and we return 0 (the scale 2^(n-1) would need a subnormal). */
    static final float EXP_UNDERFLOW = -86.9891f;
    /** Above this, e^x overflows float. */
    static final float EXP_OVERFLOW = 88.72283f;

    /**
     * {@code e^x} lane by lane, within 1.5 ulp of the exact value for x in [-86.99, 88.72]; 0 below
     * (where the true value is under 1.7e-38), +inf above, NaN for NaN.
     *
     * <p>Cephes' expf: {@code x = n ln2 + r} with n = round(x log2 e) and |r| <= ln2/2, then
     * {@code e^r} by a degree-6 polynomial (Horner, one fma per term) and {@code 2^n} built in the
     * exponent bits. The rounding trick gives n without a float-to-int conversion; scaling by
     * {@code 2^(n-1)} and then 2 keeps the exponent field in range up to n = 128. About 17 vector
     * instructions, no table, no branch: as fast as the JDK's SVML exp here.
     */
    static FloatVector exp(FloatVector x) {
        FloatVector t = x.fma(LOG2E, ROUND_AND_BIAS);
        FloatVector n = t.sub(ROUND_AND_BIAS);
        FloatVector r = n.fma(FloatVector.broadcast(SPECIES, -LN2_HI), x);
        r = n.fma(FloatVector.broadcast(SPECIES, -LN2_LO), r);
        FloatVector p = r.fma(1.9875691500e-4f, 1.3981999507e-3f);
        p = p.fma(r, FloatVector.broadcast(SPECIES, 8.3334519073e-3f));
        p = p.fma(r, FloatVector.broadcast(SPECIES, 4.1665795894e-2f));
        p = p.fma(r, FloatVector.broadcast(SPECIES, 1.6666665459e-1f));
        p = p.fma(r, FloatVector.broadcast(SPECIES, 5.0000001201e-1f));
        p = p.fma(r.mul(r), r).add(1f);
        // t's bits end in n + 126; shifted into the exponent field they are the float 2^(n-1).
        FloatVector halfScale = t.reinterpretAsInts().lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        FloatVector e = p.mul(halfScale).mul(2f);
        e = e.blend(0f, x.compare(VectorOperators.LT, EXP_UNDERFLOW));
        return e.blend(Float.POSITIVE_INFINITY, x.compare(VectorOperators.GT, EXP_OVERFLOW));
    }

    /** Rotations by half, quarter, ... of the vector: the fixed tree {@link #sumLanes} adds along. */
    @SuppressWarnings("unchecked")
    private static final VectorShuffle<Float>[] HALVING_ROTATIONS =
            new VectorShuffle[Integer.numberOfTrailingZeros(SPECIES.length())];

    static {
        for (int level = 0; level < HALVING_ROTATIONS.length; level++) {
            HALVING_ROTATIONS[level] = VectorShuffle.iota(SPECIES, SPECIES.length() >> (level + 1), 1, true);
        }
    }

    /**
     * The sum of the lanes, always added along the same tree: {@code v + rotate(v, L/2)}, then by
     * L/4, ..., 1, then lane 0. log2(L) permute+add pairs (about a nanosecond), done once per row.
     */
    static float sumLanes(FloatVector v) {
        for (VectorShuffle<Float> rotation : HALVING_ROTATIONS) {
            v = v.add(v.rearrange(rotation));
        }
        return v.lane(0);
    }
}
