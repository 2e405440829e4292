package dev.ingot.cpu.kernels;

import dev.ingot.cpu.parallel.Parallel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * GELU forward and backward, exact ({@code x * Phi(x)}) and with the tanh approximation, on flat
 * arrays of any shape. Readable reference: {@code ReferenceBackend.geluForward} / {@code geluBackward}
 * in the tests module (the formulas in double, with a double-precision erf).
 *
 * <p><b>The special functions are ours.</b> The JDK's {@code lanewise(ERF)} does not exist and its
 * {@code lanewise(EXP/TANH)} give different last bits before and after C2 compiles the caller (see
 * RowPrimitives), so:
 * <ul>
 *   <li>erf is the rational approximation Eigen and XLA use for float ({@code x * P(x^2) / Q(x^2)},
 *       degrees 13/8, x clamped to [-4, 4] where float erf is +-1): within 6 u = 3.5e-7 absolute of
 *       the true erf (measured over [-6, 6] in float arithmetic). Like PyTorch's CPU GELU, the
 *       error of y is then absolute, about {@code 3u * |x|}, so far-negative outputs (tiny y) carry
 *       relative error; the parity suite's tolerance says so.</li>
 *   <li>exp is Cephes' expf as in RowPrimitives (1.5 ulp); tanh never appears: the tanh form is
 *       rewritten without cancellation, {@code x/2 * (1 + tanh u) = x / (1 + exp(-2u))}, with the
 *       exponent clamped to [-86.9, 88.7] so that 1 + e stays finite; at the clamps (|x| above
 *       about 9.9) y and the derivative take their limits (0 and 0, or x and 1), exact to float
 *       precision there, so huge inputs give neither NaN nor overflowed garbage.</li>
 * </ul>
 * Built from add, mul, fma, div, min, max, compare, blend and shifts only, so interpreted and
 * compiled code agree bit for bit. A NaN input gives a NaN output (min/max propagate NaN).
 *
 * <p><b>Loop.</b> One pass of full {@code SPECIES_PREFERRED} vectors, split over threads in ranges of
 * at least {@link #GRAIN} elements. Compute-bound (about 25-40 vector operations per element
 * vector), so the grain is a quarter of the streaming kernels'. A range's last partial vector is
 * copied into a per-thread buffer of whole vectors and run through the same step, so every element,
 * wherever it falls, is computed by the same lane operations. Not a masked step: a masked load or
 * store that reaches past the end of the array (as the last step of every call does) runs the JDK's
 * lane bounds check, whose mask C2 was seen to box, 0.3-0.4 KiB per call for good, once other
 * kernels had run in the JVM (docs/benchmarks.md, "Masked accesses past an array's end").
 */
public final class GeluKernels {
    private GeluKernels() {
    }

    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    private static final int LANES = SPECIES.length();

    static final int GRAIN = ElementwiseKernels.GRAIN / 4;

    /** Per thread: x, dy and the result of a range's last partial vector, {@code LANES} floats each. */
    private static final ThreadLocal<float[]> TAIL = ThreadLocal.withInitial(() -> new float[3 * LANES]);

    // erf(x) ~ x * P(x^2) / Q(x^2) on [-4, 4] (Eigen's generic_fast_erf_float, also XLA's ErfImpl32)
    private static final float ERF_CLAMP = 4f;
    private static final float A1 = -1.60960333262415e-02f, A3 = -2.95459980854025e-03f,
            A5 = -7.34990630326855e-04f, A7 = -5.69250639462346e-05f, A9 = -2.10102402082508e-06f,
            A11 = 2.77068142495902e-08f, A13 = -2.72614225801306e-10f;
    private static final float B0 = -1.42647390514189e-02f, B2 = -7.37332916720468e-03f,
            B4 = -1.68282697438203e-03f, B6 = -2.13374055278905e-04f, B8 = -1.45660718464996e-05f;

