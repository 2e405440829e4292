package dev.ingot.parity;

import dev.ingot.core.Backend;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.Stream;

/**
 * Every error input of every {@link OpTable} record on the reference and every provider: the call
 * must be rejected before any work, with the exception type and message fragments the record names
 * (op, argument, shapes). Counted in the bad-input line of the summary. Bad input that belongs to
 * no one kernel (ownership, lifetime, host copies) stays in {@link BadInputTest}.
 */
class OpBadInputTest {

    @RegisterExtension
    static final ParityBackends backends = new ParityBackends(ParityLedger.Suite.BAD_INPUT);

    static Stream<Arguments> cases() {
        return ParityCases.onReferenceAndEveryProvider(OpTable.all().stream().flatMap(op -> op.errors().stream()).toList());
    }

    @ParameterizedTest(name = "[{0}] {1}")
    @MethodSource("cases")
    void rejected(BackendUnderTest target, OpInfo.ErrorInput e) {
        Backend b = backends.open(target, e.label(), e.args());
        BadInputTest.assertRejects(e.type(), () -> e.call().run(b), e.fragments().toArray(String[]::new));
    }
}
