package dev.ingot.cpu.kernels;

import dev.ingot.core.spec.AdamSpec;
import dev.ingot.core.spec.SgdSpec;
import dev.ingot.cpu.parallel.Parallel;
import org.junit.jupiter.api.Test;

import static dev.ingot.cpu.kernels.OpsAssert.LENGTHS;
import static dev.ingot.cpu.kernels.OpsAssert.ONE_THREAD;
import static dev.ingot.cpu.kernels.OpsAssert.TWO_THREADS;
import static dev.ingot.cpu.kernels.OpsAssert.assertBitsEqual;
import static dev.ingot.cpu.kernels.OpsAssert.assertClose;
import static dev.ingot.cpu.kernels.OpsAssert.toDouble;
import static dev.ingot.cpu.kernels.OpsAssert.uniform;

/**
 * Several optimizer steps against the same formulas in double.
 *
 * <p>Tolerances: each float step rounds a handful of operations (about 4 ulp of the update), and
 * ten steps accumulate that, while the parameters move by about lr per step; so parameters are
 * compared with atol 1e-6 (1e-3 of a 1e-3 step) and rtol 1e-6, moments with rtol 1e-5.
 */
class OptimizerKernelsTest {
    private static final int STEPS = 10;

    @Test
    void adamFollowsTheKerasUpdate() {
        AdamSpec spec = AdamSpec.keras();
        for (Parallel parallel : new Parallel[] {ONE_THREAD, TWO_THREADS}) {
            for (int n : LENGTHS) {
                float[] p = uniform(n, n), m = new float[n], v = new float[n];
                double[] pd = toDouble(p), md = new double[n], vd = new double[n];
                for (int step = 1; step <= STEPS; step++) {
                    float[] g = uniform(n * 100L + step, n);
                    if (step == 3) {
                        java.util.Arrays.fill(g, 0, Math.min(n, 5), 0f);
                    }
                    double at = spec.learningRate() * Math.sqrt(1 - Math.pow(spec.beta2(), step))
                            / (1 - Math.pow(spec.beta1(), step));
                    for (int i = 0; i < n; i++) {
                        md[i] = spec.beta1() * md[i] + (1 - (double) spec.beta1()) * g[i];
                        vd[i] = spec.beta2() * vd[i] + (1 - (double) spec.beta2()) * g[i] * g[i];
                        pd[i] -= at * md[i] / (Math.sqrt(vd[i]) + spec.epsilon());
                    }
                    OptimizerKernels.adam(parallel, p, g, m, v, n, spec, step);
                }
                String where = " n=" + n + ", " + parallel.threads() + " threads";
                assertClose("adam m" + where, m, md, 1e-7, 1e-5);
                assertClose("adam v" + where, v, vd, 1e-9, 1e-5);
                assertClose("adam p" + where, p, pd, 1e-6, 1e-6);
            }
        }
    }

    @Test
    void adamIsBitIdenticalOnOneAndTwoThreads() {
        int n = 100003;
        AdamSpec spec = AdamSpec.withLearningRate(0.01f);
        float[][] one = {uniform(1, n), new float[n], new float[n]};
        float[][] two = {uniform(1, n), new float[n], new float[n]};
        for (int step = 1; step <= 3; step++) {
            float[] g = uniform(step, n);
            OptimizerKernels.adam(ONE_THREAD, one[0], g, one[1], one[2], n, spec, step);
            OptimizerKernels.adam(TWO_THREADS, two[0], g, two[1], two[2], n, spec, step);
        }
        assertBitsEqual("adam params", two[0], one[0]);
        assertBitsEqual("adam m", two[1], one[1]);
        assertBitsEqual("adam v", two[2], one[2]);
    }

