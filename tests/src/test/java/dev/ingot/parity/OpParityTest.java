package dev.ingot.parity;

import dev.ingot.core.Backend;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.Stream;

/**
 * Every sample of every {@link OpTable} record on every provider {@code Backends.providers()} finds,
 * against the reference: one test per (backend, kernel, sample), counted in the parity line of the
 * summary.
 */
class OpParityTest {

    @RegisterExtension
    static final ParityBackends backends = new ParityBackends(ParityLedger.Suite.PARITY);

    /** One sample of one kernel, named {@code "kernel sample"} in test reports. */
    record OpSample<C>(OpInfo<C> op, C sample) {
        void check(ParityBackends backends, BackendUnderTest target) {
            Backend b = backends.open(target, op.name(), sample);
            op.checkParity(b, backends.reference(), target.name(), sample);
        }

        @Override
        public String toString() {
            return op.name() + " " + sample;
        }
    }

    static Stream<Arguments> samples() {
        return ParityCases.onEveryProvider(OpTable.all().stream().flatMap(OpParityTest::samplesOf).toList());
    }

    private static <C> Stream<OpSample<C>> samplesOf(OpInfo<C> op) {
        return op.samples().get().stream().map(c -> new OpSample<>(op, c));
    }

    @ParameterizedTest(name = "[{0}] {1}")
    @MethodSource("samples")
    void parity(BackendUnderTest target, OpSample<?> s) {
        s.check(backends, target);
    }
}
