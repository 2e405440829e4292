package dev.ingot.data;

/**
 * Steele, Lea and Flood's SplitMix64 generator (OOPSLA 2014), written out here so that the
 * data order and augmentation draws are fixed by this file alone, whatever the JDK: a resumed run
 * on another JVM sees the same batches.
 *
 * <p>Each (seed, purpose, epoch, index) gets its own stream by hashing the tuple into the starting
 * state, so draws for one image never depend on which other images were drawn before it.
 */
final class SplitMix64 {
    /** 2^64 / golden ratio, the generator's increment. */
    private static final long GAMMA = 0x9e3779b97f4a7c15L;

    private long state;

    SplitMix64(long state) {
        this.state = state;
    }

    /** A generator whose stream is a pure function of the arguments. */
    static SplitMix64 of(long seed, long purpose, long a, long b) {
        long h = mix64(seed ^ mix64(purpose * GAMMA));
        h = mix64(h + a * GAMMA + 1);
        h = mix64(h + b * GAMMA + 2);
        return new SplitMix64(h);
    }

    /** The SplitMix64 finaliser (variant 13 of Stafford's mixers): a bijection that scrambles all bits. */
    static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    long nextLong() {
        state += GAMMA;
        return mix64(state);
    }

    /**
     * Uniform in {@code [0, bound)} without modulo bias: Lemire's multiply-shift on the top 32 bits,
     * rejecting the few low products that would make some values more likely.
     */
    int nextInt(int bound) {
        if (bound <= 0) {
            throw new IllegalArgumentException("bound must be positive, got " + bound);
        }
        long threshold = (1L << 32) % bound;
        while (true) {
            long r = nextLong() >>> 32;
            long product = r * bound;
            if ((product & 0xffffffffL) >= threshold) {
                return (int) (product >>> 32);
            }
        }
    }

    boolean nextBoolean() {
        return nextLong() < 0;
    }
}
