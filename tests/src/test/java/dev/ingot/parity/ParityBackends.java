package dev.ingot.parity;

import dev.ingot.core.Backend;
import dev.ingot.core.TensorScope;
import dev.ingot.reference.ReferenceBackend;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.opentest4j.TestAbortedException;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The backends one test class runs on, registered as a static field:
 *
 * <pre>{@code
 * @RegisterExtension
 * static final ParityBackends backends = new ParityBackends(ParityLedger.Suite.PARITY);
 *
 * @ParameterizedTest(name = "[{0}] {1}")
 * @MethodSource("cases")
 * void gemm(BackendUnderTest target, GemmCase c) {
 *     Backend b = backends.open(target, "gemm", c);      // skips, with the reason, if unavailable
 *     ReferenceBackend ref = backends.reference();
 *     ...
 * }
 * }</pre>
 *
 * <ul>
 *   <li>Each backend is created once per class, on first use, and closed after the class.</li>
 *   <li>Each test runs inside a {@link TensorScope}; after the test the scope is closed and every
 *       backend the test used must hold exactly the bytes it held before ({@link Backend#bytesInUse()}):
 *       a tensor the scope could not free is a leak, and fails the test.</li>
 *   <li>The outcome goes into the {@link ParityLedger}: passed, failed, or skipped with the reason
 *       the provider's probe gave.</li>
 * </ul>
 */
public final class ParityBackends implements BeforeEachCallback, AfterEachCallback, AfterAllCallback {
    /** Backends whose skip reason was printed already: once per run is enough. */
    private static final Set<String> SKIPS_ANNOUNCED = Collections.synchronizedSet(new LinkedHashSet<>());

    private final ParityLedger.Suite suite;
    private final Map<String, Backend> opened = new LinkedHashMap<>();
    private ReferenceBackend reference;

    // Per test invocation.
    private TensorScope scope;
    private ParityLedger.Entry current;
    private String skipReason;
    private final Map<Backend, Long> bytesBefore = new IdentityHashMap<>();
    private final Set<Backend> extraInstances = Collections.newSetFromMap(new IdentityHashMap<>());

    public ParityBackends(ParityLedger.Suite suite) {
        this.suite = suite;
    }

    /**
     * The backend {@code target}, for the check of {@code kernel} on {@code testCase}. When the
     * backend cannot run here, records the skip and aborts the test with the probe's reason (JUnit
     * reports it as skipped).
     */
    public Backend open(BackendUnderTest target, String kernel, Object testCase) {
        if (current != null) {
            throw new IllegalStateException("one check per test: already checking " + current);
        }
        current = new ParityLedger.Entry(suite, kernel, String.valueOf(testCase), target.name());
        ParityLedger.begin(current);
        if (!target.available()) {
            String reason = target.unavailableReason();
            skipReason = reason;
            if (SKIPS_ANNOUNCED.add(target.name())) {
                System.out.println("SKIPPED on [" + target.name() + "] (not available here): " + reason);
            }
            throw new TestAbortedException("backend '" + target.name() + "' is not available here: " + reason);
        }
        Backend b = opened.computeIfAbsent(target.name(), n -> target.factory().get());
        watch(b);
        return b;
    }

    /** The oracle, created once per class. */
    public ReferenceBackend reference() {
        if (reference == null) {
            reference = new ReferenceBackend();
        }
        watch(reference);
        return reference;
    }

    /**
     * A second, separate instance of {@code target} (for the two-backends checks), created for this
     * test only and closed after it.
     */
    public Backend openAnother(BackendUnderTest target) {
        Assumptions.assumeTrue(target.available(), target::unavailableReason);
        Backend b = target.factory().get();
        extraInstances.add(b);
        watch(b);
        return b;
    }

    private void watch(Backend b) {
        bytesBefore.putIfAbsent(b, b.bytesInUse());
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        scope = TensorScope.open();
    }

    @Override
    public void afterEach(ExtensionContext context) {
        ParityLedger.end();
        ParityLedger.Entry entry = current;
        String skipped = skipReason;
        current = null;
        skipReason = null;
        String leak = null;
        try {
            scope.close();
            for (Map.Entry<Backend, Long> e : bytesBefore.entrySet()) {
                long now = e.getKey().bytesInUse();
                if (now != e.getValue()) {
                    leak = "backend '" + e.getKey().name() + "' holds " + (now - e.getValue())
                            + " bytes more after the test's TensorScope closed (" + e.getValue() + " before, " + now
                            + " after): a tensor was not freed";
                    break;
                }
            }
        } finally {
            scope = null;
            bytesBefore.clear();
            for (Backend b : extraInstances) {
                b.close();
            }
            extraInstances.clear();
        }
        Optional<Throwable> thrown = context.getExecutionException();
        if (entry != null) {
            if (skipped != null) {
                ParityLedger.skipped(entry, skipped);
            } else if (thrown.isPresent() && thrown.get() instanceof TestAbortedException aborted) {
                ParityLedger.skipped(entry, String.valueOf(aborted.getMessage()));
            } else if (thrown.isPresent()) {
                ParityLedger.failed(entry, String.valueOf(thrown.get().getMessage()));
            } else if (leak != null) {
                ParityLedger.failed(entry, leak);
            } else {
                ParityLedger.passed(entry);
            }
        }
        if (leak != null && thrown.isEmpty()) {
            throw new AssertionError(leak);
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        for (Backend b : opened.values()) {
            b.close();
        }
        opened.clear();
        if (reference != null) {
            reference.close();
            reference = null;
        }
    }
}
