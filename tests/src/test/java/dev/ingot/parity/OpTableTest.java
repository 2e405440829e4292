package dev.ingot.parity;

import dev.ingot.core.Backend;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The op table itself: every kernel of {@link Backend} has a record (so a kernel cannot be added
 * without being held to the reference), every backward kernel a gradient relation, and no two
 * samples of a record share a name (the ledger counts by name: a duplicate would be checked but
 * counted once), nor two gradient cases or error inputs of the whole table.
 */
class OpTableTest {

    /** Backend methods that are not kernels: memory and lifetime, held by MemoryParityTest and BadInputTest. */
    private static final Set<String> NOT_KERNELS = Set.of("name", "description", "zeros", "fromHost", "copyFromHost",
            "copyToHost", "copy", "fill", "bytesInUse", "synchronize", "isClosed", "close");

    private static Set<String> recordNames() {
        Set<String> names = new TreeSet<>();
        for (OpInfo<?> op : OpTable.all()) {
            assertTrue(names.add(op.name()), "two records are called '" + op.name() + "'");
        }
        return names;
    }

    @Test
    void everyKernelOfBackendHasARecord() {
        Set<String> kernels = new TreeSet<>();
        for (Method m : Backend.class.getMethods()) {
            if (m.getDeclaringClass() == Backend.class && !Modifier.isStatic(m.getModifiers())
                    && !NOT_KERNELS.contains(m.getName())) {
                kernels.add(m.getName());
            }
        }
        Set<String> missing = new TreeSet<>(kernels);
        missing.removeAll(recordNames());
        assertEquals(Set.of(), missing, "Backend kernels without an OpInfo record in OpTable (see tests/README.md,"
                + " 'Adding a kernel')");
    }

    @Test
    void everyBackwardKernelHasAGradientRelationAndEveryRecordSamples() {
        List<String> problems = new ArrayList<>();
        for (OpInfo<?> op : OpTable.all()) {
            if (op.samples().get().isEmpty()) {
                problems.add(op.name() + " has no samples");
            }
            if (op.name().contains("Backward") && op.gradients().isEmpty()) {
                problems.add(op.name() + " is a backward kernel without a gradient relation");
            }
        }
        assertEquals(List.of(), problems);
    }

    @Test
    void sampleNamesAreUniqueWithinARecord() {
        List<String> duplicates = new ArrayList<>();
        Set<String> gradientCases = new HashSet<>();
        Set<String> errors = new HashSet<>();
        for (OpInfo<?> op : OpTable.all()) {
            Set<String> seen = new HashSet<>();
            for (Object c : op.samples().get()) {
                if (!seen.add(String.valueOf(c))) {
                    duplicates.add(op.name() + " [" + c + "]");
                }
            }
            for (OpInfo.Gradient<?> g : op.gradients()) {
                for (Object c : g.cases()) {
                    if (!gradientCases.add(g.name() + " [" + c + "]")) {
                        duplicates.add(g.name() + " [" + c + "]");
                    }
                }
            }
            for (OpInfo.ErrorInput e : op.errors()) {
                if (!errors.add(e.label() + " " + e.args())) {
                    duplicates.add(e.toString());
                }
            }
        }
        assertEquals(List.of(), duplicates, "cases that share a name are counted once in the summary");
    }
}
