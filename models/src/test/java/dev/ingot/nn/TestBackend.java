package dev.ingot.nn;

import dev.ingot.core.Backend;
import dev.ingot.core.Backends;

/**
 * The backend the nn tests run on: the CPU unless the system property {@code ingot.test.backend}
 * names another ({@code -Dingot.test.backend=cuda} runs the same tests on the GPU).
 */
public final class TestBackend {
    private static Backend shared;

    private TestBackend() {
    }

    public static String name() {
        return System.getProperty("ingot.test.backend", "cpu");
    }

    /** A new backend, owned (and closed) by the caller. */
    public static Backend open() {
        return Backends.get(name());
    }

    /**
     * The one backend the module's test classes share, opened on first use and closed when the
     * test JVM exits. Test classes run one after another, so a test that compares
     * {@link Backend#bytesInUse()} before and after sees only its own tensors.
     */
    public static synchronized Backend shared() {
        if (shared == null) {
            Backend b = open();
            Runtime.getRuntime().addShutdownHook(new Thread(b::close, "close " + b.name() + " test backend"));
            shared = b;
        }
        return shared;
    }
}
