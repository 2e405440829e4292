package dev.ingot.nn;

import dev.ingot.core.Backend;
import dev.ingot.core.Shape;
import dev.ingot.core.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * A model whose layers form a directed acyclic graph, in the spirit of Keras' functional models:
 * named nodes, each an existing {@link Layer} applied to an earlier node's output, an element-wise
 * {@linkplain Builder#add sum} of several nodes (a residual connection), or a
 * {@linkplain Builder#concat channel concatenation}. A node's output may feed several nodes; in the
 * backward pass their gradients are summed.
 *
 * <pre>{@code
 * Graph.Builder g = Graph.builder();
 * Graph.Node x = g.input();
 * Graph.Node h = g.apply("conv1", new Conv2d(16, 3, 3, Conv2dSpec.of(1, 1)).withoutBias(), x);
 * h = g.apply("bn1", new BatchNorm2d(), h);
 * Graph.Node y = g.apply("relu", new ReLU(), g.add("residual", h, x));
 * Graph model = g.build(y);
 * model.build(backend, Shape.of(16, 32, 32), 42);
 * }</pre>
 *
 * <p>The tape is the nodes themselves: nodes can only name earlier nodes, so the order they were
 * added in is a topological order. {@link #forward} runs them in that order, each layer recording
 * what its backward pass needs; {@link #backward} runs them in reverse, handing each node the sum of
 * its consumers' gradients (kept in a per-node buffer, summed with {@link Backend#add}: no tensor
 * is allocated in steady state). Nodes that lead to no trainable parameter get no gradient.
 *
 * <p>Parameter and buffer names are {@code "<node name>.<name>"}: {@code "layer1.0.conv1.weight"},
 * {@code "bn1.running_mean"}, as in torchvision's state dicts.
 */
public final class Graph implements Model {

    /** What a node computes. */
    private enum Kind { INPUT, LAYER, ADD, CONCAT }

    /** A handle on a node of a graph under construction, to pass to later nodes. */
    public static final class Node {
        private final Builder owner;
        private final int index;

        private Node(Builder owner, int index) {
            this.owner = owner;
            this.index = index;
        }

        /** The node's name, unique in its graph. */
        public String name() {
            return owner.names.get(index);
        }

        @Override
        public String toString() {
            return "Node(" + name() + ")";
        }
    }

    /** Adds nodes one at a time; each names the earlier nodes it reads. */
    public static final class Builder {
        private final List<String> names = new ArrayList<>();
        private final List<Kind> kinds = new ArrayList<>();
        private final List<Layer> layers = new ArrayList<>();
        private final List<int[]> inputs = new ArrayList<>();
        private final Set<Layer> seenLayers = Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        private boolean built;

        private Builder() {
        }

        /** The model's input: one batch {@code (N, inputShape...)}. A graph has exactly one. */
        public Node input() {
            if (!kinds.isEmpty() && kinds.contains(Kind.INPUT)) {
                throw new IllegalStateException("graph already has an input node; a graph has exactly one");
            }
            return node("input", Kind.INPUT, null, new int[0]);
        }

        /** {@code layer} applied to {@code input}'s output, named {@code "<index>.<kind>"}. */
        public Node apply(Layer layer, Node input) {
            if (layer == null) {
                throw new IllegalArgumentException("graph node " + names.size() + ": layer is null");
            }
            return apply(names.size() + "." + layer.kind(), layer, input);
        }

        /** {@code layer} applied to {@code input}'s output, under {@code name}. */
        public Node apply(String name, Layer layer, Node input) {
            if (layer == null) {
                throw new IllegalArgumentException("graph node '" + name + "': layer is null");
            }
            if (!seenLayers.add(layer)) {
                throw new IllegalArgumentException("graph node '" + name + "': the layer object " + layer.describe()
                        + " is already used by another node; every node needs its own layer");
            }
            return node(name, Kind.LAYER, layer, indices(name, input));
        }

        /** Element-wise sum of nodes of one shape (a residual connection: {@code add(f(x), x)}). */
        public Node add(String name, Node... addends) {
            if (addends == null || addends.length < 2) {
                throw new IllegalArgumentException("graph node '" + name + "': add needs at least 2 inputs, got "
                        + (addends == null ? 0 : addends.length));
            }
            return node(name, Kind.ADD, null, indices(name, addends));
        }

        /** Concatenation along the channel dimension (dimension 1 of a batch), in the order given. */
        public Node concat(String name, Node... parts) {
            if (parts == null || parts.length < 1) {
                throw new IllegalArgumentException("graph node '" + name + "': concat needs at least 1 input");
            }
            return node(name, Kind.CONCAT, null, indices(name, parts));
        }

        /**
         * The model whose output is {@code output}. Every node must lead to it (a node that does not
         * is almost always a wiring mistake).
         */
        public Graph build(Node output) {
            if (built) {
                throw new IllegalStateException("this builder already made its graph");
            }
            int out = indices("output", output)[0];
            if (!kinds.contains(Kind.INPUT)) {
                throw new IllegalStateException("graph has no input node: start with builder.input()");
            }
            boolean[] used = new boolean[names.size()];
            used[out] = true;
            for (int i = out; i >= 0; i--) {
                if (used[i]) {
                    for (int j : inputs.get(i)) {
                        used[j] = true;
                    }
                }
            }
            List<String> unused = new ArrayList<>();
            for (int i = 0; i < used.length; i++) {
                if (!used[i]) {
                    unused.add(names.get(i));
                }
            }
            if (!unused.isEmpty()) {
                throw new IllegalArgumentException("graph nodes " + unused + " do not lead to the output node '"
                        + names.get(out) + "'");
            }
            if (out != names.size() - 1) {
                throw new IllegalArgumentException("graph output '" + names.get(out) + "' is not the last node"
                        + " added, so later nodes do not lead to it");
            }
            built = true;
            return new Graph(this);
        }

        private Node node(String name, Kind kind, Layer layer, int[] in) {
            if (built) {
                throw new IllegalStateException("this builder already made its graph; start a new one");
            }
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("graph node " + names.size() + ": name must not be empty");
            }
            if (names.contains(name)) {
                throw new IllegalArgumentException("graph already has a node named '" + name + "'; names are unique");
            }
            names.add(name);
            kinds.add(kind);
            layers.add(layer);
            inputs.add(in);
            return new Node(this, names.size() - 1);
        }

        private int[] indices(String name, Node... nodes) {
            int[] in = new int[nodes.length];
            for (int i = 0; i < nodes.length; i++) {
                Node n = nodes[i];
                if (n == null) {
                    throw new IllegalArgumentException("graph node '" + name + "': input " + i + " is null");
                }
                if (n.owner != this) {
                    throw new IllegalArgumentException("graph node '" + name + "': input " + n
                            + " belongs to another graph builder");
                }
                in[i] = n.index;
            }
            return in;
        }
    }

    /** A new, empty graph. */
    public static Builder builder() {
        return new Builder();
    }

    private final String[] names;
    private final Kind[] kinds;
    private final Layer[] layers;
    private final int[][] inputs;
    private final int inputNode;
    private final int outputNode;
    private final List<Layer> layerList;
    private final List<Parameter> parameters = new ArrayList<>();
    private final List<Parameter> parameterView = Collections.unmodifiableList(parameters);
    private final List<Buffer> buffers = new ArrayList<>();
    private final List<Buffer> bufferView = Collections.unmodifiableList(buffers);
    /** The parameters of each node's layer (empty for the others), to decide which nodes need gradients. */
    private final List<List<Parameter>> nodeParameters = new ArrayList<>();
    private final TensorCache cache = new TensorCache();
    private Shape[] shapes;
    private Shape[] batchShapes;
    private String[] gradientRoles;
    private Tensor[] outputs;
    private Tensor[] gradients;
    private boolean[] ownGradient;
    private boolean[] needsGradient;
    private List<Tensor>[] concatInputs;
    private List<Tensor>[] concatGradients;
    private Backend backend;
    private Shape inputShape;
    private long seed;
    private boolean recorded;
    private GradientsReadyListener gradientsReady;
    private boolean closed;

    private Graph(Builder b) {
        int n = b.names.size();
        names = b.names.toArray(new String[0]);
        kinds = b.kinds.toArray(new Kind[0]);
        layers = b.layers.toArray(new Layer[0]);
        inputs = b.inputs.toArray(new int[0][]);
        inputNode = b.kinds.indexOf(Kind.INPUT);
        outputNode = n - 1;
        List<Layer> ls = new ArrayList<>();
        for (Layer l : layers) {
            if (l != null) {
                ls.add(l);
            }
        }
        layerList = List.copyOf(ls);
    }

    /**
     * Builds every node's layer on {@code backend} in node order: the layer of node {@code i} draws
     * its initial weights from a stream seeded by {@code (seed, i)}.
     */
    @Override
    @SuppressWarnings("unchecked")
    public Graph build(Backend backend, Shape inputShape, long seed) {
        if (backend == null || inputShape == null) {
            throw new IllegalArgumentException("build needs a backend and an input shape, got " + backend + ", "
                    + inputShape);
        }
        if (this.backend != null) {
            throw new IllegalStateException("graph is already built on backend '" + this.backend.name()
                    + "' for input shape " + this.inputShape);
        }
        requireOpen();
        int n = names.length;
        shapes = new Shape[n];
        try {
            for (int i = 0; i < n; i++) {
                shapes[i] = switch (kinds[i]) {
                    case INPUT -> inputShape;
                    case LAYER -> buildLayer(i, backend, seed);
                    case ADD -> sumShape(i);
                    case CONCAT -> concatShape(i);
                };
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        cache.bind(backend);
        batchShapes = new Shape[n];
        gradientRoles = new String[n];
        outputs = new Tensor[n];
        gradients = new Tensor[n];
        ownGradient = new boolean[n];
        needsGradient = new boolean[n];
        concatInputs = new List[n];
        concatGradients = new List[n];
        for (int i = 0; i < n; i++) {
            gradientRoles[i] = "grad:" + names[i];
            if (kinds[i] == Kind.CONCAT) {
                concatInputs[i] = new ArrayList<>(Collections.nCopies(inputs[i].length, null));
                concatGradients[i] = new ArrayList<>(Collections.nCopies(inputs[i].length, null));
            }
        }
        this.backend = backend;
        this.inputShape = inputShape;
        this.seed = seed;
        return this;
    }

    private Shape buildLayer(int i, Backend backend, long seed) {
        Layer layer = layers[i];
        Shape in = shapes[inputs[i][0]];
        Shape out;
        try {
            out = layer.build(backend, in, new SplittableRandom(Seeds.mix(seed, i)));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("graph node '" + names[i] + "' (" + layer.describe() + ", input "
                    + in + "): " + e.getMessage(), e);
        }
        List<Parameter> own = new ArrayList<>();
        for (Parameter p : layer.parameters()) {
            Parameter named = p.named(names[i] + "." + p.name());
            parameters.add(named);
            own.add(named);
        }
        while (nodeParameters.size() < i) {
            nodeParameters.add(List.of());
        }
        nodeParameters.add(own);
        for (Buffer buffer : layer.buffers()) {
            buffers.add(buffer.named(names[i] + "." + buffer.name()));
        }
        return out;
    }

    private Shape sumShape(int i) {
        Shape first = shapes[inputs[i][0]];
        for (int j : inputs[i]) {
            if (!shapes[j].equals(first)) {
                throw new IllegalArgumentException("graph node '" + names[i] + "' (add): inputs have different shapes: "
                        + describeInputs(i) + "; an element-wise sum needs one shape (use a projection on the"
                        + " shortcut)");
            }
        }
        return first;
    }

    private Shape concatShape(int i) {
        Shape first = shapes[inputs[i][0]];
        int channels = 0;
        for (int j : inputs[i]) {
            Shape s = shapes[j];
            boolean same = s.rank() == first.rank() && s.rank() >= 1
                    && Arrays.equals(Arrays.copyOfRange(s.dims(), 1, s.rank()),
                    Arrays.copyOfRange(first.dims(), 1, first.rank()));
            if (!same) {
                throw new IllegalArgumentException("graph node '" + names[i] + "' (concat): inputs " + describeInputs(i)
                        + " differ in more than the channel dimension (the first of each sample's shape)");
            }
            channels += s.dim(0);
        }
        int[] d = first.dims().clone();
        d[0] = channels;
        return Shape.of(d);
    }

    private String describeInputs(int i) {
        StringBuilder sb = new StringBuilder();
        for (int j : inputs[i]) {
            sb.append(sb.isEmpty() ? "" : ", ").append(names[j]).append(' ').append(shapes[j]);
        }
        return sb.toString();
    }

    @Override
    public Tensor forward(Tensor x, Mode mode) {
        requireBuilt();
        if (mode == null) {
            throw new IllegalArgumentException("forward needs a mode (Mode.INFERENCE or Mode.training(seed))");
        }
        if (x == null) {
            throw new IllegalArgumentException("graph input must not be null");
        }
        x.requireOpen("graph input");
        requireInputShape(x.shape());
        recorded = false;
        outputs[inputNode] = x;
        for (int i = 0; i < names.length; i++) {
            switch (kinds[i]) {
                case INPUT -> {
                }
                case LAYER -> outputs[i] = layers[i].forward(outputs[inputs[i][0]], mode.forLayer(i));
                case ADD -> {
                    int[] in = inputs[i];
                    Tensor y = buffer(i, "y", outputs[in[0]].shape().dim(0));
                    backend.add(outputs[in[0]], outputs[in[1]], y);
                    for (int k = 2; k < in.length; k++) {
                        backend.add(y, outputs[in[k]], y);
                    }
                    outputs[i] = y;
                }
                case CONCAT -> {
                    int[] in = inputs[i];
                    List<Tensor> parts = concatInputs[i];
                    for (int k = 0; k < in.length; k++) {
                        parts.set(k, outputs[in[k]]);
                    }
                    Tensor y = buffer(i, "y", outputs[in[0]].shape().dim(0));
                    backend.concatChannels(parts, y);
                    outputs[i] = y;
                }
            }
        }
        recorded = mode.training();
        return outputs[outputNode];
    }

    private void requireInputShape(Shape s) {
        boolean ok = s.rank() == inputShape.rank() + 1;
        for (int d = 0; ok && d < inputShape.rank(); d++) {
            ok = s.dim(d + 1) == inputShape.dim(d);
        }
        if (!ok) {
            throw new IllegalArgumentException("graph input has shape " + s + ", expected a batch of " + inputShape
                    + " (N first)");
        }
    }

    /** Node i's cached tensor for {@code role} at batch size {@code n}. */
    private Tensor buffer(int i, String role, int n) {
        Shape s = batchShapes[i];
        if (s == null || s.dim(0) != n) {
            s = LayerState.batched(shapes[i], n);
            batchShapes[i] = s;
        }
        return cache.get(role.equals("y") ? names[i] : gradientRoles[i], s);
    }

    @Override
    public void backward(Tensor dOutput) {
        requireBuilt();
        if (!recorded) {
            throw new IllegalStateException("backward needs a forward pass in training mode first"
                    + " (Mode.training(seed)); the last forward was in inference mode, or there was none");
        }
        if (dOutput == null) {
            throw new IllegalArgumentException("graph backward: output gradient must not be null");
        }
        dOutput.requireOpen("graph output gradient");
        if (!dOutput.shape().equals(outputs[outputNode].shape())) {
            throw new IllegalArgumentException("graph backward: output gradient has shape " + dOutput.shape()
                    + ", expected " + outputs[outputNode].shape() + " (the shape of the last forward's output)");
        }
        markNodesNeedingGradient();
        Arrays.fill(gradients, null);
        Arrays.fill(ownGradient, false);
        gradients[outputNode] = dOutput;
        for (int i = outputNode; i >= 0; i--) {
            Tensor dy = gradients[i];
            if (dy == null || kinds[i] == Kind.INPUT) {
                continue;
            }
            int[] in = inputs[i];
            switch (kinds[i]) {
                case LAYER -> {
                    boolean wanted = needsGradient[in[0]];
                    Tensor dx = layers[i].backward(dy, wanted);
                    if (gradientsReady != null) {
                        gradientsReady.gradientsReady(layers[i]);
                    }
                    if (wanted) {
                        accumulate(in[0], dx);
                    }
                }
                case ADD -> {
                    for (int j : in) {
                        if (needsGradient[j]) {
                            accumulate(j, dy);
                        }
                    }
                }
                case CONCAT -> {
                    List<Tensor> parts = concatGradients[i];
                    boolean any = false;
                    boolean skipped = false;
                    int n = dy.shape().dim(0);
                    for (int k = 0; k < in.length; k++) {
                        int j = in[k];
                        // A part is written straight into its node's gradient buffer when it is the
                        // first contribution there; a later one goes through a scratch buffer and a
                        // sum. The kernel may skip one unwanted part; others land in scratch.
                        Tensor target;
                        if (needsGradient[j]) {
                            target = gradients[j] == null ? claim(j, n) : scratch(i, k, j, n);
                            any = true;
                        } else if (!skipped) {
                            target = null;
                            skipped = true;
                        } else {
                            target = scratch(i, k, j, n);
                        }
                        parts.set(k, target);
                    }
                    if (any) {
                        backend.concatChannelsBackward(dy, parts);
                        for (int k = 0; k < in.length; k++) {
                            Tensor t = parts.get(k);
                            int j = in[k];
                            if (t != null && needsGradient[j] && t != gradients[j]) {
                                accumulate(j, t);
                            }
                        }
                    }
                }
                default -> throw new IllegalStateException("unreachable");
            }
        }
        recorded = false;
    }

    /** Whether any node at or before each node holds a trainable parameter (else no gradient is needed there). */
    private void markNodesNeedingGradient() {
        for (int i = 0; i < names.length; i++) {
            boolean needs = false;
            if (kinds[i] == Kind.LAYER) {
                for (Parameter p : nodeParameters.get(i)) {
                    if (!p.frozen()) {
                        needs = true;
                        break;
                    }
                }
            }
            for (int j : inputs[i]) {
                needs |= needsGradient[j];
            }
            needsGradient[i] = needs;
        }
    }

    /** Node j's own gradient buffer, now holding its gradient (to be overwritten by the caller). */
    private Tensor claim(int j, int n) {
        Tensor g = buffer(j, "grad", n);
        gradients[j] = g;
        ownGradient[j] = true;
        return g;
    }

    /** A buffer for part k of concat node i that goes to node j, which already has a gradient. */
    private Tensor scratch(int i, int k, int j, int n) {
        return cache.get(gradientRoles[i] + "/" + k, LayerState.batched(shapes[j], n));
    }

    /**
     * Adds {@code contribution} to node j's gradient. The first contribution is kept by reference
     * (it stays valid: the consumer that made it runs no other backward this step); a second one
     * makes the sum in j's own buffer.
     */
    private void accumulate(int j, Tensor contribution) {
        Tensor g = gradients[j];
        if (g == null) {
            gradients[j] = contribution;
        } else if (ownGradient[j]) {
            backend.add(g, contribution, g);
        } else {
            Tensor own = buffer(j, "grad", contribution.shape().dim(0));
            backend.add(g, contribution, own);
            gradients[j] = own;
            ownGradient[j] = true;
        }
    }

    @Override
    public void gradientsReadyListener(GradientsReadyListener listener) {
        gradientsReady = listener;
    }

    @Override
    public List<Parameter> parameters() {
        return parameterView;
    }

    @Override
    public List<Parameter> trainableParameters() {
        return Freezing.trainable(parameterView);
    }

    @Override
    public List<Buffer> buffers() {
        return bufferView;
    }

    @Override
    public List<Layer> layers() {
        return layerList;
    }

    /**
     * One node as exporters see it: {@code op} is "input", "layer", "add" or "concat"; {@code layer}
     * is null except for "layer"; {@code inputs} are earlier node names.
     */
    public record NodeView(String name, String op, Layer layer, List<String> inputs) {
    }

    /** Every node in topological order (the input first, the output last). */
    public List<NodeView> topology() {
        List<NodeView> out = new ArrayList<>();
        for (int i = 0; i < names.length; i++) {
            List<String> in = new ArrayList<>();
            for (int j : inputs[i]) {
                in.add(names[j]);
            }
            out.add(new NodeView(names[i], kinds[i].name().toLowerCase(java.util.Locale.ROOT), layers[i], List.copyOf(in)));
        }
        return out;
    }

    /** The name of the node whose value {@link #forward} returns. */
    public String outputName() {
        return names[outputNode];
    }

    /** The node names in order, the input first. */
    public List<String> nodeNames() {
        return List.of(names);
    }

    @Override
    public Backend backend() {
        requireBuilt();
        return backend;
    }

    @Override
    public Shape inputShape() {
        requireBuilt();
        return inputShape;
    }

    @Override
    public Shape outputShape() {
        requireBuilt();
        return shapes[outputNode];
    }

    @Override
    public long seed() {
        return seed;
    }

    @Override
    public boolean isBuilt() {
        return backend != null && !closed;
    }

    /** One row per node: name, what it computes, its inputs, output shape and parameter count. */
    @Override
    public String summary() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("%-22s %-62s %-36s %-14s %9s%n", "node", "layer", "inputs", "output shape", "params"));
        for (int i = 0; i < names.length; i++) {
            String what = switch (kinds[i]) {
                case INPUT -> "Input";
                case LAYER -> layers[i].describe();
                case ADD -> "Add";
                case CONCAT -> "Concat(channels)";
            };
            StringBuilder in = new StringBuilder();
            for (int j : inputs[i]) {
                in.append(in.isEmpty() ? "" : ", ").append(names[j]);
            }
            long count = kinds[i] == Kind.LAYER ? layers[i].parameters().stream().mapToLong(Parameter::size).sum() : 0;
            sb.append(String.format("%-22s %-62s %-36s %-14s %9d%n", names[i], what, in,
                    shapes == null || shapes[i] == null ? "?" : shapes[i], count));
        }
        sb.append("input ").append(inputShape == null ? "?" : inputShape).append(", ")
                .append(Freezing.countLine(parameterView)).append('\n');
        return sb.toString();
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            Layer.closeAll(layerList);
        } finally {
            cache.close();
        }
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("graph is closed");
        }
    }

    private void requireBuilt() {
        requireOpen();
        if (backend == null) {
            throw new IllegalStateException("graph is not built: call build(backend, inputShape, seed) first");
        }
    }
}
