package dev.ingot.parity;

import dev.ingot.core.Backend;
import dev.ingot.testkit.FiniteDifferences;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * Every gradient relation of every {@link OpTable} record, by central differences of its forward
 * kernel ({@link FiniteDifferences}, the one checker), on the reference and every provider: counted
 * in the gradcheck line of the summary.
 */
class OpGradientCheckTest {

    @RegisterExtension
    static final ParityBackends backends = new ParityBackends(ParityLedger.Suite.GRADCHECK);

    /** One case of one gradient relation. */
    record GradientCase<G>(OpInfo.Gradient<G> gradient, G c) {
        void check(ParityBackends backends, BackendUnderTest target) {
            Backend b = backends.open(target, gradient.name(), c);
            SplittableRandom rnd = SeededInputs.random("grad " + gradient.name() + " " + c);
            Values in = gradient.inputs().draw(c, rnd, backends.reference());
            float[] analytic = gradient.analytic().run(b, c, in).first().floats();
            ParityLedger.observe(FiniteDifferences.assertGradient(
                    gradient.name() + " dL/d" + gradient.wrt() + " [" + c + "] on " + target.name(),
                    in.shape(gradient.wrt()), in.f(gradient.wrt()), analytic,
                    x -> gradient.objective(b, c, in, x), gradient.steps().apply(c), rnd));
        }

        @Override
        public String toString() {
            return gradient.name() + " " + c;
        }
    }

    static Stream<Arguments> cases() {
        return ParityCases.onReferenceAndEveryProvider(OpTable.all().stream()
                .flatMap(op -> op.gradients().stream())
                .flatMap(OpGradientCheckTest::casesOf)
                .toList());
    }

    private static <G> Stream<GradientCase<G>> casesOf(OpInfo.Gradient<G> g) {
        return g.cases().stream().map(c -> new GradientCase<>(g, c));
    }

    @ParameterizedTest(name = "[{0}] {1}")
    @MethodSource("cases")
    void gradient(BackendUnderTest target, GradientCase<?> c) {
        c.check(backends, target);
    }
}