    private static final float INV_SQRT2 = 0.70710678118654752f;
    private static final float INV_SQRT_2PI = 0.39894228040143268f;
    /** sqrt(2/pi) and the cubic coefficient of the tanh form. */
    private static final float K = 0.79788456080286536f;
    private static final float CUBIC = 0.044715f;

    // Cephes expf, the same constants and steps as RowPrimitives (see there)
    private static final float ROUND_AND_BIAS = 12582912f + 126f;
    private static final float LOG2E = 1.44269504088896341f;
    private static final float LN2_HI = 0.693359375f;
    private static final float LN2_LO = -2.12194440e-4f;
    private static final float P0 = 1.9875691500e-4f, P1 = 1.3981999507e-3f, P2 = 8.3334519073e-3f,
            P3 = 4.1665795894e-2f, P4 = 1.6666665459e-1f, P5 = 5.0000001201e-1f;
    private static final float EXP_UNDERFLOW = RowPrimitives.EXP_UNDERFLOW;
    /** The tanh form's exponent is clamped here so exp, and 1 + exp, stay finite. */
    private static final float TANH_EXP_MIN = -86.9f, TANH_EXP_MAX = 88.7f;

    /** {@code y = gelu(x)}, exact or tanh; y may be x. */
    public static void forward(Parallel parallel, float[] x, float[] y, int n, boolean exact) {
        parallel.forRange(n, GRAIN, (start, end) -> forwardRange(x, y, start, end, exact));
    }

    /** {@code dx = dy * gelu'(x)}, exact or tanh; dx may be dy or x. */
    public static void backward(Parallel parallel, float[] x, float[] dy, float[] dx, int n, boolean exact) {
        parallel.forRange(n, GRAIN, (start, end) -> backwardRange(x, dy, dx, start, end, exact));
    }

    /**
     * Full vectors in place; the last partial vector through the thread's {@link #TAIL} buffer (see the
     * class comment), so no masked access ever reaches past the end of an array.
     */
    private static void forwardRange(float[] x, float[] y, int start, int end, boolean exact) {
        int i = start;
        for (int bound = end - LANES; i <= bound; i += LANES) {
            forwardStep(x, i, y, i, exact);
        }
        if (i < end) {
            float[] tail = TAIL.get();
            System.arraycopy(x, i, tail, 0, end - i);
            forwardStep(tail, 0, tail, LANES, exact);
            System.arraycopy(tail, LANES, y, i, end - i);
        }
    }

    private static void backwardRange(float[] x, float[] dy, float[] dx, int start, int end, boolean exact) {
        int i = start;
        for (int bound = end - LANES; i <= bound; i += LANES) {
            backwardStep(x, i, dy, i, dx, i, exact);
        }
        if (i < end) {
            float[] tail = TAIL.get();
            System.arraycopy(x, i, tail, 0, end - i);
            System.arraycopy(dy, i, tail, LANES, end - i);
            backwardStep(tail, 0, tail, LANES, tail, 2 * LANES, exact);
            System.arraycopy(tail, 2 * LANES, dx, i, end - i);
        }
    }

    private static void forwardStep(float[] x, int xi, float[] y, int yi, boolean exact) {
        if (exact) {
            exactForwardStep(x, xi, y, yi);
        } else {
            tanhForwardStep(x, xi, y, yi);
        }
    }

    private static void backwardStep(float[] x, int xi, float[] dy, int dyi, float[] dx, int dxi, boolean exact) {
        if (exact) {
            exactBackwardStep(x, xi, dy, dyi, dx, dxi);
        } else {
            tanhBackwardStep(x, xi, dy, dyi, dx, dxi);
        }
    }

