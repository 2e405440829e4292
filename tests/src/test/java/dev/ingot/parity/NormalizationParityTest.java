package dev.ingot.parity;

import dev.ingot.core.Backend;
import dev.ingot.core.Shape;
import dev.ingot.core.Tensor;
import dev.ingot.core.spec.BatchNormSpec;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static dev.ingot.parity.SeededInputs.uniform;
import static dev.ingot.parity.Tolerances.LAMBDA;
import static dev.ingot.parity.Tolerances.U;

/**
 * Batch normalisation (training forward with its running-statistics update and saved statistics,
 * inference forward, fused backward) on every backend against the reference: planes around the
 * vector widths (1x1 up to 32x32, 15/16/17 wide), channel counts of ResNet-20, a mean far from
 * zero (50 with unit spread: a variance formula that cancels fails it), and inference in place.
 *
 * <p><b>Tolerances</b> (u = 2^-24; M = N*H*W values per channel; see {@link Tolerances} for the
 * probabilistic sum bound {@code 8 sqrt(n) u}):
 * <ul>
 *   <li>saveMean: a float sum of M terms, relative to mean|x|.</li>
 *   <li>saveInvStd and the variance in runningVar: any sound variance algorithm (two-pass, shifted
 *       sums, Welford) computes {@code sum (x - mean)^2} with relative error about {@code 8 sqrt(M) u}
 *       times {@code E[(x - c)^2] / var} for its centre c, which is at most 2 for the centres these
 *       algorithms use on these inputs; so {@code 2 * 8 sqrt(M) u + 8u} for the variance, half of it
 *       for 1/sqrt(var + eps). The textbook {@code E[x^2] - E[x]^2} is off by {@code mean^2/var}
 *       times that (2500 times for the far-mean case) and fails, as it should.</li>
 *   <li>y = gamma (x - mean) invStd + beta: the variance's error times |gamma (x - mean) invStd|,
 *       the mean's error times |gamma| invStd, and about four roundings of
 *       {@code |gamma| invStd (|x| + |mean|) + |beta|}.</li>
 *   <li>Backward: {@code dbeta} is a sum of M terms (scale {@code sum |dy|}); {@code dgamma} one of M
 *       products (scale {@code sum |dy xhat|}); {@code dx = k/M (M dy - dbeta - xhat dgamma)} carries both
 *       sums' errors, scale {@code |k|/M (M|dy| + sum|dy| + |xhat| sum|dy xhat|)}.</li>
 *   <li>Inference: {@code (x - rm) * gamma/sqrt(rv + eps) + beta}, about six roundings of
 *       {@code |gamma| invStd (|x| + |rm|) + |beta|}.</li>
 * </ul>
 */
class NormalizationParityTest {

    @RegisterExtension
    static final ParityBackends backends = new ParityBackends(ParityLedger.Suite.PARITY);

    /** {@code offset}: the inputs' centre (0, or 50 for the far-mean case). */
    record BnCase(Shape shape, double offset) {
        @Override
        public String toString() {
            return shape + (offset == 0 ? "" : " mean " + offset);
        }

        int c() {
            return shape.dim(1);
        }

        long m() {
            return (long) shape.dim(0) * shape.dim(2) * shape.dim(3);
        }
    }

    static List<BnCase> bnCases() {
        List<BnCase> cases = new ArrayList<>();
        for (Shape s : List.of(Shape.of(2, 2, 1, 1), Shape.of(2, 3, 4, 5), Shape.of(3, 2, 1, 15), Shape.of(2, 3, 4, 4),
                Shape.of(2, 3, 1, 17), Shape.of(4, 16, 8, 8), Shape.of(8, 16, 32, 32), Shape.of(16, 64, 8, 8))) {
            cases.add(new BnCase(s, 0));
        }
        cases.add(new BnCase(Shape.of(3, 4, 7, 9), 50));
        cases.add(new BnCase(Shape.of(2, 3, 1, 17), 50));
        return cases;
    }

