/**
 * The layer/graph module: {@link dev.ingot.nn.Layer}s with explicit forward and backward passes,
 * {@link dev.ingot.nn.Model}s ({@link dev.ingot.nn.Sequential} chains and {@link dev.ingot.nn.Graph}s
 * with residual sums, concatenations and fan-out), the {@link dev.ingot.nn.CrossEntropyLoss}, optimizers
 * ({@link dev.ingot.nn.Adam}, {@link dev.ingot.nn.SGD}), Keras-default initialisers, and a
 * {@link dev.ingot.nn.Trainer} with {@code fit}/{@code evaluate}.
 *
 * <p>Rules of this package:
 * <ul>
 *   <li>Every computation on tensors is a {@link dev.ingot.core.Backend} kernel call, so the same
 *       model runs unchanged on every backend. Backends are chosen by name
 *       ({@link dev.ingot.core.Backends#get}); nothing here imports one.</li>
 *   <li>Reverse mode is a tape of layers: {@link dev.ingot.nn.Sequential#forward} in training mode
 *       records what each layer's backward needs (its input, output or mask), and
 *       {@link dev.ingot.nn.Sequential#backward} walks the layers in reverse ({@link dev.ingot.nn.Graph}
 *       walks its nodes in reverse insertion order, summing the gradients of a node that feeds
 *       several). A layer's backward <em>overwrites</em> its parameters' gradients (a layer
 *       object appears once per model, so no parameter is used twice in a step).</li>
 *   <li>No tensor is allocated per step in steady state: activations and gradients come from a
 *       per-layer {@link dev.ingot.nn.TensorCache} keyed by shape (one set for the full batch,
 *       one for the last partial batch), optimizer moments are made once per parameter. A tensor a
 *       layer returns stays valid until that layer's next forward (or backward) with the same
 *       shape; callers copy what they keep.</li>
 *   <li>Every tensor here has one owner: parameters and caches belong to their layer, which the
 *       model closes; optimizer state belongs to the optimizer. Long-lived tensors are
 *       {@linkplain dev.ingot.core.Tensor#detach() detached} from any {@link
 *       dev.ingot.core.TensorScope} the caller may have open, so a scope never frees a model.</li>
 *   <li>Randomness is seeded and counter-based: initial weights from (seed, layer index), dropout
 *       masks from (seed, step, layer index). The same seed gives the same run, and a resumed run
 *       repeats an uninterrupted one.</li>
 * </ul>
 */
package dev.ingot.nn;
