package dev.ingot.core;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Discovery through ServiceLoader, with the two fixture providers of engine-core's test resources. */
class BackendsTest {

    @Test
    void providersAreSortedByPriority() {
        List<String> names = Backends.providers().stream().map(BackendProvider::name).toList();
        assertEquals(List.of("fixture-missing", "fixture-array"), names);
    }

    @Test
    void providerLookupIsCaseInsensitive() {
        assertEquals("fixture-array", Backends.provider("FIXTURE-Array").name());
    }

    @Test
    void anUnknownNameListsTheKnownOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Backends.get("tpu"));
        assertTrue(e.getMessage().contains("'tpu'") && e.getMessage().contains("fixture-missing")
                && e.getMessage().contains("fixture-array") && e.getMessage().contains("auto"), e.getMessage());
    }

    @Test
    void aNullNameIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> Backends.get(null));
    }

    @Test
    void autoPicksTheBestAvailableBackend() {
        try (Backend b = Backends.get("auto"); Backend best = Backends.best(); Backend byCase = Backends.get("AUTO")) {
            assertEquals("fixture-array", b.name(), "the unavailable higher-priority provider is skipped");
            assertEquals("fixture-array", best.name());
            assertEquals("fixture-array", byCase.name());
        }
    }

    @Test
    void anUnavailableBackendSaysWhy() {
        BackendUnavailableException e = assertThrows(BackendUnavailableException.class,
                () -> Backends.get("fixture-missing"));
        assertEquals("fixture-missing", e.backend());
        assertEquals(List.of("no fixture device", "no fixture driver"), e.reasons());
        assertTrue(e.getMessage().contains("no fixture device; no fixture driver"), e.getMessage());
    }

    @Test
    void getByNameCreatesANewBackend() {
        try (Backend a = Backends.get("fixture-array"); Backend b = Backends.get("fixture-array")) {
            assertTrue(a != b, "each get() returns a new backend the caller owns");
        }
    }

    @Test
    void reportListsEveryProviderWithReasonsAndDetails() {
        String report = Backends.report();
        assertTrue(report.contains("fixture-missing: NOT available (priority 100)"), report);
        assertTrue(report.contains("why not: no fixture device"), report);
        assertTrue(report.contains("searched: /nowhere"), report);
        assertTrue(report.contains("fixture-array: available (priority 1)"), report);
        assertTrue(report.contains("kind: engine-core test fixture"), report);
    }
}
