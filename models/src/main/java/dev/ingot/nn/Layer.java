package dev.ingot.nn;

import dev.ingot.core.Backend;
import dev.ingot.core.Shape;
import dev.ingot.core.Tensor;

import java.util.List;
import java.util.SplittableRandom;

/**
 * One step of a {@link Model} ({@link Sequential} or a node of a {@link Graph}) with an explicit forward and backward pass.
 *
 * <p>Life cycle: {@link #build} once (allocates and initialises the parameters on a backend and
 * says what shape comes out); then any number of {@link #forward} calls, each training-mode one
 * followed by at most one {@link #backward}; finally {@link #close()}. Shapes passed to
 * {@code build} are per sample ({@code (C, H, W)} or {@code (F)}); tensors passed to
 * {@code forward} carry a batch dimension in front.
 *
 * <p>Tensors a layer returns belong to the layer and are reused: an output stays valid until the
 * layer's next forward with the same batch size, an input gradient until its next backward.
 */
public interface Layer extends AutoCloseable {

    /** Short lower-case name of the kind of layer, used in parameter names: {@code "conv2d"}. */
    String kind();

    /**
     * Allocates this layer's parameters on {@code backend}, initialises them from {@code random}
     * (Keras defaults: Glorot-uniform kernels, zero biases) and returns the per-sample output shape.
     *
     * @param inputShape per-sample input shape, e.g. {@code (C, H, W)}
     * @throws IllegalArgumentException if the layer cannot take that shape (the message says why)
     * @throws IllegalStateException    if the layer is already built
     */
    Shape build(Backend backend, Shape inputShape, SplittableRandom random);

    /**
     * Computes the output for a batch {@code x} of shape {@code (N, inputShape...)}. In training
     * mode, remembers what {@link #backward} needs.
     */
    Tensor forward(Tensor x, Mode mode);

    /**
     * Given the gradient of the loss with respect to the last training-mode output, overwrites the
     * parameters' gradients and returns the gradient with respect to the input, or {@code null}
     * when {@code inputGradient} is false (the first layer of a model needs none).
     *
     * @throws IllegalStateException if the last forward was not in training mode
     */
    Tensor backward(Tensor dy, boolean inputGradient);

    /** Trainable parameters, named within the layer ({@code "weight"}, {@code "bias"}); empty for most layers. */
    default List<Parameter> parameters() {
        return List.of();
    }

    /**
     * Non-trainable state a checkpoint must keep (BatchNorm's running statistics), named within
     * the layer ({@code "running_mean"}); empty for most layers.
     */
    default List<Buffer> buffers() {
        return List.of();
    }

    /** A one-line description for model summaries: {@code "Conv2d(32, 3x3, stride 1x1, ...)"}. */
    String describe();

    /** Frees the parameters and every cached buffer. Idempotent. */
    @Override
    void close();

    /**
     * Closes every layer, in order, even after one of them fails; then throws the first failure,
     * with the later ones suppressed in it. What a model's {@code close} does with its layers.
     */
    static void closeAll(List<? extends Layer> layers) {
        RuntimeException failure = null;
        for (Layer layer : layers) {
            try {
                layer.close();
            } catch (RuntimeException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
