package dev.ingot.cpu.kernels;

import dev.ingot.core.spec.AdamSpec;
import dev.ingot.core.spec.SgdSpec;
import dev.ingot.cpu.parallel.Parallel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Adam and SGD-with-momentum parameter updates, in place, one element at a time. Streaming
 * kernels (Adam reads 4 and writes 3 arrays): vectorised, they run at memory speed; the per-element
 * arithmetic is the same in the lanes and in the scalar tail (Math.fma where the lanes fuse).
 */
public final class OptimizerKernels {
    private OptimizerKernels() {
    }

    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;

    /** Elements per thread; a streaming kernel, like the element-wise ones (see ElementwiseKernels.GRAIN). */
    static final int GRAIN = ElementwiseKernels.GRAIN;

    /**
     * One Keras Adam step ({@link AdamSpec}), with {@code a_t = spec.stepSize(step)} computed once in
     * double on the host:
     * <pre>
     *   m = fma(beta1, m, (1 - beta1) * g)
     *   v = fma(beta2, v, (1 - beta2) * g * g)
     *   p = p - a_t * m / (sqrt(v) + epsilon)
     * </pre>
     * One pass over the four arrays, vector loop and identical scalar tail, split in GRAIN ranges.
     */
    public static void adam(Parallel parallel, float[] p, float[] g, float[] m, float[] v, int n, AdamSpec spec,
                            long step) {
        float beta1 = spec.beta1();
        float beta2 = spec.beta2();
        float oneMinusBeta1 = 1f - beta1;
        float oneMinusBeta2 = 1f - beta2;
        float stepSize = spec.stepSize(step);
        float epsilon = spec.epsilon();
        parallel.forRange(n, GRAIN, (start, end) -> {
            FloatVector beta1s = FloatVector.broadcast(SPECIES, beta1);
            FloatVector beta2s = FloatVector.broadcast(SPECIES, beta2);
            int i = start;
            for (int bound = start + SPECIES.loopBound(end - start); i < bound; i += SPECIES.length()) {
                FloatVector gv = FloatVector.fromArray(SPECIES, g, i);
                FloatVector mv = FloatVector.fromArray(SPECIES, m, i).fma(beta1s, gv.mul(oneMinusBeta1));
                FloatVector vv = FloatVector.fromArray(SPECIES, v, i).fma(beta2s, gv.mul(oneMinusBeta2).mul(gv));
                mv.intoArray(m, i);
                vv.intoArray(v, i);
                FloatVector update = mv.mul(stepSize).div(vv.sqrt().add(epsilon));
                FloatVector.fromArray(SPECIES, p, i).sub(update).intoArray(p, i);
            }
            for (; i < end; i++) {
                float gi = g[i];
                float mi = Math.fma(m[i], beta1, gi * oneMinusBeta1);
                float vi = Math.fma(v[i], beta2, gi * oneMinusBeta2 * gi);
                m[i] = mi;
                v[i] = vi;
                p[i] = p[i] - mi * stepSize / ((float) Math.sqrt(vi) + epsilon);
            }
        });
    }

    /**
     * One Keras SGD step ({@link SgdSpec}):
     * <pre>
     *   no velocity (momentum 0):  p = fma(-lr, g, p)
     *   v = fma(momentum, v, -lr * g)
     *   plain:                     p = p + v
     *   Nesterov:                  p = p + fma(momentum, v, -lr * g)      (with the new v)
     * </pre>
     * With momentum 0 and a velocity buffer given, the velocity is still kept up to date
     * ({@code v = -lr * g}) and the step is the same. One pass, vector loop and identical scalar tail.
     */
    public static void sgd(Parallel parallel, float[] p, float[] g, float[] velocity, int n, SgdSpec spec) {
        float negLr = -spec.learningRate();
        float momentum = spec.momentum();
        if (velocity == null) {
            parallel.forRange(n, GRAIN, (start, end) -> {
                FloatVector negLrs = FloatVector.broadcast(SPECIES, negLr);
                int i = start;
                for (int bound = start + SPECIES.loopBound(end - start); i < bound; i += SPECIES.length()) {
                    FloatVector.fromArray(SPECIES, g, i).fma(negLrs, FloatVector.fromArray(SPECIES, p, i)).intoArray(p, i);
                }
                for (; i < end; i++) {
                    p[i] = Math.fma(g[i], negLr, p[i]);
                }
            });
            return;
        }
        boolean nesterov = spec.nesterov();
        parallel.forRange(n, GRAIN, (start, end) -> {
            FloatVector momenta = FloatVector.broadcast(SPECIES, momentum);
            int i = start;
            for (int bound = start + SPECIES.loopBound(end - start); i < bound; i += SPECIES.length()) {
                FloatVector lrG = FloatVector.fromArray(SPECIES, g, i).mul(negLr);
                FloatVector vv = FloatVector.fromArray(SPECIES, velocity, i).fma(momenta, lrG);
                vv.intoArray(velocity, i);
                FloatVector step = nesterov ? vv.fma(momenta, lrG) : vv;
                FloatVector.fromArray(SPECIES, p, i).add(step).intoArray(p, i);
            }
            for (; i < end; i++) {
                float lrG = g[i] * negLr;
                float vi = Math.fma(velocity[i], momentum, lrG);
                velocity[i] = vi;
                p[i] = p[i] + (nesterov ? Math.fma(vi, momentum, lrG) : vi);
            }
        });
    }

