package dev.ingot.core;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AvailabilityTest {

    @Test
    void availableHasNoReasons() {
        Availability a = Availability.available(Map.of("vector", "512-bit"));
        assertTrue(a.available());
        assertTrue(a.reasons().isEmpty());
        assertEquals("512-bit", a.details().get("vector"));
        assertThrows(IllegalArgumentException.class, () -> new Availability(true, List.of("but why"), Map.of()));
    }

    @Test
    void unavailableMustSayWhy() {
        Availability a = Availability.unavailable(List.of("no driver"), Map.of());
        assertFalse(a.available());
        assertEquals(List.of("no driver"), a.reasons());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Availability.unavailable(List.of(), Map.of()));
        assertTrue(e.getMessage().contains("must say why"), e.getMessage());
    }

    @Test
    void isAnImmutableSnapshotThatKeepsDetailOrder() {
        List<String> reasons = new ArrayList<>(List.of("no driver"));
        Map<String, String> details = new LinkedHashMap<>();
        details.put("z", "1");
        details.put("a", "2");
        Availability a = Availability.unavailable(reasons, details);
        reasons.add("later");
        details.put("m", "3");
        assertEquals(List.of("no driver"), a.reasons());
        assertEquals(List.of("z", "a"), List.copyOf(a.details().keySet()));
        assertThrows(UnsupportedOperationException.class, () -> a.details().put("x", "y"));
        assertThrows(UnsupportedOperationException.class, () -> a.reasons().add("x"));
    }
}
