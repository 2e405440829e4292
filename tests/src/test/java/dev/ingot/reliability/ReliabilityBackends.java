package dev.ingot.reliability;

import dev.ingot.core.Backend;
import dev.ingot.core.BackendProvider;
import dev.ingot.core.Backends;

import java.util.ArrayList;
import java.util.List;

/**
 * The backends the reliability tests hold to the rules: every provider that can run here (the
 * ones that cannot are named with their reason on stdout, once).
 */
final class ReliabilityBackends {
    private ReliabilityBackends() {
    }

    /** Names of the providers that can run here. */
    private static final java.util.Set<String> ANNOUNCED = java.util.concurrent.ConcurrentHashMap.newKeySet();

    static List<String> available() {
        List<String> names = new ArrayList<>();
        for (BackendProvider p : Backends.providers()) {
            if (p.probe().available()) {
                names.add(p.name());
            } else if (ANNOUNCED.add(p.name())) {
                String why = String.valueOf(p.probe().reasons());
                System.out.println("reliability tests: skipped on [" + p.name() + "]: "
                        + (why.length() > 160 ? why.substring(0, 160) + "..." : why));
            }
        }
        return names;
    }

    static Backend open(String name) {
        return Backends.get(name);
    }
}
