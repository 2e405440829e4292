package dev.ingot.core;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a {@link BackendProvider#probe() probe} found: whether the backend can run here, the reasons
 * if it cannot (no driver, no cuDNN, ...), and details worth printing either way (library paths,
 * versions, device name, vector width).
 *
 * @param available whether {@link BackendProvider#create()} will succeed
 * @param reasons   why it is not available; empty when it is
 * @param details   ordered name/value facts for diagnostics
 */
public record Availability(boolean available, List<String> reasons, Map<String, String> details) {

    public Availability {
        reasons = List.copyOf(reasons);
        details = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(details));
        if (available && !reasons.isEmpty()) {
            throw new IllegalArgumentException("an available backend has no reasons to be unavailable: " + reasons);
        }
        if (!available && reasons.isEmpty()) {
            throw new IllegalArgumentException("an unavailable backend must say why");
        }
    }

    public static Availability available(Map<String, String> details) {
        return new Availability(true, List.of(), details);
    }

    public static Availability unavailable(List<String> reasons, Map<String, String> details) {
        return new Availability(false, reasons, details);
    }
}