    @Test
    void sgdPlainNesterovAndWithoutMomentum() {
        SgdSpec[] specs = {new SgdSpec(0.1f, 0f, false), new SgdSpec(0.05f, 0.9f, false), new SgdSpec(0.05f, 0.9f, true)};
        for (Parallel parallel : new Parallel[] {ONE_THREAD, TWO_THREADS}) {
            for (SgdSpec spec : specs) {
                for (boolean withVelocity : new boolean[] {true, false}) {
                    if (!withVelocity && spec.momentum() != 0) {
                        continue;
                    }
                    for (int n : LENGTHS) {
                        float[] p = uniform(n, n);
                        float[] velocity = withVelocity ? new float[n] : null;
                        double[] pd = toDouble(p), vd = new double[n];
                        for (int step = 1; step <= STEPS; step++) {
                            float[] g = uniform(n * 10L + step, n);
                            for (int i = 0; i < n; i++) {
                                vd[i] = spec.momentum() * vd[i] - (double) spec.learningRate() * g[i];
                                pd[i] += spec.nesterov() ? spec.momentum() * vd[i] - (double) spec.learningRate() * g[i] : vd[i];
                            }
                            OptimizerKernels.sgd(parallel, p, g, velocity, n, spec);
                        }
                        String where = " " + spec + (withVelocity ? "" : " without velocity") + " n=" + n + ", "
                                + parallel.threads() + " threads";
                        assertClose("sgd p" + where, p, pd, 1e-6, 1e-6);
                        if (withVelocity) {
                            assertClose("sgd velocity" + where, velocity, vd, 1e-7, 1e-5);
                        }
                    }
                }
            }
        }
    }

    /**
     * The fused weight-decay steps round as the two-pass compositions they replace: without decay
     * exactly as {@link OptimizerKernels#sgd} / {@link OptimizerKernels#adam}; decoupled exactly as
     * {@code p *= 1 - lr wd} then the step; coupled exactly as {@code g = fma(p, wd, g)} then the step.
     * The gradient is never written.
     */
    @Test
    void fusedWeightDecayMatchesTheComposedPasses() {
        int n = 1037;
        for (SgdSpec spec : new SgdSpec[] {new SgdSpec(0.05f, 0, false), new SgdSpec(0.1f, 0.9f, false),
                new SgdSpec(1.5f, 0.85f, true)}) {
            for (float wd : new float[] {0f, 1.33e-3f}) {
                for (boolean decoupled : new boolean[] {false, true}) {
                    float[] p = uniform(3, n), g = uniform(4, n), gCopy = g.clone();
                    float[] pRef = p.clone(), gRef = g.clone();
                    float[] vel = spec.momentum() == 0 ? null : uniform(5, n), velRef = vel == null ? null : vel.clone();
                    for (int i = 0; i < n; i++) {
                        if (decoupled) {
                            pRef[i] *= 1f - spec.learningRate() * wd;
                        } else {
                            gRef[i] = Math.fma(p[i], wd, g[i]);
                        }
                    }
                    OptimizerKernels.sgd(ONE_THREAD, pRef, gRef, velRef, n, spec);
                    OptimizerKernels.sgdWithDecay(TWO_THREADS, p, g, vel, n, spec, wd, decoupled);
                    String where = spec + " wd " + wd + (decoupled ? " decoupled" : " coupled");
                    assertBitsEqual("sgd p " + where, pRef, p);
                    if (vel != null) {
                        assertBitsEqual("sgd velocity " + where, velRef, vel);
                    }
                    assertBitsEqual("gradient untouched " + where, gCopy, g);
                }
            }
        }
        AdamSpec spec = new AdamSpec(0.01f, 0.9f, 0.999f, 1e-7f);
        for (float wd : new float[] {0f, 0.01f}) {
            for (boolean decoupled : new boolean[] {false, true}) {
                float[] p = uniform(6, n), g = uniform(7, n), m = uniform(8, n), v = uniform(9, n);
                for (int i = 0; i < n; i++) {
                    v[i] = Math.abs(v[i]);
                }
                float[] pRef = p.clone(), gRef = g.clone(), mRef = m.clone(), vRef = v.clone();
                for (int i = 0; i < n; i++) {
                    if (decoupled) {
                        pRef[i] *= 1f - spec.learningRate() * wd;
                    } else {
                        gRef[i] = Math.fma(p[i], wd, g[i]);
                    }
                }
                OptimizerKernels.adam(ONE_THREAD, pRef, gRef, mRef, vRef, n, spec, 3);
                OptimizerKernels.adamWithDecay(TWO_THREADS, p, g, m, v, n, spec, 3, wd, decoupled);
                String where = "wd " + wd + (decoupled ? " decoupled" : " coupled");
                assertBitsEqual("adam p " + where, pRef, p);
                assertBitsEqual("adam m " + where, mRef, m);
                assertBitsEqual("adam v " + where, vRef, v);
            }
        }
    }
}
