package dev.ingot.nn;

import dev.ingot.core.Backend;
import dev.ingot.core.Shape;
import dev.ingot.core.Tensor;

import java.util.List;

/**
 * A trainable network as the rest of the stack sees it ({@link Trainer}, checkpoints, the CLI, the
 * benchmarks): built once on a backend, then forward passes (a training-mode one followed by at
 * most one {@link #backward}), its parameters and non-trainable buffers by name, and
 * {@link #close()}. {@link Sequential} is the chain-shaped case; {@link Graph} wires layers into
 * any directed acyclic graph (residual additions, channel concatenations, fan-out).
 *
 * <p>A model owns its layers: closing it frees every parameter, buffer and cached activation.
 */
public interface Model extends AutoCloseable {

    /**
     * Allocates every layer's parameters on {@code backend} and initialises them from {@code seed};
     * the same seed gives the same weights on every backend.
     *
     * @param inputShape the shape of one sample, e.g. {@code (3, 32, 32)}
     * @return this model
     */
    Model build(Backend backend, Shape inputShape, long seed);

    /**
     * Runs the network on a batch {@code x (N, inputShape...)} and returns its output (owned by
     * the model; valid until the next forward with this batch size).
     */
    Tensor forward(Tensor x, Mode mode);

    /**
     * Back-propagates {@code dOutput}, the gradient of the loss with respect to the last
     * training-mode output, setting the gradient of every parameter that is not frozen.
     */
    void backward(Tensor dOutput);

    /**
     * Sets (or, with {@code null}, removes) the listener {@link #backward} tells each time a
     * layer's gradients are final. Models that do not support it keep the default, which never
     * calls it: a data-parallel trainer then reduces every gradient after the backward pass.
     */
    default void gradientsReadyListener(GradientsReadyListener listener) {
    }

    /** Every parameter, frozen or not, named uniquely within the model, in a fixed order. */
    List<Parameter> parameters();

    /** The parameters the optimizer updates: {@link #parameters()} less the frozen ones, same order. */
    default List<Parameter> trainableParameters() {
        return parameters().stream().filter(p -> !p.frozen()).toList();
    }

    /**
     * The non-trainable state that a checkpoint must keep beside the parameters (BatchNorm's
     * running statistics), named uniquely within the model; empty for most models.
     */
    default List<Buffer> buffers() {
        return List.of();
    }

    /** The parameter called {@code name}. */
    default Parameter parameter(String name) {
        for (Parameter p : parameters()) {
            if (p.name().equals(name)) {
                return p;
            }
        }
        throw new IllegalArgumentException("model has no parameter '" + name + "'; it has "
                + parameters().stream().map(Parameter::name).toList());
    }

    /**
     * Freezes every parameter whose name starts with one of {@code namePrefixes} ({@code "stem."},
     * {@code "0.conv2d.weight"}): the optimizer leaves it alone, its gradient is not computed where
     * the layer can skip it, and a BatchNorm whose scale and shift are both frozen runs in
     * inference mode (as Keras' {@code layer.trainable = False} does).
     *
     * @return the number of parameters frozen
     * @throws IllegalArgumentException if a prefix matches no parameter
     */
    default int freeze(String... namePrefixes) {
        return Freezing.set(parameters(), true, namePrefixes);
    }

    /** Undoes {@link #freeze} for the parameters whose names start with one of {@code namePrefixes}. */
    default int unfreeze(String... namePrefixes) {
        return Freezing.set(parameters(), false, namePrefixes);
    }

    /** Total number of weights, frozen ones included (what Keras and torchvision count). */
    default long parameterCount() {
        return parameters().stream().mapToLong(Parameter::size).sum();
    }

    /**
     * Class probabilities for a batch {@code x (N, inputShape...)} already preprocessed: an
     * inference-mode forward pass, then a softmax over each row of logits (in double, so that
     * probabilities of very unlikely classes do not all round to the same float).
     *
     * @return {@code N} rows of {@code outputShape().size()} probabilities summing to 1
     */
    default float[][] predict(Tensor x) {
        int n = x.shape().dim(0);
        int k = (int) outputShape().size();
        float[] logits = forward(x, Mode.INFERENCE).toFloatArray();
        float[][] out = new float[n][k];
        for (int i = 0; i < n; i++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < k; j++) {
                max = Math.max(max, logits[i * k + j]);
            }
            double sum = 0;
            for (int j = 0; j < k; j++) {
                sum += Math.exp(logits[i * k + j] - max);
            }
            for (int j = 0; j < k; j++) {
                out[i][j] = (float) (Math.exp(logits[i * k + j] - max) / sum);
            }
        }
        return out;
    }

    /** Every layer, in the order the forward pass runs them (a block's inner layers included). */
    List<Layer> layers();

    Backend backend();

    /** Per-sample input shape given to {@link #build}. */
    Shape inputShape();

    /** Per-sample output shape: {@code (classes)} for a classifier. */
    Shape outputShape();

    /** The seed the weights were initialised from. */
    long seed();

    boolean isBuilt();

    /** A table like Keras' {@code model.summary()}. */
    String summary();

    /** Frees every layer's parameters and buffers. Idempotent. */
    @Override
    void close();
}
