package dev.ingot.nn;

import dev.ingot.core.Tensor;

import java.util.List;
import java.util.Map;

/**
 * Updates parameters in place from their gradients, one backend kernel per parameter. An optimizer
 * owns its state (moments, velocities), made on the first step for each parameter and reused after.
 */
public interface Optimizer extends AutoCloseable {

    /** One update of every parameter from its current gradient. */
    void step(List<Parameter> parameters);

    /** Updates made so far (Adam's {@code t} of the last step). */
    long steps();

    /** Sets the number of updates made so far, when resuming from a checkpoint. */
    void restoreSteps(long steps);

    /**
     * The tensors that hold this optimizer's state for {@code parameters}, by name (for example
     * {@code "m.0.conv2d.weight"}), made (zeroed) if missing. Checkpoints save them and, on resume,
     * copy saved values into them.
     */
    Map<String, Tensor> state(List<Parameter> parameters);

    /** Name and hyper-parameters, e.g. {@code {"type": "adam", "learning_rate": "0.001", ...}}, for checkpoints. */
    Map<String, String> config();

    /** Frees the state tensors. Idempotent. */
    @Override
    void close();
}
