package dev.ingot.core.spec;

import java.util.Arrays;

/**
 * Label smoothing and per-class weights of softmax cross-entropy, as PyTorch's
 * {@code CrossEntropyLoss(weight=w, label_smoothing=eps)} with the mean reduction. With
 * {@code C} classes, {@code p = softmax(x[n])} and {@code y = labels[n]}:
 * <pre>
 *   row loss    L_n = (1 - eps) * w[y] * -log p[y]  +  eps/C * sum_i w[i] * -log p[i]
 *   loss        sum_n L_n / S,          S = sum_n w[labels[n]]
 *   gradient    dL/dx[n,j] = (p[j] * ((1 - eps) * w[y] + eps/C * sum_i w[i]) - (1 - eps) * w[y] * [j == y] - eps/C * w[j]) / S
 * </pre>
 * Without weights ({@code w = 1}) S is N and the gradient is {@code (p - q) / N} with the smoothed
 * target {@code q = (1 - eps) onehot(y) + eps/C}.
 *
 * @param labelSmoothing eps in [0, 1)
 * @param classWeights   one positive weight per class, or {@code null} for all 1
 */
public record CrossEntropySpec(float labelSmoothing, float[] classWeights) {

    /** No smoothing, no weights: the plain sparse categorical cross-entropy. */
    public static final CrossEntropySpec PLAIN = new CrossEntropySpec(0f, null);

    public CrossEntropySpec {
        if (!(labelSmoothing >= 0 && labelSmoothing < 1)) {
            throw new IllegalArgumentException("cross-entropy label smoothing must be in [0, 1), got " + labelSmoothing);
        }
        if (classWeights != null) {
            classWeights = classWeights.clone();
            for (int i = 0; i < classWeights.length; i++) {
                if (!(classWeights[i] >= 0) || !Float.isFinite(classWeights[i])) {
                    throw new IllegalArgumentException("cross-entropy class weight " + i + " must be 0 or positive and"
                            + " finite, got " + classWeights[i]);
                }
            }
        }
    }

    /** Whether this is {@link #PLAIN}'s loss (the fused plain kernel applies). */
    public boolean plain() {
        return labelSmoothing == 0 && classWeights == null;
    }

    /** The weight of class {@code c} (1 without weights). */
    public float weight(int c) {
        return classWeights == null ? 1f : classWeights[c];
    }

    /** A copy of the weights, or {@code null}. */
    @Override
    public float[] classWeights() {
        return classWeights == null ? null : classWeights.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CrossEntropySpec s && s.labelSmoothing == labelSmoothing
                && Arrays.equals(s.classWeights, classWeights);
    }

    @Override
    public int hashCode() {
        return Float.hashCode(labelSmoothing) * 31 + Arrays.hashCode(classWeights);
    }

    @Override
    public String toString() {
        return "CrossEntropySpec[labelSmoothing=" + labelSmoothing + ", classWeights="
                + Arrays.toString(classWeights) + "]";
    }
}
