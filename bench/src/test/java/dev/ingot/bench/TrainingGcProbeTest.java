package dev.ingot.bench;

import dev.ingot.bench.report.TrainingGcResult;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The probe runs a real (short) training loop and reports consistent counters. Whether GC stays
 * under 2 % is the probe's measurement, taken by bench/run.sh, not something a unit test times.
 */
class TrainingGcProbeTest {

    @Test
    void shortRunOfTheMlpReportsStepsThroughputAndGcCounters() {
        TrainingGcResult r = TrainingGcProbe.run("mnist-mlp", "cpu", 64, 0.2, 0.5, SharedData.folder());
        assertEquals(TrainingGcResult.KIND, r.kind());
        assertEquals("mnist-mlp", r.model());
        assertEquals("cpu", r.backend());
        assertTrue(r.steps() > 0, "steps " + r.steps());
        assertTrue(r.seconds() >= 0.5, "seconds " + r.seconds());
        assertEquals(r.steps() * 64 / r.seconds(), r.imagesPerSecond(), 1e-6 * r.imagesPerSecond());
        assertTrue(r.gcCount() >= 0 && r.gcMillis() >= 0 && r.gcPercent() >= 0, r.toString());
        assertTrue(r.allocatedBytesPerStep() >= 0, "allocated " + r.allocatedBytesPerStep());
        assertTrue(!r.collector().isBlank());
    }

    @Test
    void badArgumentsAreRejectedWithTheirName() {
        var e = assertThrows(IllegalArgumentException.class, () -> TrainingGcProbe.main(new String[] {"--sconds", "3"}));
        assertTrue(e.getMessage().contains("--sconds"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> TrainingGcProbe.main(new String[] {"--seconds"}));
        assertTrue(e.getMessage().contains("--seconds needs a value"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> TrainingGcProbe.main(new String[] {"--model", "resnet"}));
        assertTrue(e.getMessage().contains("resnet"), e.getMessage());
    }
}
