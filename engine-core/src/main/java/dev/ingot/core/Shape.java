package dev.ingot.core;

import java.util.Arrays;

/**
 * The dimensions of a contiguous, row-major tensor: images are {@code (N, C, H, W)}, matrices
 * {@code (rows, columns)}, vectors {@code (n)}, and a scalar has rank 0.
 *
 * <p>Every dimension is at least 1: a zero or negative size is rejected here, when the shape is
 * made, so that no kernel ever sees an empty or negative extent.
 */
public final class Shape {
    private static final Shape SCALAR = new Shape(new int[0]);

    private final int[] dims;
    private final long size;

    private Shape(int[] dims) {
        long n = 1;
        for (int i = 0; i < dims.length; i++) {
            if (dims[i] <= 0) {
                throw new IllegalArgumentException("shape " + Arrays.toString(dims) + " has size " + dims[i]
                        + " in dimension " + i + "; every dimension must be at least 1");
            }
            try {
                n = Math.multiplyExact(n, dims[i]);
            } catch (ArithmeticException e) {
                throw new IllegalArgumentException("shape " + Arrays.toString(dims)
                        + " has more elements than a long can count", e);
            }
        }
        this.dims = dims;
        this.size = n;
    }

    /** A shape with the given dimensions, outermost first. */
    public static Shape of(int... dims) {
        if (dims == null) {
            throw new IllegalArgumentException("shape dimensions must not be null");
        }
        return dims.length == 0 ? SCALAR : new Shape(dims.clone());
    }

    /** The rank-0 shape of a single value (a loss, for example). */
    public static Shape scalar() {
        return SCALAR;
    }

    public int rank() {
        return dims.length;
    }

    /**
     * The size of dimension {@code i}; a negative index counts from the end ({@code dim(-1)} is the
     * innermost dimension).
     */
    public int dim(int i) {
        int j = i < 0 ? dims.length + i : i;
        if (j < 0 || j >= dims.length) {
            throw new IllegalArgumentException("dimension " + i + " does not exist in shape " + this
                    + " of rank " + dims.length);
        }
        return dims[j];
    }

    /** Number of elements (1 for a scalar). */
    public long size() {
        return size;
    }

    /** A copy of the dimensions. */
    public int[] dims() {
        return dims.clone();
    }

    /**
     * Elements of dimensions {@code firstDim..rank-1}: {@code sizeFrom(1)} is {@code C*H*W} for
     * {@code (N, C, H, W)}. A negative index counts from the end, as in {@link #dim}; {@code
     * sizeFrom(rank())} is 1.
     */
    public long sizeFrom(int firstDim) {
        int j = firstDim < 0 ? dims.length + firstDim : firstDim;
        if (j < 0 || j > dims.length) {
            throw new IllegalArgumentException("sizeFrom(" + firstDim + "): shape " + this + " of rank " + dims.length
                    + " has no dimension " + firstDim + " (expected " + -dims.length + ".." + dims.length + ")");
        }
        long n = 1;
        for (int i = j; i < dims.length; i++) {
            n *= dims[i];
        }
        return n;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Shape other && Arrays.equals(dims, other.dims);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(dims);
    }

    /** {@code [64, 3, 32, 32]}; a scalar prints as {@code []}. */
    @Override
    public String toString() {
        return Arrays.toString(dims);
    }
}
