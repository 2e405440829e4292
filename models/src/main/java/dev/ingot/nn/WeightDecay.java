package dev.ingot.nn;

/**
 * Where an optimizer applies weight decay {@code wd}:
 * <pre>
 *   COUPLED     g += wd * p, before the update (L2 in the loss; PyTorch's SGD/Adam weight_decay)
 *   DECOUPLED   p -= lr_t * wd * p, beside the update (Loshchilov &amp; Hutter; PyTorch's AdamW)
 * </pre>
 * With Adam the two differ in kind: coupled decay is divided by sqrt(v) like the gradient, so
 * parameters with large gradients are barely decayed; decoupled decay shrinks every weight alike.
 * {@code lr_t} is the group's scheduled rate, so the decay follows the schedule.
 */
public enum WeightDecay {
    COUPLED,
    DECOUPLED
}
