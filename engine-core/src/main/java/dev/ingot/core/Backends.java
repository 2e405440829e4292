package dev.ingot.core;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.ServiceLoader;

/**
 * Finds backends at run time through {@link ServiceLoader}: code that uses the engine names a
 * backend ({@code "cpu"}, {@code "cuda"}, {@code "auto"}) and never imports one.
 */
public final class Backends {
    private Backends() {
    }

    /** Every provider on the class path, highest priority first. */
    public static List<BackendProvider> providers() {
        List<BackendProvider> all = new ArrayList<>();
        for (BackendProvider p : ServiceLoader.load(BackendProvider.class, Backends.class.getClassLoader())) {
            all.add(p);
        }
        all.sort(Comparator.comparingInt(BackendProvider::priority).reversed()
                .thenComparing(BackendProvider::name));
        return all;
    }

    /** The provider called {@code name} (case-insensitive). */
    public static BackendProvider provider(String name) {
        List<BackendProvider> all = providers();
        for (BackendProvider p : all) {
            if (p.name().equalsIgnoreCase(name)) {
                return p;
            }
        }
        throw new IllegalArgumentException("no backend called '" + name + "'; known backends: "
                + all.stream().map(BackendProvider::name).toList() + " (and 'auto')");
    }

    /**
     * A new backend called {@code name}, or the {@link #best()} one for {@code "auto"}.
     *
     * @throws IllegalArgumentException     if no provider has that name
     * @throws BackendUnavailableException if it cannot run here (the message says why)
     */
    public static Backend get(String name) {
        if (name == null) {
            throw new IllegalArgumentException("backend name must not be null");
        }
        if (name.toLowerCase(Locale.ROOT).equals("auto")) {
            return best();
        }
        BackendProvider p = provider(name);
        Availability a = p.probe();
        if (!a.available()) {
            throw new BackendUnavailableException(p.name(), a.reasons());
        }
        return p.create();
    }

    /** A new backend of the highest-priority provider that is available here. */
    public static Backend best() {
        List<String> why = new ArrayList<>();
        for (BackendProvider p : providers()) {
            Availability a = p.probe();
            if (a.available()) {
                return p.create();
            }
            why.add(p.name() + ": " + String.join("; ", a.reasons()));
        }
        throw new BackendUnavailableException("auto", why.isEmpty() ? List.of("no backend on the class path") : why);
    }

    /**
     * Every provider's availability, the reasons when unavailable, and its details (library paths,
     * versions, device): the answer to "which backend will run, and with what?".
     */
    public static String report() {
        StringBuilder sb = new StringBuilder();
        for (BackendProvider p : providers()) {
            Availability a = p.probe();
            sb.append(p.name()).append(": ").append(a.available() ? "available" : "NOT available")
                    .append(" (priority ").append(p.priority()).append(")\n");
            for (String r : a.reasons()) {
                sb.append("  why not: ").append(r).append('\n');
            }
            for (Map.Entry<String, String> e : a.details().entrySet()) {
                sb.append("  ").append(e.getKey()).append(": ").append(e.getValue()).append('\n');
            }
        }
        return sb.toString();
    }
}
