package dev.ingot.core.spec;

/**
 * Stochastic gradient descent with momentum, as Keras 3 writes it:
 * <pre>
 *   v = momentum * v - learningRate * g
 *   p = p + v                                   (plain)
 *   p = p + momentum * v - learningRate * g     (Nesterov)
 * </pre>
 * With {@code momentum == 0} this is {@code p = p - learningRate * g} and needs no velocity buffer.
 * (PyTorch's form, {@code v = momentum*v + g; p -= lr*v}, gives the same steps for a constant
 * learning rate.)
 */
public record SgdSpec(float learningRate, float momentum, boolean nesterov) {

    public SgdSpec {
        if (!(learningRate > 0) || !Float.isFinite(learningRate)) {
            throw new IllegalArgumentException("SGD learning rate must be positive and finite, got " + learningRate);
        }
        if (!(momentum >= 0 && momentum < 1)) {
            throw new IllegalArgumentException("SGD momentum must be in [0, 1), got " + momentum);
        }
        if (nesterov && momentum == 0) {
            throw new IllegalArgumentException("Nesterov SGD needs a momentum above 0");
        }
    }
}