    static Stream<Arguments> cases() {
        return ParityCases.onEveryProvider(bnCases());
    }

    private static final BatchNormSpec SPEC = new BatchNormSpec(1e-5f, 0.1f);

    /** Inputs of one case: x, gamma, beta, running mean and variance, dy. */
    private record Inputs(float[] x, float[] gamma, float[] beta, float[] rm, float[] rv, float[] dy) {
        static Inputs of(BnCase c, String kernel) {
            SplittableRandom rnd = SeededInputs.random(kernel + " " + c);
            int n = (int) c.shape().size(), ch = c.c();
            return new Inputs(uniform(rnd, n, c.offset() - 2, c.offset() + 2), uniform(rnd, ch, 0.5, 1.5),
                    uniform(rnd, ch, -1, 1), uniform(rnd, ch, -1, 1), uniform(rnd, ch, 0.5, 2),
                    uniform(rnd, n, -1, 1));
        }
    }

    /** Outputs of a training forward pass: y, runningMean, runningVar, saveMean, saveInvStd. */
    private static float[][] trainingForward(Backend be, BnCase c, Inputs in) {
        Shape ch = Shape.of(c.c());
        Tensor y = be.zeros(c.shape());
        be.fill(y, Float.NaN);
        Tensor rm = be.fromHost(ch, in.rm()), rv = be.fromHost(ch, in.rv());
        Tensor mean = be.zeros(ch), inv = be.zeros(ch);
        be.fill(mean, Float.NaN);
        be.fill(inv, Float.NaN);
        be.batchNorm2dForwardTraining(be.fromHost(c.shape(), in.x()), be.fromHost(ch, in.gamma()),
                be.fromHost(ch, in.beta()), SPEC, rm, rv, y, mean, inv);
        return new float[][] {y.toFloatArray(), rm.toFloatArray(), rv.toFloatArray(), mean.toFloatArray(),
                inv.toFloatArray()};
    }

    private static double varianceRel(long m) {
        return 2 * LAMBDA * Math.sqrt(m) * U + 8 * U;
    }

