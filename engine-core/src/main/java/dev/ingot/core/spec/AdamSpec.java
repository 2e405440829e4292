package dev.ingot.core.spec;

/**
 * Adam hyper-parameters, with the update Keras 3 uses (so that our runs match the seeds'):
 * <pre>
 *   m  = beta1 * m + (1 - beta1) * g
 *   v  = beta2 * v + (1 - beta2) * g * g
 *   a_t = learningRate * sqrt(1 - beta2^t) / (1 - beta1^t)        (t = 1, 2, ...)
 *   p  = p - a_t * m / (sqrt(v) + epsilon)
 * </pre>
 * PyTorch adds epsilon to the bias-corrected root ({@code sqrt(v / (1 - beta2^t)) + eps}), which is
 * this update with epsilon times {@code sqrt(1 - beta2^t)}: early in training, when {@code 1 - beta2^t}
 * is small, PyTorch's effective epsilon is much smaller than Keras', and the two differ measurably
 * (with epsilon 1e-7 the mnist-cnn loss after 20 steps differs by 1.9 % and the weight change by
 * 8-38 %), not "within epsilon". Keras' default epsilon is 1e-7 where PyTorch's is 1e-8.
 * {@code dev.ingot.nn.Adam} offers both forms on this one kernel.
 */
public record AdamSpec(float learningRate, float beta1, float beta2, float epsilon) {

    public AdamSpec {
        if (!(learningRate > 0) || !Float.isFinite(learningRate)) {
            throw new IllegalArgumentException("Adam learning rate must be positive and finite, got " + learningRate);
        }
        if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) {
            throw new IllegalArgumentException("Adam betas must be in [0, 1), got " + beta1 + ", " + beta2);
        }
        if (!(epsilon > 0) || !Float.isFinite(epsilon)) {
            throw new IllegalArgumentException("Adam epsilon must be positive and finite, got " + epsilon);
        }
    }

    /** Keras' defaults: learning rate 1e-3, betas 0.9 and 0.999, epsilon 1e-7. */
    public static AdamSpec keras() {
        return new AdamSpec(1e-3f, 0.9f, 0.999f, 1e-7f);
    }

    /** Keras' defaults with another learning rate. */
    public static AdamSpec withLearningRate(float learningRate) {
        return new AdamSpec(learningRate, 0.9f, 0.999f, 1e-7f);
    }

    /**
     * The bias-corrected step size {@code a_t} of step {@code t} (1-based), computed in double on the
     * host so that every backend's kernel gets the same float.
     */
    public float stepSize(long t) {
        if (t < 1) {
            throw new IllegalArgumentException("Adam step must be at least 1, got " + t);
        }
        double b1t = Math.pow(beta1, t);
        double b2t = Math.pow(beta2, t);
        return (float) (learningRate * Math.sqrt(1 - b2t) / (1 - b1t));
    }
}
