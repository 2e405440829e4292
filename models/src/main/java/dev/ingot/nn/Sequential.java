package dev.ingot.nn;

import dev.ingot.core.Backend;
import dev.ingot.core.Shape;
import dev.ingot.core.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A stack of layers, Keras {@code Sequential}: each layer's output is the next one's input.
 *
 * <pre>{@code
 * try (Backend backend = Backends.get("cpu");
 *      Sequential model = new Sequential(
 *              new Flatten(),
 *              new Linear(128), new ReLU(),
 *              new Dropout(0.2f),
 *              new Linear(10))) {
 *     model.build(backend, Shape.of(1, 28, 28), 42);     // allocates and initialises the weights
 *     Tensor logits = model.forward(images, Mode.INFERENCE);
 * }
 * }</pre>
 *
 * <p>Reverse mode: {@link #forward} in training mode records, layer by layer, what each backward
 * pass needs; {@link #backward} then runs the layers' backward passes in reverse order, leaving
 * every {@link Parameter#grad()} set. The first layer computes no input gradient (nobody needs it).
 *
 * <p>The model owns its layers: {@link #close()} frees every parameter and buffer.
 */
public final class Sequential implements Model {
    private final List<Layer> layers;
    private final List<Parameter> parameters = new ArrayList<>();
    private final List<Parameter> parameterView = Collections.unmodifiableList(parameters);
    private final List<Buffer> buffers = new ArrayList<>();
    private final List<Shape> outputShapes = new ArrayList<>();
    private Backend backend;
    private Shape inputShape;
    private long seed;
    private boolean recorded;
    private GradientsReadyListener gradientsReady;
    private boolean closed;

    public Sequential(Layer... layers) {
        this(Arrays.asList(layers));
    }

    public Sequential(List<? extends Layer> layers) {
        if (layers == null || layers.isEmpty()) {
            throw new IllegalArgumentException("a Sequential model needs at least one layer");
        }
        for (int i = 0; i < layers.size(); i++) {
            if (layers.get(i) == null) {
                throw new IllegalArgumentException("layer " + i + " of the Sequential model is null");
            }
        }
        if (layers.stream().distinct().count() != layers.size()) {
            throw new IllegalArgumentException("the same layer object appears twice in the Sequential model;"
                    + " every position needs its own layer");
        }
        this.layers = List.copyOf(layers);
    }

    /**
     * Allocates every layer's parameters on {@code backend} and initialises them: layer {@code i}
     * draws from a random stream seeded by {@code (seed, i)}, so the same seed gives the same
     * weights on every backend.
     *
     * @param inputShape the shape of one sample, e.g. {@code (1, 28, 28)}
     * @return this model
     */
    @Override
    public Sequential build(Backend backend, Shape inputShape, long seed) {
        if (backend == null || inputShape == null) {
            throw new IllegalArgumentException("build needs a backend and an input shape, got " + backend + ", "
                    + inputShape);
        }
        if (this.backend != null) {
            throw new IllegalStateException("model is already built on backend '" + this.backend.name()
                    + "' for input shape " + this.inputShape);
        }
        requireOpen();
        Shape shape = inputShape;
        try {
            for (int i = 0; i < layers.size(); i++) {
                Layer layer = layers.get(i);
                try {
                    shape = layer.build(backend, shape, new SplittableRandom(Seeds.mix(seed, i)));
                    outputShapes.add(shape);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("layer " + i + " (" + layer.describe() + "): " + e.getMessage(), e);
                }
                for (Parameter p : layer.parameters()) {
                    parameters.add(p.named(i + "." + layer.kind() + "." + p.name()));
                }
                for (Buffer buffer : layer.buffers()) {
                    buffers.add(buffer.named(i + "." + layer.kind() + "." + buffer.name()));
                }
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        this.backend = backend;
        this.inputShape = inputShape;
        this.seed = seed;
        return this;
    }

    /**
     * Runs the layers in order on a batch {@code x (N, inputShape...)} and returns the last
     * layer's output (owned by that layer; valid until the next forward with this batch size).
     */
    @Override
    public Tensor forward(Tensor x, Mode mode) {
        requireBuilt();
        if (mode == null) {
            throw new IllegalArgumentException("forward needs a mode (Mode.INFERENCE or Mode.training(seed))");
        }
        Tensor h = x;
        for (int i = 0; i < layers.size(); i++) {
            h = layers.get(i).forward(h, mode.forLayer(i));
        }
        recorded = mode.training();
        return h;
    }

    /**
     * Back-propagates {@code dOutput}, the gradient of the loss with respect to the last
     * training-mode output, through every layer in reverse, setting each parameter's gradient.
     */
    @Override
    public void backward(Tensor dOutput) {
        requireBuilt();
        if (!recorded) {
            throw new IllegalStateException("backward needs a forward pass in training mode first"
                    + " (Mode.training(seed)); the last forward was in inference mode, or there was none");
        }
        // Layers before the first one with a trainable parameter need no backward pass at all (a
        // frozen stem), and the first one that runs needs no input gradient.
        int first = firstTrainableLayer();
        Tensor g = dOutput;
        for (int i = layers.size() - 1; i >= first; i--) {
            Layer layer = layers.get(i);
            g = layer.backward(g, i > first);
            if (gradientsReady != null) {
                gradientsReady.gradientsReady(layer);
            }
        }
        recorded = false;
    }

    @Override
    public void gradientsReadyListener(GradientsReadyListener listener) {
        gradientsReady = listener;
    }

    private int firstTrainableLayer() {
        for (int i = 0; i < layers.size(); i++) {
            for (Parameter p : layers.get(i).parameters()) {
                if (!p.frozen()) {
                    return i;
                }
            }
        }
        return layers.size();
    }

    /** Every parameter, named {@code "<layer index>.<kind>.<name>"}, in layer order. */
    @Override
    public List<Parameter> parameters() {
        return parameterView;
    }

    @Override
    public List<Parameter> trainableParameters() {
        return Freezing.trainable(parameterView);
    }

    /** Every buffer (BatchNorm's running statistics), named {@code "<layer index>.<kind>.<name>"}, in layer order. */
    @Override
    public List<Buffer> buffers() {
        return Collections.unmodifiableList(buffers);
    }

    @Override
    public List<Layer> layers() {
        return layers;
    }

    /** What layer {@code index} of a built model takes and gives, per sample (no batch dimension). */
    public record LayerShapes(int index, Layer layer, Shape input, Shape output) {
    }

    /**
     * Every layer with its per-sample input and output shape, in order: the shapes training really
     * runs, for the tests and benchmarks that check or time the kernels at exactly those sizes.
     */
    public List<LayerShapes> layerShapes() {
        requireBuilt();
        List<LayerShapes> all = new ArrayList<>();
        Shape in = inputShape;
        for (int i = 0; i < layers.size(); i++) {
            all.add(new LayerShapes(i, layers.get(i), in, outputShapes.get(i)));
            in = outputShapes.get(i);
        }
        return all;
    }

    @Override
    public Backend backend() {
        requireBuilt();
        return backend;
    }

    /** Per-sample input shape given to {@link #build}. */
    @Override
    public Shape inputShape() {
        requireBuilt();
        return inputShape;
    }

    /** Per-sample output shape: {@code (classes)} for a classifier. */
    @Override
    public Shape outputShape() {
        requireBuilt();
        return outputShapes.getLast();
    }

    /** The seed the weights were initialised from. */
    @Override
    public long seed() {
        return seed;
    }

    @Override
    public boolean isBuilt() {
        return backend != null && !closed;
    }

    /** A table like Keras' {@code model.summary()}: each layer, its output shape and parameter count. */
    @Override
    public String summary() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("%-3s %-52s %-15s %9s%n", "#", "layer", "output shape", "params"));
        for (int i = 0; i < layers.size(); i++) {
            Layer layer = layers.get(i);
            long count = layer.parameters().stream().mapToLong(Parameter::size).sum();
            sb.append(String.format("%-3d %-52s %-15s %9d%n", i, layer.describe(),
                    i < outputShapes.size() ? outputShapes.get(i) : "?", count));
        }
        sb.append("input ").append(inputShape == null ? "?" : inputShape).append(", ")
                .append(Freezing.countLine(parameterView)).append('\n');
        return sb.toString();
    }

    /** Frees every layer's parameters and buffers. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        Layer.closeAll(layers);
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("model is closed");
        }
    }

    private void requireBuilt() {
        requireOpen();
        if (backend == null) {
            throw new IllegalStateException("model is not built: call build(backend, inputShape, seed) first");
        }
    }
}
