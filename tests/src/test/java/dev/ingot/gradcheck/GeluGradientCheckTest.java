package dev.ingot.gradcheck;

import dev.ingot.core.Backend;
import dev.ingot.core.Shape;
import dev.ingot.core.Tensor;
import dev.ingot.core.TensorScope;
import dev.ingot.core.spec.GeluApproximation;
import dev.ingot.parity.BackendUnderTest;
import dev.ingot.parity.ParityBackends;
import dev.ingot.parity.ParityCases;
import dev.ingot.parity.ParityLedger;
import dev.ingot.parity.SeededInputs;
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
 * GELU's backward pass, exact and tanh forms, against central differences of its forward pass
 * ({@code L = sum(r * gelu(x))}, x in [-4, 4]), on the reference and every available backend.
 * Smooth: {@link Steps#SMOOTH}.
 */
class GeluGradientCheckTest {

    @RegisterExtension
    static final ParityBackends backends = new ParityBackends(ParityLedger.Suite.GRADCHECK);

    record GeluCase(GeluApproximation form, Shape shape) {
        @Override
        public String toString() {
            return form + " " + shape;
        }
    }

    static Stream<Arguments> cases() {
        List<GeluCase> cases = new ArrayList<>();
        for (GeluApproximation form : GeluApproximation.values()) {
            cases.add(new GeluCase(form, Shape.of(3, 17)));
            cases.add(new GeluCase(form, Shape.of(2, 3, 4, 5)));
        }
        return ParityCases.onReferenceAndEveryProvider(cases);
    }

    @ParameterizedTest(name = "[{0}] {1}")
    @MethodSource("cases")
    void geluBackward(BackendUnderTest target, GeluCase c) {
        Backend be = backends.open(target, "geluBackward", c);
        SplittableRandom rnd = SeededInputs.random("grad geluBackward " + c);
        float[] x = uniform(rnd, (int) c.shape().size(), -4, 4);
        float[] r = uniform(rnd, x.length, -1, 1);
        Tensor dx = be.zeros(c.shape());
        be.geluBackward(be.fromHost(c.shape(), x), be.fromHost(c.shape(), r), c.form(), dx);
        FiniteDifferences.assertGradient("geluBackward dL/dx [" + c + "] on " + target, c.shape(), x,
                dx.toFloatArray(), xs -> {
                    try (TensorScope _ = TensorScope.open()) {
                        Tensor y = be.zeros(c.shape());
                        be.geluForward(be.fromHost(c.shape(), xs), c.form(), y);
                        return FiniteDifferences.dot(r, y.toFloatArray());
                    }
                }, Steps.SMOOTH.h(), Steps.SMOOTH.tol(), Steps.SMOOTH.why(), rnd);
    }
}
