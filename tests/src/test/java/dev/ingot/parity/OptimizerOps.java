package dev.ingot.parity;

import dev.ingot.core.Backend;
import dev.ingot.core.Shape;
import dev.ingot.core.Tensor;
import dev.ingot.core.spec.AdamSpec;
import dev.ingot.core.spec.SgdSpec;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static dev.ingot.parity.SeededInputs.uniform;
import static dev.ingot.parity.Values.zeros;

/**
 * Adam and SGD over several consecutive steps with a new gradient each: Adam from step 1 (zero
 * moments, where bias correction matters most) and from step 1000, Keras' defaults and other
 * hyper-parameters; SGD plain, with momentum, and Nesterov; both with coupled and decoupled weight
 * decay fused into the step. Sizes with tails, and the parameter tensors of the reference models.
 *
 * <p>One sample is {@link #STEPS} steps. The inputs hold the reference's state before every step
 * (the reference runs the steps once while the inputs are drawn), and the kernel call starts each
 * step from that state: every step is checked from identical inputs with a one-step tolerance,
 * instead of letting rounding differences of earlier steps pile up.
 */
final class OptimizerOps {
    private OptimizerOps() {
    }

    static final int STEPS = 5;

    /** Element counts: tails around the vector width, and the reference models' weight tensors. */
    private static final List<Integer> SIZES = List.of(1, 7, 17, 1000, 4099,
            784 * 128,         // mnist-mlp dense1 kernel
            64 * 32 * 3 * 3,   // conv2 kernels of both CNNs
            1024 * 64);        // cifar10-cnn dense1 kernel

    record AdamCase(int size, AdamSpec spec, long firstStep) {
        @Override
        public String toString() {
            return size + " params, lr " + spec.learningRate() + " betas " + spec.beta1() + "/" + spec.beta2() + " eps "
                    + spec.epsilon() + ", steps " + firstStep + ".." + (firstStep + STEPS - 1);
        }
    }

    record SgdCase(int size, SgdSpec spec) {
        @Override
        public String toString() {
            return size + " params, lr " + spec.learningRate() + " momentum " + spec.momentum()
                    + (spec.nesterov() ? " nesterov" : "") + ", " + STEPS + " steps";
        }
    }

    static List<AdamCase> adamCases() {
        List<AdamCase> cases = new ArrayList<>();
        for (int size : SIZES) {
            cases.add(new AdamCase(size, AdamSpec.keras(), 1));
        }
        cases.add(new AdamCase(4099, AdamSpec.keras(), 1000));
        cases.add(new AdamCase(1000, new AdamSpec(0.01f, 0.8f, 0.99f, 1e-5f), 1));
        cases.add(new AdamCase(17, AdamSpec.withLearningRate(0.1f), 3));
        return cases;
    }

    static List<SgdCase> sgdCases() {
        List<SgdCase> cases = new ArrayList<>();
        for (int size : List.of(1, 17, 4099, 784 * 128)) {
            cases.add(new SgdCase(size, new SgdSpec(0.01f, 0, false)));
            cases.add(new SgdCase(size, new SgdSpec(0.1f, 0.9f, false)));
            cases.add(new SgdCase(size, new SgdSpec(0.05f, 0.5f, true)));
        }
        return cases;
    }

    // ---------------------------------------------------------------- Adam

    /** The reference's state before each step t (p@t, m@t, v@t) and each step's gradient g@t, uniform in [-2, 2). */
    private static Values adamInputs(AdamCase c, SplittableRandom rnd, Backend reference) {
        Shape shape = Shape.of(c.size());
        boolean fresh = c.firstStep() == 1;
        Values in = new Values();
        try (Tensor p = reference.fromHost(shape, uniform(rnd, c.size(), -2, 2));
             Tensor m = reference.fromHost(shape, fresh ? new float[c.size()] : uniform(rnd, c.size(), -0.1, 0.1));
             Tensor v = reference.fromHost(shape, fresh ? new float[c.size()] : uniform(rnd, c.size(), 0, 0.01))) {
            for (long t = c.firstStep(); t < c.firstStep() + STEPS; t++) {
                float[] g = uniform(rnd, c.size(), -2, 2);
                in.read("p@" + t, p).read("m@" + t, m).read("v@" + t, v).put("g@" + t, shape, g);
                try (Tensor tg = reference.fromHost(shape, g)) {
                    reference.adamStep(p, tg, m, v, c.spec(), t);
                }
            }
        }
        return in;
    }

