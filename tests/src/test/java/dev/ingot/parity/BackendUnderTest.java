package dev.ingot.parity;

import dev.ingot.core.Availability;
import dev.ingot.core.Backend;
import dev.ingot.core.BackendProvider;
import dev.ingot.core.Backends;
import dev.ingot.reference.ReferenceBackend;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * One backend the suites run against, as a test parameter: every provider {@link Backends#providers()}
 * finds (so a new backend needs no new test code), and, for suites that hold the oracle to its own
 * promises too (gradient checks, bad input), the {@link ReferenceBackend}.
 *
 * @param name         the backend's name, as it appears in test names and the ledger
 * @param availability what the provider's probe said (the reference is always available)
 * @param factory      makes a new instance; only called when available
 */
public record BackendUnderTest(String name, Availability availability, Supplier<Backend> factory) {

    private static final List<BackendUnderTest> PROVIDERS = discover();

    private static List<BackendUnderTest> discover() {
        List<BackendUnderTest> all = new ArrayList<>();
        for (BackendProvider p : Backends.providers()) {
            Availability availability;
            Supplier<Backend> factory = p::create;
            try {
                availability = p.probe();
            } catch (RuntimeException | LinkageError e) {
                // The contract says probe() never throws. Not a reason to skip: every case of this
                // provider fails, naming the broken probe.
                availability = Availability.available(Map.of());
                factory = () -> {
                    throw new AssertionError("probe() of backend provider '" + p.name()
                            + "' threw, which BackendProvider forbids (it must report problems as reasons)", e);
                };
            }
            all.add(new BackendUnderTest(p.name(), availability, factory));
        }
        return List.copyOf(all);
    }

    /** Every provider on the class path, highest priority first, whether available here or not. */
    public static List<BackendUnderTest> providers() {
        return PROVIDERS;
    }

    /** The reference backend followed by every provider. */
    public static List<BackendUnderTest> referenceAndProviders() {
        List<BackendUnderTest> all = new ArrayList<>();
        all.add(new BackendUnderTest("reference", Availability.available(Map.of()), ReferenceBackend::new));
        all.addAll(PROVIDERS);
        return all;
    }

    public boolean available() {
        return availability.available();
    }

    /** Why it cannot run here; empty when it can. */
    public String unavailableReason() {
        return String.join("; ", availability.reasons());
    }

    @Override
    public String toString() {
        return name;
    }
}