    @ParameterizedTest(name = "[{0}] {1}")
    @MethodSource("cases")
    void batchNorm2dForwardTraining(BackendUnderTest target, BnCase c) {
        Backend backend = backends.open(target, "batchNorm2dForwardTraining", c);
        Backend reference = backends.reference();
        Inputs in = Inputs.of(c, "batchNorm2dForwardTraining");
        float[][] want = trainingForward(reference, c, in);
        float[][] got = trainingForward(backend, c, in);
        int ch = c.c(), hw = c.shape().dim(2) * c.shape().dim(3);
        long m = c.m();
        double meanRel = LAMBDA * Math.sqrt(m + 1.0) * U;
        double varRel = varianceRel(m);
        String on = " [" + c + "] on " + target;

        double[] meanAbs = new double[ch];
        for (int i = 0; i < in.x().length; i++) {
            meanAbs[(i / hw) % ch] += Math.abs(in.x()[i]) / m;
        }
        float[] meanScale = new float[ch], rmScale = new float[ch], rvScale = new float[ch];
        for (int k = 0; k < ch; k++) {
            meanScale[k] = (float) meanAbs[k];
            rmScale[k] = (float) ((1 - SPEC.momentum()) * Math.abs(in.rm()[k]) + SPEC.momentum() * meanAbs[k]);
            double var = 1 / ((double) want[4][k] * want[4][k]) - SPEC.epsilon();
            rvScale[k] = (float) ((1 - SPEC.momentum()) * in.rv()[k] + SPEC.momentum() * var * m / (m - 1));
        }
        Shape chShape = Shape.of(ch);
        ParityAssertions.assertClose("batchNorm2dForwardTraining 'saveMean'" + on, chShape, got[3], want[3], meanScale,
                new Tolerance(meanRel, 0, "a float sum of M=" + m + " terms, relative to mean|x|"));
        ParityAssertions.assertClose("batchNorm2dForwardTraining 'saveInvStd'" + on, chShape, got[4], want[4], null,
                new Tolerance(varRel / 2 + 2 * U, 0, "half the variance's relative error, plus sqrt and division"));
        ParityAssertions.assertClose("batchNorm2dForwardTraining 'runningMean'" + on, chShape, got[1], want[1], rmScale,
                new Tolerance(meanRel + 4 * U, 0, "the mean's error, and the momentum blend's roundings"));
        ParityAssertions.assertClose("batchNorm2dForwardTraining 'runningVar'" + on, chShape, got[2], want[2], rvScale,
                new Tolerance(varRel + 4 * U, 0, "the variance's error, the M/(M-1) factor and the blend's roundings"));

        // y: allowed = u * scale with scale built from the terms (see the class comment)
        float[] yScale = new float[in.x().length];
        double varUnits = varRel / U, meanUnits = meanRel / U;
        for (int i = 0; i < yScale.length; i++) {
            int k = (i / hw) % ch;
            double gInv = Math.abs(in.gamma()[k]) * want[4][k];
            double mean = want[3][k];
            yScale[i] = (float) (gInv * Math.abs(in.x()[i] - mean) * varUnits + gInv * meanAbs[k] * meanUnits
                    + 4 * (gInv * (Math.abs(in.x()[i]) + Math.abs(mean)) + Math.abs(in.beta()[k])));
        }
        ParityAssertions.assertClose("batchNorm2dForwardTraining 'y'" + on, c.shape(), got[0], want[0], yScale,
                new Tolerance(U, 0, "u * (|gamma| invStd |x - mean| * variance error + |gamma| invStd * mean error"
                        + " + 4 roundings of |gamma| invStd (|x| + |mean|) + |beta|), errors in units of u"));
    }

    @ParameterizedTest(name = "[{0}] {1}")
    @MethodSource("cases")
    void batchNorm2dForwardInference(BackendUnderTest target, BnCase c) {
        Backend backend = backends.open(target, "batchNorm2dForwardInference", c);
        Backend reference = backends.reference();
        Inputs in = Inputs.of(c, "batchNorm2dForwardInference");
        float[] rm = in.rm().clone();
        if (c.offset() != 0) {
            for (int k = 0; k < rm.length; k++) {
                rm[k] += (float) c.offset();
            }
        }
        float[] want = inference(reference, c, in, rm, false);
        float[] got = inference(backend, c, in, rm, false);
        float[] gotInPlace = inference(backend, c, in, rm, true);
        int ch = c.c(), hw = c.shape().dim(2) * c.shape().dim(3);
        float[] scale = new float[want.length];
        for (int i = 0; i < scale.length; i++) {
            int k = (i / hw) % ch;
            double gInv = Math.abs(in.gamma()[k]) / Math.sqrt(in.rv()[k] + (double) SPEC.epsilon());
            scale[i] = (float) (gInv * (Math.abs(in.x()[i]) + Math.abs(rm[k])) + Math.abs(in.beta()[k]));
        }
        Tolerance tol = new Tolerance(6 * U, 0, "about six roundings of |gamma| invStd (|x| + |rm|) + |beta|");
        ParityAssertions.assertClose("batchNorm2dForwardInference 'y' [" + c + "] on " + target, c.shape(), got, want,
                scale, tol);
        ParityAssertions.assertClose("batchNorm2dForwardInference 'y' in place [" + c + "] on " + target, c.shape(),
                gotInPlace, want, scale, tol);
    }