    private static Values adam(Backend b, AdamCase c, Values in) {
        Values out = new Values();
        for (long t = c.firstStep(); t < c.firstStep() + STEPS; t++) {
            Tensor p = in.upload(b, "p@" + t), m = in.upload(b, "m@" + t), v = in.upload(b, "v@" + t);
            b.adamStep(p, in.upload(b, "g@" + t), m, v, c.spec(), t);
            out.read("m step " + t, m).read("v step " + t, v).read("param step " + t, p);
        }
        return out;
    }

    /**
     * m: {@code b1*|m| + (1-b1)*|g|}; v: {@code b2*v + (1-b2)*g^2}; param: {@code |p| + update}, the
     * update's magnitude taken from the magnitude of m's terms (m may cancel to near 0).
     */
    private static Values adamScale(Backend reference, AdamCase c, Values in, OpInfo.Kernel<AdamCase> k) {
        Values after = k.run(reference, c, in);
        Values scale = new Values();
        AdamSpec spec = c.spec();
        Shape shape = Shape.of(c.size());
        for (long t = c.firstStep(); t < c.firstStep() + STEPS; t++) {
            float[] mOld = in.f("m@" + t), vOld = in.f("v@" + t), pOld = in.f("p@" + t), g = in.f("g@" + t);
            float[] v = after.f("v step " + t);
            float[] mScale = new float[c.size()], vScale = new float[c.size()], pScale = new float[c.size()];
            double stepSize = spec.stepSize(t);
            for (int i = 0; i < c.size(); i++) {
                mScale[i] = (float) ((double) spec.beta1() * Math.abs(mOld[i]) + (1 - (double) spec.beta1()) * Math.abs(g[i]));
                vScale[i] = (float) (spec.beta2() * vOld[i] + (1 - spec.beta2()) * (double) g[i] * g[i]);
                double update = stepSize * mScale[i] / (Math.sqrt(v[i]) + spec.epsilon());
                pScale[i] = (float) (Math.abs(pOld[i]) + update);
            }
            scale.put("m step " + t, shape, mScale).put("v step " + t, shape, vScale).put("param step " + t, shape, pScale);
        }
        return scale;
    }

    // ---------------------------------------------------------------- SGD

    private static Values sgdInputs(SgdCase c, SplittableRandom rnd, Backend reference) {
        Shape shape = Shape.of(c.size());
        boolean momentum = c.spec().momentum() != 0;
        Values in = new Values();
        try (Tensor p = reference.fromHost(shape, uniform(rnd, c.size(), -2, 2));
             Tensor vel = reference.zeros(shape)) {
            for (int t = 1; t <= STEPS; t++) {
                float[] g = uniform(rnd, c.size(), -2, 2);
                in.read("p@" + t, p).read("velocity@" + t, vel).put("g@" + t, shape, g);
                try (Tensor tg = reference.fromHost(shape, g)) {
                    reference.sgdStep(p, tg, momentum ? vel : null, c.spec());
                }
            }
        }
        return in;
    }

    private static Values sgd(Backend b, SgdCase c, Values in) {
        boolean momentum = c.spec().momentum() != 0;
        Values out = new Values();
        for (int t = 1; t <= STEPS; t++) {
            Tensor p = in.upload(b, "p@" + t);
            Tensor vel = momentum ? in.upload(b, "velocity@" + t) : null;
            b.sgdStep(p, in.upload(b, "g@" + t), vel, c.spec());
            if (momentum) {
                out.read("velocity step " + t, vel);
            }
            out.read("param step " + t, p);
        }
        return out;
    }

