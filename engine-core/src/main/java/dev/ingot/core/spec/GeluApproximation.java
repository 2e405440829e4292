package dev.ingot.core.spec;

/**
 * Which form of GELU a kernel computes, as PyTorch's {@code approximate=} argument names them.
 */
public enum GeluApproximation {
    /** The exact form {@code x * Phi(x) = x/2 * (1 + erf(x / sqrt 2))} (PyTorch's default, Keras' {@code approximate=False}). */
    NONE,
    /** {@code x/2 * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3)))} (PyTorch {@code approximate='tanh'}, Keras {@code approximate=True}). */
    TANH
}
