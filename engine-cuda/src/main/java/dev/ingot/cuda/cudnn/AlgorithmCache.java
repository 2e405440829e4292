package dev.ingot.cuda.cudnn;

import dev.ingot.core.spec.Conv2dGeometry;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The convolution algorithms chosen in this process, by device, shape, direction and settings, so
 * that a second backend (the next test class, the next {@code fit} in the same JVM) reuses the
 * choice instead of timing every algorithm again: {@code cudnnFind*Ex} runs each candidate on the
 * device, which costs far more than the convolution itself. PyTorch keeps its
 * {@code cudnn.benchmark} results per process the same way. Only the choice is kept; each plan
 * still asks cuDNN for the chosen algorithm's workspace size.
 */
final class AlgorithmCache {
    /** Everything a choice depends on. */
    record Key(int device, Conv2dGeometry geometry, String direction, boolean tf32, CudnnConvolution.Search search,
               long workspaceLimit) {
    }

    private static final Map<Key, AlgorithmChoice.Choice> CHOICES = new ConcurrentHashMap<>();

    private AlgorithmCache() {
    }

    /**
     * The cached choice for {@code key}, else {@code search}'s, remembered. Not under a lock while
     * searching: two threads may both search one shape the first time (the later answer wins), which
     * is cheaper than holding every other shape's lookup behind one timing run.
     */
    static AlgorithmChoice.Choice get(Key key, Supplier<AlgorithmChoice.Choice> search) {
        AlgorithmChoice.Choice known = CHOICES.get(key);
        if (known != null) {
            return known;
        }
        AlgorithmChoice.Choice chosen = search.get();
        CHOICES.put(key, chosen);
        return chosen;
    }

    /** How many choices this process holds (for tests and diagnostics). */
    static int size() {
        return CHOICES.size();
    }
}