    /** velocity: {@code mu*|v| + lr*|g|}; param: {@code |p|} plus that (Nesterov: {@code mu*} that {@code + lr*|g|}). */
    private static Values sgdScale(Backend reference, SgdCase c, Values in, OpInfo.Kernel<SgdCase> k) {
        double mu = c.spec().momentum(), lr = c.spec().learningRate();
        Shape shape = Shape.of(c.size());
        Values scale = new Values();
        for (int t = 1; t <= STEPS; t++) {
            float[] pOld = in.f("p@" + t), velOld = in.f("velocity@" + t), g = in.f("g@" + t);
            float[] velScale = new float[c.size()], pScale = new float[c.size()];
            for (int i = 0; i < c.size(); i++) {
                double vTerms = mu * Math.abs(velOld[i]) + lr * Math.abs(g[i]);
                velScale[i] = (float) vTerms;
                pScale[i] = (float) (Math.abs(pOld[i]) + (c.spec().nesterov() ? mu * vTerms + lr * Math.abs(g[i]) : vTerms));
            }
            scale.put("velocity step " + t, shape, velScale).put("param step " + t, shape, pScale);
        }
        return scale;
    }

    // ---------------------------------------------------------------- with weight decay, fused

    /** One of the fused decayed steps: SGD ({@code adam} false) or Adam, coupled or decoupled decay {@code wd}. */
    record DecayCase(int size, boolean adam, SgdSpec sgd, float wd, boolean decoupled) {
        AdamSpec adamSpec() {
            return new AdamSpec(0.01f, 0.9f, 0.999f, 1e-7f);
        }

        @Override
        public String toString() {
            return size + " params, " + (adam ? "adam lr 0.01" : "sgd lr " + sgd.learningRate() + " momentum "
                    + sgd.momentum() + (sgd.nesterov() ? " nesterov" : "")) + ", " + (decoupled ? "decoupled" : "coupled")
                    + " decay " + wd + ", " + STEPS + " steps";
        }
    }

    static List<DecayCase> decayCases() {
        List<DecayCase> cases = new ArrayList<>();
        for (int size : List.of(1, 17, 4099, 64 * 32 * 3 * 3)) {
            for (boolean decoupled : new boolean[] {false, true}) {
                cases.add(new DecayCase(size, false, new SgdSpec(0.05f, 0, false), 5e-4f, decoupled));
                cases.add(new DecayCase(size, false, new SgdSpec(0.1f, 0.9f, false), 5e-4f, decoupled));
                cases.add(new DecayCase(size, false, new SgdSpec(1.5f, 0.85f, true), 1.33e-3f, decoupled));
                cases.add(new DecayCase(size, true, null, 0.01f, decoupled));
            }
        }
        return cases;
    }

    private static void decayStep(Backend b, DecayCase c, Tensor p, Tensor g, Tensor s1, Tensor s2, long t) {
        if (c.adam()) {
            b.adamStep(p, g, s1, s2, c.adamSpec(), t, c.wd(), c.decoupled());
        } else {
            b.sgdStep(p, g, c.sgd().momentum() != 0 ? s1 : null, c.sgd(), c.wd(), c.decoupled());
        }
    }

    /** The reference's state before each step (p, and velocity or m and v) and each step's gradient, uniform in [-2, 2). */
    private static Values decayInputs(DecayCase c, SplittableRandom rnd, Backend reference) {
        Shape shape = Shape.of(c.size());
        Values in = new Values();
        try (Tensor p = reference.fromHost(shape, uniform(rnd, c.size(), -2, 2));
             Tensor s1 = reference.zeros(shape); Tensor s2 = reference.zeros(shape)) {
            for (int t = 1; t <= STEPS; t++) {
                float[] g = uniform(rnd, c.size(), -2, 2);
                in.read("p@" + t, p).read("s1@" + t, s1).read("s2@" + t, s2).put("g@" + t, shape, g);
                try (Tensor tg = reference.fromHost(shape, g)) {
                    decayStep(reference, c, p, tg, s1, s2, t);
                }
            }
        }
        return in;
    }

