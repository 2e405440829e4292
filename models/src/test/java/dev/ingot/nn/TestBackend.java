package dev.ingot.nn;

import dev.ingot.core.Backend;
import dev.ingot.core.Backends;

/**
 * The backend the nn tests run on: the CPU unless the system property {@code ingot.test.backend}
 * names another ({@code -Dingot.test.backend=cuda} runs the same tests on the GPU).
 */
public final class TestBackend {
    private TestBackend() {
    }

    public static String name() {
        return System.getProperty("ingot.test.backend", "cpu");
    }

    public static Backend open() {
        return Backends.get(name());
    }
}
