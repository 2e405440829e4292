package dev.ingot.parity;

import dev.ingot.core.Backend;
import dev.ingot.core.Shape;
import dev.ingot.core.Tensor;
import dev.ingot.core.spec.DropoutSpec;
import dev.ingot.testkit.FiniteDifferences.Steps;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static dev.ingot.parity.SeededInputs.uniform;
import static dev.ingot.parity.Values.stale;
import static dev.ingot.parity.Values.zeros;

/**
 * dropoutForward: the mask bit for bit (every backend makes the same mask for the same seed) and
 * the output, for rates 0 to 0.9, several seeds (0, negative, Long.MAX_VALUE), tails, in place, and
 * the mnist-mlp dropout at batch 32; its gradient {@code dx = multiply(dy, mask)} against central
 * differences.
 */
final class DropoutOps {
    private DropoutOps() {
    }

    record DropoutCase(Shape shape, float rate, long seed, boolean inPlace) {
        @Override
        public String toString() {
            return shape + " rate " + rate + " seed " + seed + (inPlace ? " in place" : "");
        }
    }

    static List<DropoutCase> cases() {
        List<DropoutCase> cases = new ArrayList<>();
        long[] seeds = {0, 42, -7, Long.MAX_VALUE, 0x5DEECE66DL};
        int s = 0;
        for (Shape shape : List.of(Shape.of(1), Shape.of(17), Shape.of(1000), Shape.of(4099), Shape.of(3, 5, 7))) {
            for (float rate : new float[] {0f, 0.2f, 0.5f, 0.9f}) {
                cases.add(new DropoutCase(shape, rate, seeds[s++ % seeds.length], false));
            }
        }
        cases.add(new DropoutCase(Shape.of(4099), 0.5f, 1234, true));
        cases.add(new DropoutCase(Shape.of(ReferenceModelLayers.BATCH, 128), 0.2f, 20240601L, false));
        cases.add(new DropoutCase(Shape.of(ReferenceModelLayers.BATCH, 128), 0.2f, 20240602L, true));
        return cases;
    }

    private static Values forward(Backend b, DropoutCase c, Values in) {
        Tensor x = in.upload(b, "x");
        Tensor y = c.inPlace() ? x : stale(b, c.shape());
        Tensor mask = stale(b, c.shape());
        b.dropoutForward(x, new DropoutSpec(c.rate(), c.seed()), y, mask);
        return new Values().read("y", y).read("mask", mask);
    }

    private static OpInfo.Rule rule(DropoutCase c, String output) {
        return output.equals("mask") ? OpInfo.Rule.bits() : OpInfo.Rule.within(Tolerances.dropout());
    }

    private static final DropoutSpec GRAD_SPEC = new DropoutSpec(0.3f, 99);

    /** {@code L = sum(r * dropout(x))}; dx = multiply(r, mask). */
    private static final OpInfo.Gradient<Shape> GRADIENT = new OpInfo.Gradient<>("dropoutForward dx = multiply(dy, mask)",
            ElementwiseOps.BIAS_SHAPES,
            (s, rnd, ref) -> {
                float[] x = uniform(rnd, (int) s.size(), -2, 2);
                return new Values().put("x", s, x).put("r", s, uniform(rnd, x.length, -1, 1));
            }, "x",
            (b, s, in) -> {
                Tensor y = b.zeros(s);
                b.dropoutForward(in.upload(b, "x"), GRAD_SPEC, y, b.zeros(s));
                return new Values().read("y", y);
            },
            (b, s, in) -> {
                Tensor mask = b.zeros(s);
                b.dropoutForward(in.upload(b, "x"), GRAD_SPEC, b.zeros(s), mask);
                Tensor dx = b.zeros(s);
                b.multiply(in.upload(b, "r"), mask, dx);
                return new Values().read("dx", dx);
            }, s -> Steps.LINEAR);

    static List<OpInfo<?>> records() {
        return List.of(OpInfo.of("dropoutForward", DropoutOps::cases,
                        (c, rnd, ref) -> new Values().put("x", c.shape(), uniform(rnd, (int) c.shape().size(), -2, 2)),
                        DropoutOps::forward, DropoutOps::rule)
                .gradient(GRADIENT)
                .rejects(
                        OpInfo.ErrorInput.of("null spec", "dropoutForward spec null",
                                b -> b.dropoutForward(zeros(b, 3), null, zeros(b, 3), zeros(b, 3)),
                                "dropoutForward", "spec", "null"),
                        OpInfo.ErrorInput.of("dropoutForward: mask is x", "(8)", b -> {
                            Tensor x = zeros(b, 8);
                            b.dropoutForward(x, new DropoutSpec(0.5f, 1), zeros(b, 8), x);
                        }, "dropoutForward", "'mask'", "shares memory", "'x'")));
    }
}