    private static Values decay(Backend b, DecayCase c, Values in) {
        Values out = new Values();
        boolean state = c.adam() || c.sgd().momentum() != 0;
        for (int t = 1; t <= STEPS; t++) {
            Tensor p = in.upload(b, "p@" + t), s1 = in.upload(b, "s1@" + t), s2 = in.upload(b, "s2@" + t);
            Tensor g = in.upload(b, "g@" + t);
            decayStep(b, c, p, g, s1, s2, t);
            if (state) {
                out.read((c.adam() ? "m" : "velocity") + " step " + t, s1);
            }
            if (c.adam()) {
                out.read("v step " + t, s2);
            }
            out.read("param step " + t, p);
            out.read("grad step " + t, g);
        }
        return out;
    }

    /**
     * The magnitudes of the terms, with the decayed gradient's {@code |g| + wd |p|}: velocity
     * {@code mu |v| + lr |g'|}, param {@code |p|} plus the step's terms (Adam: its update from
     * {@code |m|}'s terms), m and v as Adam's, the gradient (left unwritten) {@code |g|}.
     */
    private static Values decayScale(Backend reference, DecayCase c, Values in, OpInfo.Kernel<DecayCase> k) {
        Values after = k.run(reference, c, in);
        Shape shape = Shape.of(c.size());
        Values scale = new Values();
        for (int t = 1; t <= STEPS; t++) {
            float[] pOld = in.f("p@" + t), s1 = in.f("s1@" + t), s2 = in.f("s2@" + t), g = in.f("g@" + t);
            float[] a = new float[c.size()], b2 = new float[c.size()], pScale = new float[c.size()];
            float[] gScale = new float[c.size()];
            for (int i = 0; i < c.size(); i++) {
                double gTerms = Math.abs(g[i]) + (c.decoupled() ? 0 : c.wd() * Math.abs(pOld[i]));
                gScale[i] = Math.abs(g[i]);
                if (c.adam()) {
                    AdamSpec spec = c.adamSpec();
                    a[i] = (float) (spec.beta1() * Math.abs(s1[i]) + (1 - (double) spec.beta1()) * gTerms);
                    b2[i] = (float) (spec.beta2() * s2[i] + (1 - (double) spec.beta2()) * gTerms * gTerms);
                    double update = spec.stepSize(t) * a[i] / (Math.sqrt(after.f("v step " + t)[i]) + spec.epsilon());
                    pScale[i] = (float) (Math.abs(pOld[i]) + update);
                } else {
                    double mu = c.sgd().momentum(), lr = c.sgd().learningRate();
                    double vTerms = mu * Math.abs(s1[i]) + lr * gTerms;
                    a[i] = (float) vTerms;
                    pScale[i] = (float) (Math.abs(pOld[i]) + (c.sgd().nesterov() ? mu * vTerms + lr * gTerms : vTerms));
                }
            }
            if (c.adam()) {
                scale.put("m step " + t, shape, a).put("v step " + t, shape, b2);
            } else if (c.sgd().momentum() != 0) {
                scale.put("velocity step " + t, shape, a);
            }
            scale.put("param step " + t, shape, pScale).put("grad step " + t, shape, gScale);
        }
        return scale;
    }

