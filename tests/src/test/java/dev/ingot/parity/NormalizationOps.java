package dev.ingot.parity;

import dev.ingot.core.Backend;
import dev.ingot.core.Shape;
import dev.ingot.core.Tensor;
import dev.ingot.core.spec.BatchNormSpec;
import dev.ingot.testkit.FiniteDifferences.Steps;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static dev.ingot.parity.SeededInputs.uniform;
import static dev.ingot.parity.Tolerances.LAMBDA;
import static dev.ingot.parity.Tolerances.U;
import static dev.ingot.parity.Values.stale;
import static dev.ingot.parity.Values.zeros;

/**
 * Batch normalisation (training forward with its running-statistics update and saved statistics,
 * inference forward, fused backward): planes around the vector widths (1x1 up to 32x32, 15/16/17
 * wide), channel counts of ResNet-20, a mean far from zero (50 with unit spread: a variance formula
 * that cancels fails it), and inference in place; the backward pass against central differences of
 * the training forward pass.
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
final class NormalizationOps {
    private NormalizationOps() {
    }

    /** {@code offset}: the inputs' centre (0, or 50 for the far-mean case). */
    record BnCase(Shape shape, double offset) {
        @Override
        public String toString() {
            return shape + (offset == 0 ? "" : " mean " + offset);
        }

        int c() {
            return shape.dim(1);
        }

        int hw() {
            return shape.dim(2) * shape.dim(3);
        }

        long m() {
            return (long) shape.dim(0) * shape.dim(2) * shape.dim(3);
        }

        Shape channels() {
            return Shape.of(c());
        }
    }

    static List<BnCase> cases() {
        List<BnCase> cases = new ArrayList<>();
        for (Shape s : List.of(Shape.of(2, 2, 1, 1), Shape.of(2, 3, 4, 5), Shape.of(3, 2, 1, 15), Shape.of(2, 3, 4, 4),
                Shape.of(2, 3, 1, 17), Shape.of(4, 16, 8, 8), Shape.of(8, 16, 32, 32), Shape.of(16, 64, 8, 8))) {
            cases.add(new BnCase(s, 0));
        }
        cases.add(new BnCase(Shape.of(3, 4, 7, 9), 50));
        cases.add(new BnCase(Shape.of(2, 3, 1, 17), 50));
        return cases;
    }

    private static final BatchNormSpec SPEC = new BatchNormSpec(1e-5f, 0.1f);

    /** x around the case's centre, gamma in [0.5, 1.5), beta in [-1, 1), running mean and variance, dy. */
    private static Values inputs(BnCase c, SplittableRandom rnd, Backend reference) {
        int n = (int) c.shape().size(), ch = c.c();
        Shape chs = c.channels();
        return new Values().put("x", c.shape(), uniform(rnd, n, c.offset() - 2, c.offset() + 2))
                .put("gamma", chs, uniform(rnd, ch, 0.5, 1.5)).put("beta", chs, uniform(rnd, ch, -1, 1))
                .put("runningMean", chs, uniform(rnd, ch, -1, 1)).put("runningVar", chs, uniform(rnd, ch, 0.5, 2))
                .put("dy", c.shape(), uniform(rnd, n, -1, 1));
    }

    // ---------------------------------------------------------------- training forward

    private static Values training(Backend b, BnCase c, Values in) {
        Tensor y = stale(b, c.shape());
        Tensor rm = in.upload(b, "runningMean"), rv = in.upload(b, "runningVar");
        Tensor mean = stale(b, c.channels()), inv = stale(b, c.channels());
        b.batchNorm2dForwardTraining(in.upload(b, "x"), in.upload(b, "gamma"), in.upload(b, "beta"), SPEC, rm, rv, y,
                mean, inv);
        return new Values().read("saveMean", mean).read("saveInvStd", inv).read("runningMean", rm)
                .read("runningVar", rv).read("y", y);
    }

    private static double meanRel(BnCase c) {
        return LAMBDA * Math.sqrt(c.m() + 1.0) * U;
    }

    private static double varianceRel(BnCase c) {
        return 2 * LAMBDA * Math.sqrt(c.m()) * U + 8 * U;
    }

    private static double[] meanAbs(BnCase c, float[] x) {
        double[] meanAbs = new double[c.c()];
        for (int i = 0; i < x.length; i++) {
            meanAbs[(i / c.hw()) % c.c()] += Math.abs(x[i]) / c.m();
        }
        return meanAbs;
    }

    private static Values trainingScale(Backend reference, BnCase c, Values in, OpInfo.Kernel<BnCase> k) {
        Values want = k.run(reference, c, in);
        float[] x = in.f("x"), gamma = in.f("gamma"), beta = in.f("beta"), rm = in.f("runningMean"), rv = in.f("runningVar");
        float[] saveMean = want.f("saveMean"), saveInvStd = want.f("saveInvStd");
        int ch = c.c();
        long m = c.m();
        double[] meanAbs = meanAbs(c, x);
        float[] meanScale = new float[ch], rmScale = new float[ch], rvScale = new float[ch];
        for (int j = 0; j < ch; j++) {
            meanScale[j] = (float) meanAbs[j];
            rmScale[j] = (float) ((1 - SPEC.momentum()) * Math.abs(rm[j]) + SPEC.momentum() * meanAbs[j]);
            double var = 1 / ((double) saveInvStd[j] * saveInvStd[j]) - SPEC.epsilon();
            rvScale[j] = (float) ((1 - SPEC.momentum()) * rv[j] + SPEC.momentum() * var * m / (m - 1));
        }
        // y: allowed = u * scale with scale built from the terms (see the class comment)
        float[] yScale = new float[x.length];
        double varUnits = varianceRel(c) / U, meanUnits = meanRel(c) / U;
        for (int i = 0; i < yScale.length; i++) {
            int j = (i / c.hw()) % ch;
            double gInv = Math.abs(gamma[j]) * saveInvStd[j];
            double mean = saveMean[j];
            yScale[i] = (float) (gInv * Math.abs(x[i] - mean) * varUnits + gInv * meanAbs[j] * meanUnits
                    + 4 * (gInv * (Math.abs(x[i]) + Math.abs(mean)) + Math.abs(beta[j])));
        }
        return new Values().put("saveMean", c.channels(), meanScale).put("runningMean", c.channels(), rmScale)
                .put("runningVar", c.channels(), rvScale).put("y", c.shape(), yScale);
    }

    private static Tolerance trainingTolerance(BnCase c, String output) {
        double meanRel = meanRel(c), varRel = varianceRel(c);
        return switch (output) {
            case "saveMean" -> new Tolerance(meanRel, 0, "a float sum of M=" + c.m() + " terms, relative to mean|x|");
            case "saveInvStd" -> new Tolerance(varRel / 2 + 2 * U, 0, "half the variance's relative error, plus sqrt and division");
            case "runningMean" -> new Tolerance(meanRel + 4 * U, 0, "the mean's error, and the momentum blend's roundings");
            case "runningVar" -> new Tolerance(varRel + 4 * U, 0,
                    "the variance's error, the M/(M-1) factor and the blend's roundings");
            default -> new Tolerance(U, 0, "u * (|gamma| invStd |x - mean| * variance error + |gamma| invStd * mean error"
                    + " + 4 roundings of |gamma| invStd (|x| + |mean|) + |beta|), errors in units of u");
        };
    }

    // ---------------------------------------------------------------- inference forward

    /** As {@link #inputs}, with the running mean moved to the case's centre. */
    private static Values inferenceInputs(BnCase c, SplittableRandom rnd, Backend reference) {
        Values in = inputs(c, rnd, reference);
        float[] rm = in.f("runningMean").clone();
        for (int j = 0; j < rm.length; j++) {
            rm[j] += (float) c.offset();
        }
        return in.with("runningMean", rm);
    }

    /** Out of place and in place ({@code y = x}). */
    private static Values inference(Backend b, BnCase c, Values in) {
        Values out = new Values();
        for (boolean inPlace : new boolean[] {false, true}) {
            Tensor x = in.upload(b, "x");
            Tensor y = inPlace ? x : stale(b, c.shape());
            b.batchNorm2dForwardInference(x, in.upload(b, "gamma"), in.upload(b, "beta"), in.upload(b, "runningMean"),
                    in.upload(b, "runningVar"), SPEC, y);
            out.read(inPlace ? "y in place" : "y", y);
        }
        return out;
    }

    private static Values inferenceScale(Backend reference, BnCase c, Values in, OpInfo.Kernel<BnCase> k) {
        float[] x = in.f("x"), gamma = in.f("gamma"), beta = in.f("beta"), rm = in.f("runningMean"), rv = in.f("runningVar");
        float[] scale = new float[x.length];
        for (int i = 0; i < scale.length; i++) {
            int j = (i / c.hw()) % c.c();
            double gInv = Math.abs(gamma[j]) / Math.sqrt(rv[j] + (double) SPEC.epsilon());
            scale[i] = (float) (gInv * (Math.abs(x[i]) + Math.abs(rm[j])) + Math.abs(beta[j]));
        }
        return new Values().put("y", c.shape(), scale).put("y in place", c.shape(), scale);
    }

    // ---------------------------------------------------------------- backward

    /** As {@link #inputs}, plus the saved statistics both backends start from: the reference's. */
    private static Values backwardInputs(BnCase c, SplittableRandom rnd, Backend reference) {
        Values in = inputs(c, rnd, reference);
        Values saved = training(reference, c, in);
        return in.put("saveMean", c.channels(), saved.f("saveMean"))
                .put("saveInvStd", c.channels(), saved.f("saveInvStd"));
    }

    private static Values backward(Backend b, BnCase c, Values in) {
        Tensor dx = stale(b, c.shape()), dg = stale(b, c.channels()), db = stale(b, c.channels());
        b.batchNorm2dBackward(in.upload(b, "x"), in.upload(b, "dy"), in.upload(b, "gamma"), in.upload(b, "saveMean"),
                in.upload(b, "saveInvStd"), dx, dg, db);
        return new Values().read("dbeta", db).read("dgamma", dg).read("dx", dx);
    }

    private static Values backwardScale(Backend reference, BnCase c, Values in, OpInfo.Kernel<BnCase> k) {
        float[] x = in.f("x"), dy = in.f("dy"), gamma = in.f("gamma"), mean = in.f("saveMean"), inv = in.f("saveInvStd");
        int ch = c.c();
        long m = c.m();
        double[] sumAbsDy = new double[ch], sumAbsDyXhat = new double[ch];
        for (int i = 0; i < x.length; i++) {
            int j = (i / c.hw()) % ch;
            double xhat = ((double) x[i] - mean[j]) * inv[j];
            sumAbsDy[j] += Math.abs(dy[i]);
            sumAbsDyXhat[j] += Math.abs(dy[i] * xhat);
        }
        float[] dbScale = new float[ch], dgScale = new float[ch];
        for (int j = 0; j < ch; j++) {
            dbScale[j] = (float) sumAbsDy[j];
            dgScale[j] = (float) sumAbsDyXhat[j];
        }
        float[] dxScale = new float[x.length];
        for (int i = 0; i < dxScale.length; i++) {
            int j = (i / c.hw()) % ch;
            double xhat = ((double) x[i] - mean[j]) * inv[j];
            dxScale[i] = (float) (Math.abs(gamma[j]) * inv[j] / m
                    * (m * Math.abs(dy[i]) + sumAbsDy[j] + Math.abs(xhat) * sumAbsDyXhat[j]));
        }
        return new Values().put("dbeta", c.channels(), dbScale).put("dgamma", c.channels(), dgScale)
                .put("dx", c.shape(), dxScale);
    }

    private static Tolerance backwardTolerance(BnCase c, String output) {
        long m = c.m();
        return switch (output) {
            case "dbeta" -> Tolerances.sumOfTerms(m, "dbeta = sum dy");
            case "dgamma" -> Tolerances.sumOfTerms(m + 3,
                    "dgamma = sum dy (x - mean) invStd (a product and a subtraction per term)");
            default -> new Tolerance(LAMBDA * Math.sqrt(m + 3.0) * U + 8 * U, 0,
                    "dx = k/M (M dy - dbeta - xhat dgamma): both sums' errors and a few roundings");
        };
    }

    // ---------------------------------------------------------------- gradient relations

    /**
     * {@code L = sum(r * y)} of the training forward pass (BatchNormSpec.DEFAULT): dL/dx is smooth (x
     * enters through the batch mean and variance), dL/dgamma and dL/dbeta linear; the latter two also
     * with {@code dx = null}. Shapes with 1x1 planes (M = N), odd planes, and several channels.
     */
    private static final List<Shape> GRAD_SHAPES = List.of(Shape.of(4, 2, 1, 1), Shape.of(2, 3, 3, 3),
            Shape.of(3, 2, 2, 5));

    private static Values gradInputs(Shape s, SplittableRandom rnd, Backend reference) {
        Shape ch = Shape.of(s.dim(1));
        return new Values().put("x", s, uniform(rnd, (int) s.size(), -2, 2)).put("gamma", ch, uniform(rnd, s.dim(1), 0.5, 1.5))
                .put("beta", ch, uniform(rnd, s.dim(1), -1, 1)).put("r", s, uniform(rnd, (int) s.size(), -1, 1));
    }

    private static Values trainingOutput(Backend b, Shape s, Values in) {
        Shape ch = Shape.of(s.dim(1));
        Tensor y = b.zeros(s);
        b.batchNorm2dForwardTraining(in.upload(b, "x"), in.upload(b, "gamma"), in.upload(b, "beta"),
                BatchNormSpec.DEFAULT, b.zeros(ch), b.zeros(ch), y, b.zeros(ch), b.zeros(ch));
        return new Values().read("y", y);
    }

    /** The backend's own forward statistics, then the fused backward with dy = r; output {@code which}. */
    private static OpInfo.Kernel<Shape> gradient(String which, boolean withDx) {
        return (b, s, in) -> {
            Shape ch = Shape.of(s.dim(1));
            Tensor x = in.upload(b, "x"), gamma = in.upload(b, "gamma");
            Tensor mean = b.zeros(ch), inv = b.zeros(ch);
            b.batchNorm2dForwardTraining(x, gamma, in.upload(b, "beta"), BatchNormSpec.DEFAULT, b.zeros(ch), b.zeros(ch),
                    b.zeros(s), mean, inv);
            Tensor dx = withDx ? b.zeros(s) : null;
            Tensor dg = b.zeros(ch), db = b.zeros(ch);
            b.batchNorm2dBackward(x, in.upload(b, "r"), gamma, mean, inv, dx, dg, db);
            return new Values().read(which, switch (which) {
                case "dx" -> dx;
                case "dgamma" -> dg;
                default -> db;
            });
        };
    }

    private static OpInfo.Gradient<Shape> relation(String name, String wrt, String which, boolean withDx, Steps steps) {
        return new OpInfo.Gradient<>(name, GRAD_SHAPES, NormalizationOps::gradInputs, wrt,
                NormalizationOps::trainingOutput, gradient(which, withDx), s -> steps);
    }

    // ---------------------------------------------------------------- the records

    static List<OpInfo<?>> records() {
        return List.of(
                OpInfo.of("batchNorm2dForwardTraining", NormalizationOps::cases, NormalizationOps::inputs,
                                NormalizationOps::training,
                                (c, output) -> OpInfo.Rule.within(trainingTolerance(c, output)))
                        .scaledBy(NormalizationOps::trainingScale)
                        .rejects(
                                OpInfo.ErrorInput.of("batchNorm2dForwardTraining: 'gamma' of the wrong shape", "x (2,3,4,4) gamma (4)",
                                        b -> b.batchNorm2dForwardTraining(zeros(b, 2, 3, 4, 4), zeros(b, 4), zeros(b, 3),
                                                BatchNormSpec.DEFAULT, zeros(b, 3), zeros(b, 3), zeros(b, 2, 3, 4, 4),
                                                zeros(b, 3), zeros(b, 3)),
                                        "batchNorm2dForwardTraining", "'gamma'", "[4]", "expected [3]"),
                                OpInfo.ErrorInput.of("batchNorm2dForwardTraining: x of rank 3", "x (3,4,4)",
                                        b -> b.batchNorm2dForwardTraining(zeros(b, 3, 4, 4), zeros(b, 3), zeros(b, 3),
                                                BatchNormSpec.DEFAULT, zeros(b, 3), zeros(b, 3), zeros(b, 3, 4, 4),
                                                zeros(b, 3), zeros(b, 3)),
                                        "batchNorm2dForwardTraining", "'x'", "rank 4", "[3, 4, 4]"),
                                OpInfo.ErrorInput.of("batchNorm2dForwardTraining: y is x", "x (2,3,4,4)", b -> {
                                    Tensor x = zeros(b, 2, 3, 4, 4);
                                    b.batchNorm2dForwardTraining(x, zeros(b, 3), zeros(b, 3), BatchNormSpec.DEFAULT,
                                            zeros(b, 3), zeros(b, 3), x, zeros(b, 3), zeros(b, 3));
                                }, "batchNorm2dForwardTraining", "'y'", "'x'", "shares memory"),
                                OpInfo.ErrorInput.of("batchNorm2dForwardTraining: one value per channel", "x (1,3,1,1)",
                                        b -> b.batchNorm2dForwardTraining(zeros(b, 1, 3, 1, 1), zeros(b, 3), zeros(b, 3),
                                                BatchNormSpec.DEFAULT, zeros(b, 3), zeros(b, 3), zeros(b, 1, 3, 1, 1),
                                                zeros(b, 3), zeros(b, 3)),
                                        "batchNorm2dForwardTraining", "[1, 3, 1, 1]", "at least 2 values per channel"),
                                OpInfo.ErrorInput.of("batchNorm2dForwardTraining: runningVar is runningMean", "x (2,3,4,4)", b -> {
                                    Tensor rm = zeros(b, 3);
                                    b.batchNorm2dForwardTraining(zeros(b, 2, 3, 4, 4), zeros(b, 3), zeros(b, 3),
                                            BatchNormSpec.DEFAULT, rm, rm, zeros(b, 2, 3, 4, 4), zeros(b, 3), zeros(b, 3));
                                }, "batchNorm2dForwardTraining", "'runningVar'", "'runningMean'", "shares memory"),
                                OpInfo.ErrorInput.of("batchNorm2dForwardTraining: null spec", "x (2,3,4,4)",
                                        b -> b.batchNorm2dForwardTraining(zeros(b, 2, 3, 4, 4), zeros(b, 3), zeros(b, 3),
                                                null, zeros(b, 3), zeros(b, 3), zeros(b, 2, 3, 4, 4), zeros(b, 3), zeros(b, 3)),
                                        "batchNorm2dForwardTraining", "spec")),
                OpInfo.of("batchNorm2dForwardInference", NormalizationOps::cases, NormalizationOps::inferenceInputs,
                                NormalizationOps::inference,
                                c -> new Tolerance(6 * U, 0, "about six roundings of |gamma| invStd (|x| + |rm|) + |beta|"))
                        .scaledBy(NormalizationOps::inferenceScale)
                        .rejects(
                                OpInfo.ErrorInput.of("batchNorm2dForwardInference: 'runningVar' of the wrong shape",
                                        "x (2,3,4,4) runningVar (3,1)",
                                        b -> b.batchNorm2dForwardInference(zeros(b, 2, 3, 4, 4), zeros(b, 3), zeros(b, 3),
                                                zeros(b, 3), zeros(b, 3, 1), BatchNormSpec.DEFAULT, zeros(b, 2, 3, 4, 4)),
                                        "batchNorm2dForwardInference", "'runningVar'", "[3, 1]", "expected [3]"),
                                OpInfo.ErrorInput.of("batchNorm2dForwardInference: 'y' of the wrong shape",
                                        "x (2,3,4,4) y (2,3,4,5)",
                                        b -> b.batchNorm2dForwardInference(zeros(b, 2, 3, 4, 4), zeros(b, 3), zeros(b, 3),
                                                zeros(b, 3), zeros(b, 3), BatchNormSpec.DEFAULT, zeros(b, 2, 3, 4, 5)),
                                        "batchNorm2dForwardInference", "'y'", "[2, 3, 4, 5]", "expected [2, 3, 4, 4]")),
                OpInfo.of("batchNorm2dBackward", NormalizationOps::cases, NormalizationOps::backwardInputs,
                                NormalizationOps::backward,
                                (c, output) -> OpInfo.Rule.within(backwardTolerance(c, output)))
                        .scaledBy(NormalizationOps::backwardScale)
                        .gradient(relation("batchNorm2dBackward dx", "x", "dx", true, Steps.SMOOTH))
                        .gradient(relation("batchNorm2dBackward dgamma", "gamma", "dgamma", true, Steps.LINEAR))
                        .gradient(relation("batchNorm2dBackward dbeta", "beta", "dbeta", true, Steps.LINEAR))
                        .gradient(relation("batchNorm2dBackward dgamma (dx null)", "gamma", "dgamma", false, Steps.LINEAR))
                        .gradient(relation("batchNorm2dBackward dbeta (dx null)", "beta", "dbeta", false, Steps.LINEAR))
                        .rejects(
                                OpInfo.ErrorInput.of("batchNorm2dBackward: 'dy' of the wrong shape", "x (2,3,4,4) dy (2,3,4,5)",
                                        b -> b.batchNorm2dBackward(zeros(b, 2, 3, 4, 4), zeros(b, 2, 3, 4, 5), zeros(b, 3),
                                                zeros(b, 3), zeros(b, 3), zeros(b, 2, 3, 4, 4), zeros(b, 3), zeros(b, 3)),
                                        "batchNorm2dBackward", "'dy'", "[2, 3, 4, 5]", "expected [2, 3, 4, 4]"),
                                OpInfo.ErrorInput.of("batchNorm2dBackward: dx is dy", "x (2,3,4,4)", b -> {
                                    Tensor dy = zeros(b, 2, 3, 4, 4);
                                    b.batchNorm2dBackward(zeros(b, 2, 3, 4, 4), dy, zeros(b, 3), zeros(b, 3), zeros(b, 3),
                                            dy, zeros(b, 3), zeros(b, 3));
                                }, "batchNorm2dBackward", "'dx'", "'dy'", "shares memory"),
                                OpInfo.ErrorInput.of("batchNorm2dBackward: dbeta is dgamma", "x (2,3,4,4)", b -> {
                                    Tensor dg = zeros(b, 3);
                                    b.batchNorm2dBackward(zeros(b, 2, 3, 4, 4), zeros(b, 2, 3, 4, 4), zeros(b, 3),
                                            zeros(b, 3), zeros(b, 3), null, dg, dg);
                                }, "batchNorm2dBackward", "'dbeta'", "'dgamma'", "shares memory"),
                                OpInfo.ErrorInput.of("batchNorm2dBackward: 'saveMean' of the wrong shape", "x (2,3,4,4) saveMean (2)",
                                        b -> b.batchNorm2dBackward(zeros(b, 2, 3, 4, 4), zeros(b, 2, 3, 4, 4), zeros(b, 3),
                                                zeros(b, 2), zeros(b, 3), null, zeros(b, 3), zeros(b, 3)),
                                        "batchNorm2dBackward", "'saveMean'", "[2]", "expected [3]")));
    }
}
