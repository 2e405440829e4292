package dev.ingot.nn;

import dev.ingot.core.Backend;
import dev.ingot.core.Shape;
import dev.ingot.core.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Central finite differences through the {@link Layer} API: builds the layer, runs forward in
 * training mode with a fixed seed (so dropout's mask stays put), takes {@code L = sum(y * g)} for a
 * fixed random {@code g} (so {@code dL/dy = g}), runs backward with {@code g}, and compares the
 * input gradient and every parameter gradient with {@code (L(v + eps) - L(v - eps)) / (2 eps)},
 * evaluated in float32 by the backend and summed in double on the host.
 *
 * <p>Tolerance: an element passes when {@code |analytic - numeric| <= atol + rtol * |numeric|}.
 * The layers checked are linear in the perturbed value (conv, linear, pooling, dropout) or
 * piecewise linear with inputs kept {@code > eps} away from the kinks (ReLU, max-pool), so the
 * central difference is exact up to float32 rounding of L: roughly {@code 1e-7 * sum|y*g| / eps}.
 * Softmax has an {@code O(eps^2)} truncation error on top.
 */
final class GradientCheck {
    static final float EPS = 1e-2f;
    private static final int MAX_CHECKED = 60;

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
     */
    static void check(Backend b, Layer layer, Shape perSample, float[] input, int batch, long seed,
                      double atol, double rtol) {
        try (layer) {
            Shape outPerSample = layer.build(b, perSample, new SplittableRandom(seed));
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
                    List<String> failures = new ArrayList<>();
                    compare(layer.kind() + " dx", dx.toFloatArray(), x, input, layer, mode, g, r, atol, rtol, failures);
                    for (Parameter p : layer.parameters()) {
                        float[] values = p.value().toFloatArray();
                        compare(layer.kind() + " d" + p.name(), p.grad().toFloatArray(), p.value(), values, layer,
                                mode, g, r, atol, rtol, failures, x);
                    }
                    if (!failures.isEmpty()) {
                        fail(failures.size() + " gradient mismatches (atol " + atol + ", rtol " + rtol + "):\n  "
                                + String.join("\n  ", failures.subList(0, Math.min(10, failures.size()))));
                    }
                }
            }
        }
    }

    private static void compare(String what, float[] analytic, Tensor x, float[] values, Layer layer, Mode mode,
                                float[] g, SplittableRandom r, double atol, double rtol, List<String> failures) {
        compare(what, analytic, x, values, layer, mode, g, r, atol, rtol, failures, x);
    }

    /** Perturbs elements of {@code target} (the input or a parameter) and re-runs forward on {@code input}. */
    private static void compare(String what, float[] analytic, Tensor target, float[] values, Layer layer, Mode mode,
                                float[] g, SplittableRandom r, double atol, double rtol, List<String> failures,
                                Tensor input) {
        int n = values.length;
        int[] indices = n <= MAX_CHECKED ? range(n) : r.ints(MAX_CHECKED, 0, n).toArray();
        for (int i : indices) {
            float saved = values[i];
            values[i] = saved + EPS;
            target.copyFrom(values);
            double plus = objective(layer.forward(input, mode), g);
            values[i] = saved - EPS;
            target.copyFrom(values);
            double minus = objective(layer.forward(input, mode), g);
            values[i] = saved;
            target.copyFrom(values);
            double numeric = (plus - minus) / (2.0 * EPS);
            double err = Math.abs(analytic[i] - numeric);
            if (!(err <= atol + rtol * Math.abs(numeric))) {
                failures.add(what + "[" + i + "]: analytic " + analytic[i] + ", numeric " + numeric + ", |error| " + err);
            }
        }
    }

    static double objective(Tensor y, float[] g) {
        float[] v = y.toFloatArray();
        double s = 0;
        for (int i = 0; i < v.length; i++) {
            s += (double) v[i] * g[i];
        }
        return s;
    }

    private static int[] range(int n) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) {
            a[i] = i;
        }
        return a;
    }
}