    /**
     * {@link #sgd} with weight decay in the same pass: with {@code coupled = wd} (decoupled: 0) and
     * {@code keep = 1 - lr * wd} computed once in float on the host (coupled: 1),
     * <pre>
     *   g' = fma(coupled, p, g)          coupled L2: the gradient of loss + wd/2 |p|^2
     *   p' = p * keep                    decoupled: the weights shrink before the step
     *   then sgd's update with g' and p'
     * </pre>
     * With the unused term at 0 or 1 these are exact, so each form rounds as the two-pass
     * composition (axpy then sgd, or scale then sgd) does, in one read of p and g. The reference is
     * {@code ReferenceBackend.sgdStep} with the same arguments.
     */
    public static void sgdWithDecay(Parallel parallel, float[] p, float[] g, float[] velocity, int n, SgdSpec spec,
                                    float weightDecay, boolean decoupled) {
        float negLr = -spec.learningRate();
        float momentum = spec.momentum();
        float coupled = decoupled ? 0f : weightDecay;
        float keep = decoupled ? 1f - spec.learningRate() * weightDecay : 1f;
        boolean nesterov = spec.nesterov();
        parallel.forRange(n, GRAIN, (start, end) -> {
            FloatVector momenta = FloatVector.broadcast(SPECIES, momentum);
            FloatVector coupleds = FloatVector.broadcast(SPECIES, coupled);
            FloatVector negLrs = FloatVector.broadcast(SPECIES, negLr);
            int i = start;
            for (int bound = start + SPECIES.loopBound(end - start); i < bound; i += SPECIES.length()) {
                FloatVector pv = FloatVector.fromArray(SPECIES, p, i);
                FloatVector gv = pv.fma(coupleds, FloatVector.fromArray(SPECIES, g, i));
                pv = pv.mul(keep);
                if (velocity == null) {
                    gv.fma(negLrs, pv).intoArray(p, i);
                    continue;
                }
                FloatVector lrG = gv.mul(negLr);
                FloatVector vv = FloatVector.fromArray(SPECIES, velocity, i).fma(momenta, lrG);
                vv.intoArray(velocity, i);
                pv.add(nesterov ? vv.fma(momenta, lrG) : vv).intoArray(p, i);
            }
            for (; i < end; i++) {
                float gi = Math.fma(p[i], coupled, g[i]);
                float pi = p[i] * keep;
                if (velocity == null) {
                    p[i] = Math.fma(gi, negLr, pi);
                    continue;
                }
                float lrG = gi * negLr;
                float vi = Math.fma(velocity[i], momentum, lrG);
                velocity[i] = vi;
                p[i] = pi + (nesterov ? Math.fma(vi, momentum, lrG) : vi);
            }
        });
    }

    /**
     * {@link #adam} with weight decay in the same pass: {@code g' = fma(coupled, p, g)},
     * {@code p' = p * keep} as in {@link #sgdWithDecay}, then Adam's update with g' and p'.
     */
    public static void adamWithDecay(Parallel parallel, float[] p, float[] g, float[] m, float[] v, int n, AdamSpec spec,
                                     long step, float weightDecay, boolean decoupled) {
        float beta1 = spec.beta1();
        float beta2 = spec.beta2();
        float oneMinusBeta1 = 1f - beta1;
        float oneMinusBeta2 = 1f - beta2;
        float stepSize = spec.stepSize(step);
        float epsilon = spec.epsilon();
        float coupled = decoupled ? 0f : weightDecay;
        float keep = decoupled ? 1f - spec.learningRate() * weightDecay : 1f;
        parallel.forRange(n, GRAIN, (start, end) -> {
            FloatVector beta1s = FloatVector.broadcast(SPECIES, beta1);
            FloatVector beta2s = FloatVector.broadcast(SPECIES, beta2);
            FloatVector coupleds = FloatVector.broadcast(SPECIES, coupled);
            int i = start;
            for (int bound = start + SPECIES.loopBound(end - start); i < bound; i += SPECIES.length()) {
                FloatVector pv = FloatVector.fromArray(SPECIES, p, i);
                FloatVector gv = pv.fma(coupleds, FloatVector.fromArray(SPECIES, g, i));
                FloatVector mv = FloatVector.fromArray(SPECIES, m, i).fma(beta1s, gv.mul(oneMinusBeta1));
                FloatVector vv = FloatVector.fromArray(SPECIES, v, i).fma(beta2s, gv.mul(oneMinusBeta2).mul(gv));
                mv.intoArray(m, i);
                vv.intoArray(v, i);
                FloatVector update = mv.mul(stepSize).div(vv.sqrt().add(epsilon));
                pv.mul(keep).sub(update).intoArray(p, i);
            }
            for (; i < end; i++) {
                float gi = Math.fma(p[i], coupled, g[i]);
                float mi = Math.fma(m[i], beta1, gi * oneMinusBeta1);
                float vi = Math.fma(v[i], beta2, gi * oneMinusBeta2 * gi);
                m[i] = mi;
                v[i] = vi;
                p[i] = p[i] * keep - mi * stepSize / ((float) Math.sqrt(vi) + epsilon);
            }
        });
    }
}
