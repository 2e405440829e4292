package dev.ingot.distributed;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.AddressLayout;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Every MPI function {@link OpenMpi} binds is declared in {@code mpi.h} with exactly the arguments
 * its {@link FunctionDescriptor} passes (pointer or handle = address, {@code int} = 32-bit int): checked
 * against the prototypes transcribed from Open MPI 4.1.4 (always) and against the installed
 * {@code mpi.h} (where libopenmpi-dev is installed). A wrong width would corrupt calls silently.
 */
class OpenMpiBindingTest {
    private static final Pattern DECL = Pattern.compile("\\bint\\s+(MPI_\\w+)\\s*\\(([^)]*)\\)\\s*;");

    private static void check(String header, String source) {
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, FunctionDescriptor> e : OpenMpi.BOUND.entrySet()) {
            Matcher m = DECL.matcher(header);
            String params = null;
            while (m.find()) {
                if (m.group(1).equals(e.getKey())) {
                    params = m.group(2).replaceAll("\\s+", " ").strip();
                    break;
                }
            }
            if (params == null) {
                problems.add(e.getKey() + " is not declared as 'int " + e.getKey() + "(...)' in " + source);
                continue;
            }
            List<String> declared = new ArrayList<>();
            if (!params.equals("void")) {
                for (String p : params.split(",")) {
                    String t = p.strip();
                    boolean address = t.contains("*") || t.startsWith("MPI_Comm ") || t.startsWith("MPI_Datatype ")
                            || t.startsWith("MPI_Op ");
                    boolean integer = t.matches("int \\w+");
                    declared.add(address ? "address" : integer ? "int" : "unknown(" + t + ")");
                }
            }
            List<String> bound = new ArrayList<>();
            for (MemoryLayout l : e.getValue().argumentLayouts()) {
                bound.add(l instanceof AddressLayout ? "address" : l.equals(ValueLayout.JAVA_INT) ? "int" : l.toString());
            }
            if (!declared.equals(bound) || !e.getValue().returnLayout().orElseThrow().equals(ValueLayout.JAVA_INT)) {
                problems.add(e.getKey() + ": bound as " + bound + " but declared (" + params + ") in " + source);
            }
        }
        assertTrue(problems.isEmpty(), String.join("\n", problems));
        assertEquals(13, OpenMpi.BOUND.size(), OpenMpi.BOUND.keySet().toString());
    }

    @Test
    void bindingsMatchTheTranscribedOpenMpi414Header() throws IOException {
        try (InputStream in = getClass().getResourceAsStream("mpi.prototypes.h")) {
            assertTrue(in != null, "missing test resource mpi.prototypes.h");
            check(new String(in.readAllBytes(), StandardCharsets.UTF_8), "mpi.prototypes.h (Open MPI 4.1.4)");
        }
    }

    @Test
    void bindingsMatchTheInstalledMpiH() throws IOException {
        Path header = Path.of("/usr/lib/x86_64-linux-gnu/openmpi/include/mpi.h");
        assumeTrue(Files.isRegularFile(header), "no " + header + " (apt-get install libopenmpi-dev)");
        String text = Files.readString(header);
        check(text, header.toString());
        // The predefined handles OpenMpi uses are the addresses of these objects (OMPI_PREDEFINED_GLOBAL).
        for (String handle : List.of("ompi_mpi_comm_world", "ompi_mpi_float", "ompi_mpi_byte", "ompi_mpi_op_sum")) {
            assertTrue(text.contains("OMPI_PREDEFINED_GLOBAL(") && text.contains(handle), handle);
        }
        assertTrue(text.contains("#define MPI_IN_PLACE             ((void *) 1)"), "MPI_IN_PLACE is not (void *) 1");
    }
}
