package dev.ingot.nn;

/**
 * Told during {@link Model#backward} each time a layer's backward pass has finished: from then on,
 * for the rest of this step, that layer's parameter gradients are final. Data-parallel training
 * uses it to start all-reducing the last layers' gradients while the backward pass goes on through
 * the first ones (PyTorch DDP's autograd hooks play the same part).
 *
 * <p>Called on the thread that runs the backward pass, once per layer that ran backward, in the
 * order they ran; it must not allocate in steady state, nor call back into the model.
 */
@FunctionalInterface
public interface GradientsReadyListener {
    void gradientsReady(Layer layer);
}
