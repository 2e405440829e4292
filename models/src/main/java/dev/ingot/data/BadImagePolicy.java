package dev.ingot.data;

/**
 * What an image dataset does with a file it cannot use (zero bytes, truncated, not an image, a
 * colour space no codec reads).
 */
public enum BadImagePolicy {
    /** Stop with an {@link UnreadableImageException} naming the file (the default: PyTorch's and Keras' behaviour). */
    FAIL,
    /**
     * Print one warning per file naming it and use the next readable record in its place, so every
     * batch stays full and the substitute is a pure function of the index (determinism holds).
     */
    SKIP
}
