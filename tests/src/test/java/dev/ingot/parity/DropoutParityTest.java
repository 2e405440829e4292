package dev.ingot.parity;

import dev.ingot.core.Backend;
import dev.ingot.core.Shape;
import dev.ingot.core.Tensor;
import dev.ingot.core.spec.DropoutSpec;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static dev.ingot.parity.SeededInputs.uniform;

/**
 * {@code dropoutForward} on every backend against the reference. The mask must match bit for bit:
 * it is a pure function of (seed, element index), so a backend that splits the work differently
 * (threads, blocks) must still make the reference's mask. Rates 0 to 0.9, seeds including negative
 * and large ones, sizes with tails, in place, and the mnist-mlp dropout layer's (batch, 128).
 */
class DropoutParityTest {

    @RegisterExtension
    static final ParityBackends backends = new ParityBackends(ParityLedger.Suite.PARITY);

    record DropoutCase(Shape shape, float rate, long seed, boolean inPlace) {
        @Override
        public String toString() {
            return shape + " rate " + rate + " seed " + seed + (inPlace ? " in place" : "");
        }
    }

    static Stream<Arguments> cases() {
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
        return ParityCases.onEveryProvider(cases);
    }

    @ParameterizedTest(name = "[{0}] {1}")
    @MethodSource("cases")
    void dropoutForward(BackendUnderTest target, DropoutCase c) {
        Backend backend = backends.open(target, "dropoutForward", c);
        Backend reference = backends.reference();
        float[] x = uniform(SeededInputs.random("dropoutForward " + c), (int) c.shape().size(), -2, 2);
        float[][] expected = run(reference, c, x);
        float[][] actual = run(backend, c, x);
        String what = "dropoutForward [" + c + "] on " + target;
        ParityAssertions.assertBitsEqual(what + " 'mask'", c.shape(), actual[1], expected[1]);
        ParityAssertions.assertClose(what + " 'y'", c.shape(), actual[0], expected[0], null, Tolerances.dropout());
    }

    /** {y, mask}. */
    private static float[][] run(Backend be, DropoutCase c, float[] xValues) {
        Tensor x = be.fromHost(c.shape(), xValues);
        Tensor y = c.inPlace() ? x : be.zeros(c.shape());
        Tensor mask = be.zeros(c.shape());
        be.fill(mask, Float.NaN);
        if (!c.inPlace()) {
            be.fill(y, Float.NaN);
        }
        be.dropoutForward(x, new DropoutSpec(c.rate(), c.seed()), y, mask);
        return new float[][] {y.toFloatArray(), mask.toFloatArray()};
    }
}