    /** {@code y = x * (0.5 + 0.5 * erf(x / sqrt 2))} for the lanes of {@code [i, min(i + L, end))}. */
    private static void exactForwardStep(float[] x, int xi, float[] y, int yi) {
        FloatVector xv = FloatVector.fromArray(SPECIES, x, xi);
        FloatVector z = xv.mul(INV_SQRT2).max(-ERF_CLAMP).min(ERF_CLAMP);
        FloatVector z2 = z.mul(z);
        FloatVector p = z2.fma(A13, A11);
        p = p.fma(z2, FloatVector.broadcast(SPECIES, A9));
        p = p.fma(z2, FloatVector.broadcast(SPECIES, A7));
        p = p.fma(z2, FloatVector.broadcast(SPECIES, A5));
        p = p.fma(z2, FloatVector.broadcast(SPECIES, A3));
        p = p.fma(z2, FloatVector.broadcast(SPECIES, A1)).mul(z);
        FloatVector q = z2.fma(B8, B6);
        q = q.fma(z2, FloatVector.broadcast(SPECIES, B4));
        q = q.fma(z2, FloatVector.broadcast(SPECIES, B2));
        q = q.fma(z2, FloatVector.broadcast(SPECIES, B0));
        FloatVector cdf = p.div(q).fma(0.5f, 0.5f);
        xv.mul(cdf).intoArray(y, yi);
    }

    /** {@code y = x / (1 + exp(-2u))}, {@code -2u = -2 sqrt(2/pi) x (1 + 0.044715 x^2)}, clamped (see the class comment). */
    private static void tanhForwardStep(float[] x, int xi, float[] y, int yi) {
        FloatVector xv = FloatVector.fromArray(SPECIES, x, xi);
        FloatVector arg = xv.mul(xv).fma(CUBIC, 1f).mul(xv).mul(-2 * K).max(TANH_EXP_MIN).min(TANH_EXP_MAX);
        // exp(arg), Cephes (see RowPrimitives); no underflow/overflow blend: arg is clamped
        FloatVector t = arg.fma(LOG2E, ROUND_AND_BIAS);
        FloatVector nn = t.sub(ROUND_AND_BIAS);
        FloatVector r = nn.fma(FloatVector.broadcast(SPECIES, -LN2_HI), arg);
        r = nn.fma(FloatVector.broadcast(SPECIES, -LN2_LO), r);
        FloatVector p = r.fma(P0, P1);
        p = p.fma(r, FloatVector.broadcast(SPECIES, P2));
        p = p.fma(r, FloatVector.broadcast(SPECIES, P3));
        p = p.fma(r, FloatVector.broadcast(SPECIES, P4));
        p = p.fma(r, FloatVector.broadcast(SPECIES, P5));
        p = p.fma(r.mul(r), r).add(1f);
        FloatVector halfScale = t.reinterpretAsInts().lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        FloatVector e = p.mul(halfScale).mul(2f);
        // past the clamp (x below about -9.9) the true y is under 4e-37 in magnitude: 0, also for huge |x|
        xv.div(e.add(1f)).blend(0f, arg.compare(VectorOperators.GE, TANH_EXP_MAX)).intoArray(y, yi);
    }

