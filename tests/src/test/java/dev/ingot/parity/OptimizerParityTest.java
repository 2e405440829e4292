package dev.ingot.parity;

import dev.ingot.core.Backend;
import dev.ingot.core.Shape;
import dev.ingot.core.Tensor;
import dev.ingot.core.spec.AdamSpec;
import dev.ingot.core.spec.SgdSpec;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static dev.ingot.parity.SeededInputs.uniform;

/**
 * Adam and SGD on every backend against the reference, over several consecutive steps with a new
 * gradient each: Adam from step 1 (zero moments, where bias correction matters most) and from step
 * 1000, Keras' defaults and other hyper-parameters; SGD plain, with momentum, and Nesterov. Sizes
 * with tails, and the parameter tensors of the reference models.
 *
 * <p>Before each step the backend's state is set to the reference's, so that every step is checked
 * from identical inputs with a one-step tolerance, instead of letting rounding differences of
 * earlier steps pile up.
 */
class OptimizerParityTest {

    @RegisterExtension
    static final ParityBackends backends = new ParityBackends(ParityLedger.Suite.PARITY);

    private static final int STEPS = 5;

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

    static Stream<Arguments> adamCases() {
        List<AdamCase> cases = new ArrayList<>();
        for (int size : SIZES) {
            cases.add(new AdamCase(size, AdamSpec.keras(), 1));
        }
        cases.add(new AdamCase(4099, AdamSpec.keras(), 1000));
        cases.add(new AdamCase(1000, new AdamSpec(0.01f, 0.8f, 0.99f, 1e-5f), 1));
        cases.add(new AdamCase(17, AdamSpec.withLearningRate(0.1f), 3));
        return ParityCases.onEveryProvider(cases);
    }

    static Stream<Arguments> sgdCases() {
        List<SgdCase> cases = new ArrayList<>();
        for (int size : List.of(1, 17, 4099, 784 * 128)) {
            cases.add(new SgdCase(size, new SgdSpec(0.01f, 0, false)));
            cases.add(new SgdCase(size, new SgdSpec(0.1f, 0.9f, false)));
            cases.add(new SgdCase(size, new SgdSpec(0.05f, 0.5f, true)));
        }
        return ParityCases.onEveryProvider(cases);
    }

    @ParameterizedTest(name = "[{0}] {1}")
    @MethodSource("adamCases")
    void adamStep(BackendUnderTest target, AdamCase c) {
        Backend backend = backends.open(target, "adamStep", c);
        Backend reference = backends.reference();
        SplittableRandom rnd = SeededInputs.random("adamStep " + c);
        Shape shape = Shape.of(c.size());
        float[] p0 = uniform(rnd, c.size(), -2, 2);
        boolean fresh = c.firstStep() == 1;
        Tensor rp = reference.fromHost(shape, p0);
        Tensor rm = reference.fromHost(shape, fresh ? new float[c.size()] : uniform(rnd, c.size(), -0.1, 0.1));
        Tensor rv = reference.fromHost(shape, fresh ? new float[c.size()] : uniform(rnd, c.size(), 0, 0.01));
        Tensor bp = backend.zeros(shape), bm = backend.zeros(shape), bv = backend.zeros(shape);
        AdamSpec spec = c.spec();
        for (long t = c.firstStep(); t < c.firstStep() + STEPS; t++) {
            float[] g = uniform(rnd, c.size(), -2, 2);
            float[] pOld = rp.toFloatArray(), mOld = rm.toFloatArray(), vOld = rv.toFloatArray();
            bp.copyFrom(pOld);
            bm.copyFrom(mOld);
            bv.copyFrom(vOld);
            try (Tensor rg = reference.fromHost(shape, g); Tensor bg = backend.fromHost(shape, g)) {
                reference.adamStep(rp, rg, rm, rv, spec, t);
                backend.adamStep(bp, bg, bm, bv, spec, t);
            }
            float[] p = rp.toFloatArray(), m = rm.toFloatArray(), v = rv.toFloatArray();
            float[] mScale = new float[c.size()], vScale = new float[c.size()], pScale = new float[c.size()];
            double stepSize = spec.stepSize(t);
            for (int i = 0; i < c.size(); i++) {
                mScale[i] = (float) ((double) spec.beta1() * Math.abs(mOld[i]) + (1 - (double) spec.beta1()) * Math.abs(g[i]));
                vScale[i] = (float) (spec.beta2() * vOld[i] + (1 - spec.beta2()) * (double) g[i] * g[i]);
                // The update's magnitude from the magnitude of m's terms: m may cancel to near 0.
                double update = stepSize * mScale[i] / (Math.sqrt(v[i]) + spec.epsilon());
                pScale[i] = (float) (Math.abs(pOld[i]) + update);
            }
            String what = "adamStep [" + c + "] step " + t + " on " + target;
            ParityAssertions.assertClose(what + " 'm'", shape, bm.toFloatArray(), m, mScale, Tolerances.adamMoment());
            ParityAssertions.assertClose(what + " 'v'", shape, bv.toFloatArray(), v, vScale, Tolerances.adamMoment());
            ParityAssertions.assertClose(what + " 'param'", shape, bp.toFloatArray(), p, pScale, Tolerances.adamParam());
        }
    }

    @ParameterizedTest(name = "[{0}] {1}")
    @MethodSource("sgdCases")
    void sgdStep(BackendUnderTest target, SgdCase c) {
        Backend backend = backends.open(target, "sgdStep", c);
        Backend reference = backends.reference();
        SplittableRandom rnd = SeededInputs.random("sgdStep " + c);
        Shape shape = Shape.of(c.size());
        SgdSpec spec = c.spec();
        boolean momentum = spec.momentum() != 0;
        Tensor rp = reference.fromHost(shape, uniform(rnd, c.size(), -2, 2));
        Tensor rvel = momentum ? reference.zeros(shape) : null;
        Tensor bp = backend.zeros(shape);
        Tensor bvel = momentum ? backend.zeros(shape) : null;
        double mu = spec.momentum(), lr = spec.learningRate();
        for (int t = 1; t <= STEPS; t++) {
            float[] g = uniform(rnd, c.size(), -2, 2);
            float[] pOld = rp.toFloatArray();
            float[] velOld = momentum ? rvel.toFloatArray() : new float[c.size()];
            bp.copyFrom(pOld);
            if (momentum) {
                bvel.copyFrom(velOld);
            }
            try (Tensor rg = reference.fromHost(shape, g); Tensor bg = backend.fromHost(shape, g)) {
                reference.sgdStep(rp, rg, rvel, spec);
                backend.sgdStep(bp, bg, bvel, spec);
            }
            float[] velScale = new float[c.size()], pScale = new float[c.size()];
            for (int i = 0; i < c.size(); i++) {
                double vTerms = mu * Math.abs(velOld[i]) + lr * Math.abs(g[i]);
                velScale[i] = (float) vTerms;
                pScale[i] = (float) (Math.abs(pOld[i]) + (spec.nesterov() ? mu * vTerms + lr * Math.abs(g[i]) : vTerms));
            }
            String what = "sgdStep [" + c + "] step " + t + " on " + target;
            if (momentum) {
                ParityAssertions.assertClose(what + " 'velocity'", shape, bvel.toFloatArray(), rvel.toFloatArray(),
                        velScale, Tolerances.sgd());
            }
            ParityAssertions.assertClose(what + " 'param'", shape, bp.toFloatArray(), rp.toFloatArray(), pScale,
                    Tolerances.sgd());
        }
    }
}
