package dev.ingot.core;

import java.util.List;
import java.util.Map;

/**
 * Two providers registered for engine-core's tests only (src/test/resources/META-INF/services), so
 * that {@link Backends} can be tested without a real backend on the class path: one available with
 * a low priority, one unavailable with a higher priority (like a GPU on a machine without a driver).
 */
public final class FixtureProviders {
    private FixtureProviders() {
    }

    /** Available, priority 1: what "auto" must pick here. */
    public static final class Available implements BackendProvider {
        @Override
        public String name() {
            return "fixture-array";
        }

        @Override
        public int priority() {
            return 1;
        }

        @Override
        public Availability probe() {
            return Availability.available(Map.of("kind", "engine-core test fixture"));
        }

        @Override
        public Backend create() {
            return new ArrayBackend(name()).backend();
        }
    }

    /** Unavailable, priority 100: outranks the available one but must never be created. */
    public static final class Missing implements BackendProvider {
        @Override
        public String name() {
            return "fixture-missing";
        }

        @Override
        public int priority() {
            return 100;
        }

        @Override
        public Availability probe() {
            return Availability.unavailable(List.of("no fixture device", "no fixture driver"),
                    Map.of("searched", "/nowhere"));
        }

        @Override
        public Backend create() {
            throw new BackendUnavailableException(name(), probe().reasons());
        }
    }
}