    /** {@code dx = dy * fma(x, phi(x), Phi(x))}, {@code phi(x) = exp(-x^2/2) / sqrt(2 pi)}. */
    private static void exactBackwardStep(float[] x, int xi, float[] dy, int dyi, float[] dx, int dxi) {
        FloatVector xv = FloatVector.fromArray(SPECIES, x, xi);
        FloatVector z = xv.mul(INV_SQRT2).max(-ERF_CLAMP).min(ERF_CLAMP);
        FloatVector z2 = z.mul(z);
        FloatVector p = z2.fma(A13, A11);
        p = p.fma(z2, FloatVector.broadcast(SPECIES, A9));
        p = p.fma(z2, FloatVector.broadcast(SPECIES, A7));
        p = p.fma(z2, FloatVector.broadcast(SPECIES, A5));
        p = p.fma(z2, FloatVector.broadcast(SPECIES, A3));
        p = p.fma(z2, FloatVector.broadcast(SPECIES, A1)).mul(z);
        FloatVector q = z2.fma(B8, B6);
        q = q.fma(z2, FloatVector.broadcast(SPECIES, B4));
        q = q.fma(z2, FloatVector.broadcast(SPECIES, B2));
        q = q.fma(z2, FloatVector.broadcast(SPECIES, B0));
        FloatVector cdf = p.div(q).fma(0.5f, 0.5f);
        // phi(x) = exp(-x^2/2) / sqrt(2 pi): Cephes exp (see RowPrimitives), 0 below its range
        FloatVector arg = xv.mul(xv).mul(-0.5f);
        FloatVector t = arg.fma(LOG2E, ROUND_AND_BIAS);
        FloatVector nn = t.sub(ROUND_AND_BIAS);
        FloatVector r = nn.fma(FloatVector.broadcast(SPECIES, -LN2_HI), arg);
        r = nn.fma(FloatVector.broadcast(SPECIES, -LN2_LO), r);
        FloatVector e = r.fma(P0, P1);
        e = e.fma(r, FloatVector.broadcast(SPECIES, P2));
        e = e.fma(r, FloatVector.broadcast(SPECIES, P3));
        e = e.fma(r, FloatVector.broadcast(SPECIES, P4));
        e = e.fma(r, FloatVector.broadcast(SPECIES, P5));
        e = e.fma(r.mul(r), r).add(1f);
        FloatVector halfScale = t.reinterpretAsInts().lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        FloatVector pdf = e.mul(halfScale).mul(2 * INV_SQRT_2PI).blend(0f, arg.compare(VectorOperators.LT, EXP_UNDERFLOW));
        FloatVector.fromArray(SPECIES, dy, dyi).mul(xv.fma(pdf, cdf)).intoArray(dx, dxi);
    }

    /**
     * {@code dx = dy * (s + x * e s^2 * 2 sqrt(2/pi) (1 + 3 * 0.044715 x^2))} with {@code e = exp(-2u)},
     * {@code s = 1/(1 + e)}: the derivative of {@code x * sigmoid(2u)}, where {@code e s^2 = s(1 - s)}.
     */
    private static void tanhBackwardStep(float[] x, int xi, float[] dy, int dyi, float[] dx, int dxi) {
        FloatVector xv = FloatVector.fromArray(SPECIES, x, xi);
        FloatVector x2 = xv.mul(xv);
        FloatVector arg = x2.fma(CUBIC, 1f).mul(xv).mul(-2 * K).max(TANH_EXP_MIN).min(TANH_EXP_MAX);
        // exp(arg), Cephes (see RowPrimitives); arg is clamped
        FloatVector t = arg.fma(LOG2E, ROUND_AND_BIAS);
        FloatVector nn = t.sub(ROUND_AND_BIAS);
        FloatVector r = nn.fma(FloatVector.broadcast(SPECIES, -LN2_HI), arg);
        r = nn.fma(FloatVector.broadcast(SPECIES, -LN2_LO), r);
        FloatVector p = r.fma(P0, P1);
        p = p.fma(r, FloatVector.broadcast(SPECIES, P2));
        p = p.fma(r, FloatVector.broadcast(SPECIES, P3));
        p = p.fma(r, FloatVector.broadcast(SPECIES, P4));
        p = p.fma(r, FloatVector.broadcast(SPECIES, P5));
        p = p.fma(r.mul(r), r).add(1f);
        FloatVector halfScale = t.reinterpretAsInts().lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        FloatVector e = p.mul(halfScale).mul(2f);
        FloatVector s = FloatVector.broadcast(SPECIES, 1f).div(e.add(1f));
        FloatVector slope = x2.fma(3 * CUBIC, 1f).mul(2 * K);
        // past the clamps the derivative is 0 (x below about -9.9) or 1 (above about 9.9) to float precision
        FloatVector derivative = xv.mul(e.mul(s).mul(s)).fma(slope, s)
                .blend(0f, arg.compare(VectorOperators.GE, TANH_EXP_MAX))
                .blend(1f, arg.compare(VectorOperators.LE, TANH_EXP_MIN));
        FloatVector.fromArray(SPECIES, dy, dyi).mul(derivative).intoArray(dx, dxi);
    }
}
