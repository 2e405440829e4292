package dev.ingot.cuda;

/**
 * The size classes of the {@link CachingAllocator}: a request is rounded up to its class, and freed
 * blocks are kept per class, so that a training step, which asks for the same sizes every time,
 * gets every block back from the cache after the first step.
 *
 * <p>Classes: 512 bytes at least; up to 1 MiB, four classes per power of two (a block wastes at most
 * 25 %, and small sizes share few lists); above 1 MiB, eight per power of two (at most 12.5 %).
 * For example 513 bytes -> 640, 1000 -> 1024, 3 MiB + 1 -> 3.25 MiB.
 */
final class SizeClasses {
    static final long MIN_BYTES = 512;
    private static final long FINE_ABOVE = 1L << 20;

    private SizeClasses() {
    }

    /** The class {@code bytes} is rounded up to; {@code classOf(classOf(b)) == classOf(b)}. */
    static long classOf(long bytes) {
        if (bytes <= 0) {
            throw new IllegalArgumentException("allocation size must be positive, got " + bytes + " bytes");
        }
        if (bytes <= MIN_BYTES) {
            return MIN_BYTES;
        }
        int log2 = 63 - Long.numberOfLeadingZeros(bytes - 1); // 2^log2 < bytes <= 2^(log2+1)
        int stepsPerOctaveLog2 = bytes > FINE_ABOVE ? 3 : 2;
        long step = 1L << (log2 - stepsPerOctaveLog2);
        long rounded = (bytes + step - 1) & -step;
        if (rounded < bytes) {
            throw new IllegalArgumentException("allocation of " + bytes + " bytes is too large");
        }
        return rounded;
    }
}