    private static OpInfo.Rule decayRule(DecayCase c, String output) {
        if (output.startsWith("grad")) {
            return OpInfo.Rule.bits();   // the gradient is read, never written
        }
        Tolerance base = c.adam() ? (output.startsWith("param") ? Tolerances.adamParam() : Tolerances.adamMoment())
                : Tolerances.sgd();
        // The decay adds one product and one rounding (g + wd p, or p * (1 - lr wd)) to each element's sum.
        return OpInfo.Rule.within(new Tolerance(base.rel() + 2 * Tolerances.U, base.abs(),
                base.why() + ", plus the decay's product and rounding"));
    }

    static List<OpInfo<?>> records() {
        return List.of(
                OpInfo.of("adamStep", OptimizerOps::adamCases, OptimizerOps::adamInputs, OptimizerOps::adam,
                                (c, output) -> OpInfo.Rule.within(output.startsWith("param")
                                        ? Tolerances.adamParam() : Tolerances.adamMoment()))
                        .scaledBy(OptimizerOps::adamScale)
                        .rejects(
                                OpInfo.ErrorInput.of("null spec", "adamStep spec null",
                                        b -> b.adamStep(zeros(b, 3), zeros(b, 3), zeros(b, 3), zeros(b, 3), null, 1),
                                        "adamStep", "spec", "null"),
                                OpInfo.ErrorInput.of("adamStep: step 0", "step 0", b -> b.adamStep(zeros(b, 3), zeros(b, 3),
                                        zeros(b, 3), zeros(b, 3), AdamSpec.keras(), 0), "adamStep", "step", "got 0"),
                                OpInfo.ErrorInput.of("adamStep: m is v", "(3)", b -> {
                                    Tensor m = zeros(b, 3);
                                    b.adamStep(zeros(b, 3), zeros(b, 3), m, m, AdamSpec.keras(), 1);
                                }, "adamStep", "'m'", "shares memory", "'v'")),
                OpInfo.of("sgdStep", OptimizerOps::sgdCases, OptimizerOps::sgdInputs, OptimizerOps::sgd,
                                c -> Tolerances.sgd())
                        .scaledBy(OptimizerOps::sgdScale)
                        .rejects(
                                OpInfo.ErrorInput.of("null spec", "sgdStep spec null",
                                        b -> b.sgdStep(zeros(b, 3), zeros(b, 3), null, null), "sgdStep", "spec", "null"),
                                OpInfo.ErrorInput.of("sgdStep: momentum without a velocity buffer",
                                        "momentum 0.9, velocity null",
                                        b -> b.sgdStep(zeros(b, 3), zeros(b, 3), null, new SgdSpec(0.1f, 0.9f, false)),
                                        "sgdStep", "'velocity'", "momentum is 0.9", "[3]")),
                OpInfo.of("sgdStep/adamStep(weight decay)", OptimizerOps::decayCases, OptimizerOps::decayInputs,
                                OptimizerOps::decay, OptimizerOps::decayRule)
                        .scaledBy(OptimizerOps::decayScale)
                        .rejects(
                                OpInfo.ErrorInput.of("sgdStep: negative weight decay", "weightDecay -1",
                                        b -> b.sgdStep(zeros(b, 3), zeros(b, 3), null, new SgdSpec(0.1f, 0f, false), -1f,
                                                false), "sgdStep", "weightDecay", "got -1.0"),
                                OpInfo.ErrorInput.of("adamStep: NaN weight decay", "weightDecay NaN",
                                        b -> b.adamStep(zeros(b, 3), zeros(b, 3), zeros(b, 3), zeros(b, 3), AdamSpec.keras(),
                                                1, Float.NaN, true), "adamStep", "weightDecay", "got NaN"),
                                OpInfo.ErrorInput.of("sgdStep(weight decay): momentum without a velocity buffer",
                                        "momentum 0.9, velocity null", b -> b.sgdStep(zeros(b, 3), zeros(b, 3), null,
                                                new SgdSpec(0.1f, 0.9f, false), 1e-4f, true),
                                        "sgdStep", "'velocity'", "momentum is 0.9")));
    }
}
