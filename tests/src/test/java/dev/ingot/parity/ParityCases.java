package dev.ingot.parity;

import org.junit.jupiter.params.provider.Arguments;

import java.util.List;
import java.util.stream.Stream;

/** The parameter streams of the suites: every backend under test crossed with every shape case. */
public final class ParityCases {
    private ParityCases() {
    }

    /** (provider, case) for every provider {@code Backends.providers()} finds, available or not. */
    public static Stream<Arguments> onEveryProvider(List<?> cases) {
        return cross(BackendUnderTest.providers(), cases);
    }

    /** (backend, case) for the reference and every provider. */
    public static Stream<Arguments> onReferenceAndEveryProvider(List<?> cases) {
        return cross(BackendUnderTest.referenceAndProviders(), cases);
    }

    private static Stream<Arguments> cross(List<BackendUnderTest> backends, List<?> cases) {
        return backends.stream().flatMap(b -> cases.stream().map(c -> Arguments.of(b, c)));
    }
}
