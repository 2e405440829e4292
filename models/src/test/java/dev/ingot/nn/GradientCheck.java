package dev.ingot.nn;

import dev.ingot.core.Backend;
import dev.ingot.core.Shape;
import dev.ingot.core.Tensor;
import dev.ingot.testkit.FiniteDifferences;

import java.util.SplittableRandom;

/**
 * Central finite differences through the {@link Layer} API, with the project's one checker
 * ({@link FiniteDifferences} in testkit, whose rule and error budget apply): builds the layer, runs
 * forward in training mode with a fixed seed (so dropout's mask stays put), takes
 * {@code L = sum(y * g)} for a fixed random {@code g} (so {@code dL/dy = g}), runs backward with
 * {@code g}, and checks the input gradient and every parameter gradient against central differences
 * of L, evaluated in float32 by the backend and summed in double on the host.
 *
 * <p>The layers checked are linear in the perturbed value (conv, linear, pooling, dropout) or
 * piecewise linear with inputs kept {@code > EPS} away from the kinks (ReLU, max-pool), so the
 * central difference is exact up to float32 rounding of L: roughly {@code 1e-7 * sum|y*g| / EPS}.
 * Softmax has an {@code O(EPS^2)} truncation error on top.
 */
final class GradientCheck {
    static final float EPS = 1e-2f;

    private GradientCheck() {
    }

    /** Uniform values in [lo, hi). */
    static float[] uniform(SplittableRandom r, int n, double lo, double hi) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) r.nextDouble(lo, hi);
        }
        return a;
    }

    /** Values in [-1, 1] whose magnitude is at least {@code 3 * EPS}, so ReLU's kink is never crossed. */
    static float[] awayFromZero(SplittableRandom r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            double m = r.nextDouble(3 * EPS, 1);
            a[i] = (float) (r.nextBoolean() ? m : -m);
        }
        return a;
    }

    /** A shuffled arithmetic sequence spaced {@code 4 * EPS} apart: no two values tie within a perturbation. */
    static float[] distinct(SplittableRandom r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) ((i - n / 2.0) * 4 * EPS);
        }
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            float t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
        return a;
    }

    /**
     * Checks {@code layer} on a batch {@code input} of {@code inputShape} (with batch dimension);
     * the layer is built here from {@code perSample} and closed at the end.
     *
     * @param tol relative tolerance of {@link FiniteDifferences}: {@code tol * (|analytic| + mean |analytic|)}
     */
    static void check(Backend b, Layer layer, Shape perSample, float[] input, int batch, long seed, double tol) {
        FiniteDifferences.Steps steps = new FiniteDifferences.Steps(EPS, tol, "layer gradient, h = " + EPS
                + ": linear or piecewise linear away from kinks (softmax: truncation ~h^2), float32 noise ~1e-5");
        try (layer) {
            layer.build(b, perSample, new SplittableRandom(seed));
            int[] xd = new int[perSample.rank() + 1];
            xd[0] = batch;
            System.arraycopy(perSample.dims(), 0, xd, 1, perSample.rank());
            Shape xShape = Shape.of(xd);
            SplittableRandom r = new SplittableRandom(seed + 1);
            Mode mode = Mode.training(seed + 2);
            try (Tensor x = b.fromHost(xShape, input)) {
                Tensor y = layer.forward(x, mode);
                float[] g = uniform(r, (int) y.size(), -1, 1);
                try (Tensor dy = b.fromHost(y.shape(), g)) {
                    Tensor dx = layer.backward(dy, true);
                    FiniteDifferences.assertGradient(layer.kind() + " dx", xShape, input, dx.toFloatArray(),
                            perturbed(layer, mode, g, x, x, input), steps, r);
                    for (Parameter p : layer.parameters()) {
                        float[] values = p.value().toFloatArray();
                        FiniteDifferences.assertGradient(layer.kind() + " d" + p.name(), p.value().shape(), values,
                                p.grad().toFloatArray(), perturbed(layer, mode, g, p.value(), x, values), steps, r);
                    }
                }
            }
        }
    }

    /** L with {@code target} (the input or a parameter) set to the perturbed values, then restored to {@code original}. */
    private static FiniteDifferences.Objective perturbed(Layer layer, Mode mode, float[] g, Tensor target, Tensor input,
                                                         float[] original) {
        return values -> {
            target.copyFrom(values);
            try {
                return objective(layer.forward(input, mode), g);
            } finally {
                target.copyFrom(original);
            }
        };
    }

    static double objective(Tensor y, float[] g) {
        float[] v = y.toFloatArray();
        double s = 0;
        for (int i = 0; i < v.length; i++) {
            s += (double) v[i] * g[i];
        }
        return s;
    }
}