    private static float[] inference(Backend be, BnCase c, Inputs in, float[] rm, boolean inPlace) {
        Shape ch = Shape.of(c.c());
        Tensor x = be.fromHost(c.shape(), in.x());
        Tensor y = inPlace ? x : be.zeros(c.shape());
        be.batchNorm2dForwardInference(x, be.fromHost(ch, in.gamma()), be.fromHost(ch, in.beta()),
                be.fromHost(ch, rm), be.fromHost(ch, in.rv()), SPEC, y);
        return y.toFloatArray();
    }

    @ParameterizedTest(name = "[{0}] {1}")
    @MethodSource("cases")
    void batchNorm2dBackward(BackendUnderTest target, BnCase c) {
        Backend backend = backends.open(target, "batchNorm2dBackward", c);
        Backend reference = backends.reference();
        Inputs in = Inputs.of(c, "batchNorm2dBackward");
        // the saved statistics both backends start from: the reference's
        float[][] saved = trainingForward(reference, c, in);
        float[][] want = backward(reference, c, in, saved[3], saved[4]);
        float[][] got = backward(backend, c, in, saved[3], saved[4]);
        int ch = c.c(), hw = c.shape().dim(2) * c.shape().dim(3);
        long m = c.m();
        double[] sumAbsDy = new double[ch], sumAbsDyXhat = new double[ch];
        for (int i = 0; i < in.x().length; i++) {
            int k = (i / hw) % ch;
            double xhat = ((double) in.x()[i] - saved[3][k]) * saved[4][k];
            sumAbsDy[k] += Math.abs(in.dy()[i]);
            sumAbsDyXhat[k] += Math.abs(in.dy()[i] * xhat);
        }
        float[] dbScale = new float[ch], dgScale = new float[ch];
        for (int k = 0; k < ch; k++) {
            dbScale[k] = (float) sumAbsDy[k];
            dgScale[k] = (float) sumAbsDyXhat[k];
        }
        String on = " [" + c + "] on " + target;
        Shape chShape = Shape.of(ch);
        ParityAssertions.assertClose("batchNorm2dBackward 'dbeta'" + on, chShape, got[2], want[2], dbScale,
                Tolerances.sumOfTerms(m, "dbeta = sum dy"));
        ParityAssertions.assertClose("batchNorm2dBackward 'dgamma'" + on, chShape, got[1], want[1], dgScale,
                Tolerances.sumOfTerms(m + 3, "dgamma = sum dy (x - mean) invStd (a product and a subtraction per term)"));
        float[] dxScale = new float[in.x().length];
        for (int i = 0; i < dxScale.length; i++) {
            int k = (i / hw) % ch;
            double xhat = ((double) in.x()[i] - saved[3][k]) * saved[4][k];
            dxScale[i] = (float) (Math.abs(in.gamma()[k]) * saved[4][k] / m
                    * (m * Math.abs(in.dy()[i]) + sumAbsDy[k] + Math.abs(xhat) * sumAbsDyXhat[k]));
        }
        ParityAssertions.assertClose("batchNorm2dBackward 'dx'" + on, c.shape(), got[0], want[0], dxScale,
                new Tolerance(LAMBDA * Math.sqrt(m + 3.0) * U + 8 * U, 0,
                        "dx = k/M (M dy - dbeta - xhat dgamma): both sums' errors and a few roundings"));
    }

    /** dx, dgamma, dbeta. */
    private static float[][] backward(Backend be, BnCase c, Inputs in, float[] mean, float[] inv) {
        Shape ch = Shape.of(c.c());
        Tensor dx = be.zeros(c.shape()), dg = be.zeros(ch), db = be.zeros(ch);
        be.fill(dx, Float.NaN);
        be.fill(dg, Float.NaN);
        be.fill(db, Float.NaN);
        be.batchNorm2dBackward(be.fromHost(c.shape(), in.x()), be.fromHost(c.shape(), in.dy()),
                be.fromHost(ch, in.gamma()), be.fromHost(ch, mean), be.fromHost(ch, inv), dx, dg, db);
        return new float[][] {dx.toFloatArray(), dg.toFloatArray(), db.toFloatArray()};
    }
}
