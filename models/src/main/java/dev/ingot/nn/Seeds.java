package dev.ingot.nn;

/**
 * Derives independent seeds from a run's seed and counters (layer index, step number), so that
 * every random choice of a run is a pure function of where it happens: initial weights of layer i,
 * the dropout mask of step t. Resuming at step t therefore repeats the uninterrupted run exactly.
 */
public final class Seeds {
    private Seeds() {
    }

    /**
     * A well-mixed 64-bit seed from {@code seed} and {@code counter}: SplitMix64's finaliser of
     * {@code seed + (counter + 1) * golden gamma}, so nearby counters give unrelated seeds.
     */
    public static long mix(long seed, long counter) {
        long z = seed + (counter + 1) * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
