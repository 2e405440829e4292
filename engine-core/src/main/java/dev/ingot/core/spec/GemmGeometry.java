package dev.ingot.core.spec;

/**
 * Sizes of {@code C (M, N) = alpha * op(A) (M, K) * op(B) (K, N) + beta * C}, row-major, with the
 * transpositions that say how A and B are stored: A is (M, K), or (K, M) when {@code transA}.
 */
public record GemmGeometry(int m, int n, int k, boolean transA, boolean transB) {

    /** Multiply-adds times two. */
    public long flops() {
        return 2L * m * n * k;
    }
}
