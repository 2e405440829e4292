package dev.ingot.core.spec;

/**
 * Inverted dropout: element {@code i} is kept, and scaled by {@code 1 / (1 - rate)}, when
 * {@link #uniform(long, long) uniform(seed, i)} {@code >= rate}, and zeroed otherwise.
 *
 * <p>The random numbers are counter-based (a SplitMix64 hash of seed and element index, 24 bits),
 * not drawn from a stream, so every backend, on any number of threads, makes the identical mask
 * for the same seed: CPU and CUDA agree bit for bit, and a resumed run repeats its masks.
 *
 * @param rate fraction of elements dropped, in [0, 1)
 * @param seed selects the mask; a training step passes a new one each time
 */
public record DropoutSpec(float rate, long seed) {

    public DropoutSpec {
        if (!(rate >= 0 && rate < 1)) {
            throw new IllegalArgumentException("dropout rate must be in [0, 1), got " + rate);
        }
    }

    /** The factor kept elements are multiplied by: {@code 1 / (1 - rate)} in float. */
    public float scale() {
        return 1.0f / (1.0f - rate);
    }

    /** Whether element {@code index} survives. */
    public boolean keep(long index) {
        return uniform(seed, index) >= rate;
    }

    /**
     * A uniform number in [0, 1) with 24 random bits for element {@code index} under {@code seed}:
     * SplitMix64's finaliser applied to {@code seed + (index + 1) * 0x9E3779B97F4A7C15}. A CUDA kernel
     * repeats these exact integer operations.
     */
    public static float uniform(long seed, long index) {
        long z = seed + (index + 1) * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z = z ^ (z >>> 31);
        return (z >>> 40) * 0x1.0p-24f;
    }
}
