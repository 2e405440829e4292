package dev.ingot.nn;

import dev.ingot.core.Backend;
import dev.ingot.core.Shape;
import dev.ingot.core.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@link GradientCheck}'s method for a whole {@link Model}: {@code L = sum(y * g)} for a fixed
 * random {@code g}, one backward pass with {@code g}, and every parameter's gradient (up to 40
 * elements each) against central differences of L. Checks the wiring of a graph: the
 * fan-out sums, the residual additions, the concatenation split.
 */
final class ModelGradientCheck {
    private static final int MAX_CHECKED = 40;

    private ModelGradientCheck() {
    }

    /** {@code model} built here on {@code perSample}, checked on a batch of {@code batch} uniform inputs, closed. */
    static void check(Backend b, Model model, Shape perSample, int batch, long seed, double eps, double atol,
                      double rtol) {
        try (model) {
            if (!model.isBuilt()) {
                model.build(b, perSample, seed);
            }
            SplittableRandom r = new SplittableRandom(seed + 1);
            Shape xShape = LayerState.batched(perSample, batch);
            float[] input = GradientCheck.uniform(r, (int) xShape.size(), -1, 1);
            Mode mode = Mode.training(seed + 2);
            try (Tensor x = b.fromHost(xShape, input)) {
                Tensor y = model.forward(x, mode);
                float[] g = GradientCheck.uniform(r, (int) y.size(), -1, 1);
                List<String> failures = new ArrayList<>();
                try (Tensor dy = b.fromHost(y.shape(), g)) {
                    model.backward(dy);
                }
                for (Parameter p : model.trainableParameters()) {
                    float[] analytic = p.grad().toFloatArray();
                    float[] values = p.value().toFloatArray();
                    int n = values.length;
                    int[] indices = n <= MAX_CHECKED ? java.util.stream.IntStream.range(0, n).toArray()
                            : r.ints(MAX_CHECKED, 0, n).toArray();
                    for (int i : indices) {
                        float saved = values[i];
                        values[i] = (float) (saved + eps);
                        p.value().copyFrom(values);
                        double plus = GradientCheck.objective(model.forward(x, mode), g);
                        values[i] = (float) (saved - eps);
                        p.value().copyFrom(values);
                        double minus = GradientCheck.objective(model.forward(x, mode), g);
                        values[i] = saved;
                        p.value().copyFrom(values);
                        double numeric = (plus - minus) / (2 * eps);
                        double err = Math.abs(analytic[i] - numeric);
                        if (!(err <= atol + rtol * Math.abs(numeric))) {
                            failures.add(p.name() + "[" + i + "]: analytic " + analytic[i] + ", numeric " + numeric);
                        }
                    }
                }
                if (!failures.isEmpty()) {
                    fail(failures.size() + " gradient mismatches (atol " + atol + ", rtol " + rtol + "):\n  "
                            + String.join("\n  ", failures.subList(0, Math.min(10, failures.size()))));
                }
            }
        }
    }
}
