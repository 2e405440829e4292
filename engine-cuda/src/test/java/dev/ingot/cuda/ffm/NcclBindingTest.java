package dev.ingot.cuda.ffm;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Every NCCL symbol {@link Nccl} binds is declared in nccl.h under that name with the argument kinds
 * its descriptor passes; the by-value {@code ncclUniqueId} is a 128-byte struct. NCCL has never run
 * here: this is the check that can be made without it. Where {@code nccl.h} is installed
 * ({@code NCCL_HOME} or the CUDA folders), it is checked against that too.
 */
class NcclBindingTest {
    /** nccl.h's own type names, rewritten to the C types CPrototypes knows. */
    private static String plainC(String header) {
        return header.replace("ncclResult_t *", "int *").replace("ncclResult_t", "int")
                .replace("ncclDataType_t", "int").replace("ncclRedOp_t", "int")
                .replace("ncclComm_t*", "void **").replace("ncclComm_t", "void *")
                .replace("ncclUniqueId*", "void *").replace("ncclUniqueId commId", "int commId")
                .replaceAll("\\(\\s*\\)", "(void)");
    }

    private static void check(String header, String source) {
        Map<String, CPrototypes.Prototype> prototypes = CPrototypes.parse(plainC(header));
        List<String> problems = new ArrayList<>();
        for (Binder.Binding b : Nccl.binder().bindings()) {
            CPrototypes.Prototype p = prototypes.get(b.symbol());
            if (p == null) {
                problems.add(b.symbol() + " is not declared in " + source);
                continue;
            }
            FunctionDescriptor fd = b.descriptor();
            List<Class<?>> params = new ArrayList<>();
            for (MemoryLayout l : fd.argumentLayouts()) {
                // The by-value ncclUniqueId: compared as the 'int commId' placeholder, its layout checked below.
                params.add(l instanceof StructLayout ? int.class : CPrototypes.carrier(l));
            }
            Class<?> returns = fd.returnLayout().map(CPrototypes::carrier).orElse(void.class);
            if (!returns.equals(p.returns()) || !params.equals(p.params())) {
                problems.add(b.symbol() + ": bound as " + returns.getSimpleName() + " " + params + " but declared "
                        + p.declaration());
            }
        }
        assertTrue(problems.isEmpty(), String.join("\n", problems));
        assertEquals(11, Nccl.binder().bindings().size());
    }

    @Test
    void bindingsMatchNcclH() throws IOException {
        try (InputStream in = getClass().getResourceAsStream("prototypes/nccl.prototypes.h")) {
            assertTrue(in != null, "missing prototypes/nccl.prototypes.h");
            check(new String(in.readAllBytes(), StandardCharsets.UTF_8), "nccl.prototypes.h");
        }
    }

    @Test
    void theUniqueIdIsPassedByValueAs128Bytes() {
        FunctionDescriptor init = Nccl.binder().bindings().stream().filter(b -> b.symbol().equals("ncclCommInitRank"))
                .findFirst().orElseThrow().descriptor();
        MemoryLayout id = init.argumentLayouts().get(2);
        assertTrue(id instanceof StructLayout, "ncclUniqueId must be passed by value (a struct layout)");
        assertEquals(128, id.byteSize());
        assertEquals(1, id.byteAlignment(), "char internal[128]: byte-aligned, so the ABI passes it in memory");
        assertEquals(MemorySegment.class, CPrototypes.carrier(init.argumentLayouts().get(0)));
    }

    @Test
    void bindingsMatchTheInstalledNcclH() throws IOException {
        Path header = null;
        for (String dir : new String[] {System.getenv("NCCL_HOME"), "/usr/local/cuda", "/usr"}) {
            if (dir != null && Files.isRegularFile(Path.of(dir, "include", "nccl.h"))) {
                header = Path.of(dir, "include", "nccl.h");
                break;
            }
        }
        assumeTrue(header != null, "no nccl.h installed (NCCL_HOME, /usr/local/cuda/include, /usr/include)");
        check(Files.readString(header), header.toString());
    }
}
