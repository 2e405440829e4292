package dev.ingot.reliability;

import dev.ingot.core.Backend;
import dev.ingot.core.DType;
import dev.ingot.core.Shape;
import dev.ingot.core.Tensor;
import dev.ingot.core.spec.AdamSpec;
import dev.ingot.core.spec.Conv2dSpec;
import dev.ingot.core.spec.Pool2dSpec;
import dev.ingot.core.spec.SgdSpec;
import dev.ingot.nn.Adam;
import dev.ingot.nn.AvgPool2d;
import dev.ingot.nn.BatchNorm2d;
import dev.ingot.nn.Conv2d;
import dev.ingot.nn.Dropout;
import dev.ingot.core.spec.CrossEntropySpec;
import dev.ingot.data.Dataset;
import dev.ingot.nn.CrossEntropyLoss;
import dev.ingot.nn.Flatten;
import dev.ingot.nn.Graph;
import dev.ingot.nn.Trainer;
import dev.ingot.nn.TrainingListener;
import dev.ingot.nn.GlobalAvgPool2d;
import dev.ingot.nn.Layer;
import dev.ingot.nn.Linear;
import dev.ingot.nn.MaxPool2d;
import dev.ingot.nn.Mode;
import dev.ingot.nn.Optimizer;
import dev.ingot.nn.ReLU;
import dev.ingot.nn.SGD;
import dev.ingot.nn.Sequential;
import dev.ingot.nn.Softmax;
import dev.ingot.reference.ReferenceBackend;
import org.instancio.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

import static dev.ingot.reliability.FuzzRandom.anyLong;
import static dev.ingot.reliability.FuzzRandom.below;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The property-based fuzzer over the public API above {@link dev.ingot.core.Backend} (which
 * {@link BackendFuzzTest} covers): {@link Shape}, {@link Tensor}, model construction, build,
 * forward and backward through {@link Sequential} with every kind of layer, an optimizer
 * step, a {@link Graph} wired through its builder, {@link CrossEntropyLoss} with and without a
 * {@link CrossEntropySpec}, and (one try in six) a {@link Trainer} fitting and evaluating tiny
 * in-memory {@link Dataset}s. Each try draws, from Instancio's seeded random ({@link FuzzRandom}), a few Shape and Tensor
 * calls and one small model whose arguments are right most of the time and otherwise wrong (sizes
 * of 0, -1 or 2^31-1, null, an input of the wrong shape or backend, a closed tensor, a backward
 * without a training forward, a learning rate that is NaN, infinite or negative);
 * the same try runs on the reference and on every backend here. Every call is classified:
 * <ul>
 *   <li><b>accepted</b>: it returned (on every backend alike);</li>
 *   <li><b>typed rejection</b>: an {@link IllegalArgumentException} or {@link IllegalStateException}
 *       whose message names the call: the method or the backend op it delegates to (a
 *       {@code toIntArray} of a float tensor is refused by {@code copyToHost}), or, for a model
 *       call, one of its layers' kinds, "layer", "model" or the method;</li>
 *   <li>anything else (another exception, an Error, backends that disagree on the class, tensor
 *       memory left behind after the model and tensors are closed) fails the run.</li>
 * </ul>
 * Calls are counted per family (shape, tensor, model, optimizer, graph, loss, trainer). CI runs 1,500 tries;
 * {@code -Dingot.fuzz.apiTries=N} for longer runs, {@code -Dingot.fuzz.apiSeed=S} replays one try.
 */
class ApiFuzzTest {
    private static final long MASTER_SEED = 1919;
    private static final int TRIES = Integer.getInteger("ingot.fuzz.apiTries", 1500);
    private static final Map<String, Long> OUTCOMES = new TreeMap<>();
    private static List<Backend> backends;

    enum Kind { ACCEPTED, REJECTED }

    /** One call's outcome: the family ("shape", "tensor", "model", "graph", ...), the call, its class. */
    record Outcome(String family, String call, Kind kind, String message) {
    }

    @BeforeAll
    static void open() {
        backends = new ArrayList<>();
        backends.add(new ReferenceBackend());
        for (String name : ReliabilityBackends.available()) {
            backends.add(ReliabilityBackends.open(name));
        }
        OUTCOMES.clear();
    }

    @AfterAll
    static void report() {
        long total = OUTCOMES.values().stream().mapToLong(Long::longValue).sum();
        System.out.println("api fuzz: " + total + " calls per backend on "
                + backends.stream().map(Backend::name).toList() + ", outcomes " + OUTCOMES);
        backends.forEach(Backend::close);
    }

    @Test
    void everyCallIsAcceptedOrATypedRejection() {
        Long only = Long.getLong("ingot.fuzz.apiSeed");
        if (only != null) {
            oneTry(only);
            return;
        }
        Random seeds = FuzzRandom.seeded(MASTER_SEED);
        for (int i = 0; i < TRIES; i++) {
            oneTry(anyLong(seeds));
        }
        long model = OUTCOMES.entrySet().stream().filter(e -> e.getKey().startsWith("model"))
                .mapToLong(Map.Entry::getValue).sum();
        assertTrue(model >= 3L * TRIES, "a try makes at least 3 model calls: " + model);
    }

    private static void oneTry(long seed) {
        List<Outcome> expected = null;
        for (Backend b : backends) {
            List<Outcome> actual = new Try(seed, b, backends.get(backends.size() - 1 - backends.indexOf(b))).run();
            if (expected == null) {
                expected = actual;
                for (Outcome o : actual) {
                    OUTCOMES.merge(o.family() + " " + o.kind().name().toLowerCase(Locale.ROOT), 1L, Long::sum);
                }
                continue;
            }
            assertEquals(expected.size(), actual.size(), "seed " + seed + " on " + b.name() + ": " + actual);
            for (int i = 0; i < expected.size(); i++) {
                Outcome e = expected.get(i), a = actual.get(i);
                assertEquals(e.kind(), a.kind(), "seed " + seed + ", call " + i + " (" + e.call() + ") on " + b.name()
                        + ": the reference " + e.kind() + " (" + e.message() + "), the backend " + a.kind() + " ("
                        + a.message() + ")");
            }
        }
    }

    /** The calls one seed draws, on one backend ({@code foreign} supplies another backend's tensors). */
    static final class Try {
        private final long seed;
        private final Random r;
        private final Backend b;
        private final Backend foreign;
        private final List<Tensor> made = new ArrayList<>();
        private final List<Outcome> outcomes = new ArrayList<>();

        Try(long seed, Backend b, Backend foreign) {
            this.seed = seed;
            this.r = FuzzRandom.seeded(seed);
            this.b = b;
            this.foreign = foreign;
        }

        List<Outcome> run() {
            long before = b.bytesInUse();
            try {
                for (int i = below(r, 4); i > 0; i--) {
                    shapeCall();
                }
                for (int i = below(r, 4); i > 0; i--) {
                    tensorCall();
                }
                modelCalls();
                graphCalls();
                lossCalls();
                if (below(r, 6) == 0) {
                    trainerCalls();
                }
            } finally {
                made.forEach(Tensor::close);
            }
            assertEquals(before, b.bytesInUse(), "seed " + seed + ": tensor memory left behind on " + b.name() + ": " + outcomes);
            return outcomes;
        }

        /**
         * Runs {@code call}, classifying it; a rejection must name one of {@code names}
         * (case-insensitive). Returns its value, or null when it was rejected.
         */
        private <T> T call(String family, String call, List<String> names, Supplier<T> body) {
            try {
                T value = body.get();
                outcomes.add(new Outcome(family, call, Kind.ACCEPTED, null));
                return value;
            } catch (IllegalArgumentException | IllegalStateException e) {
                String m = String.valueOf(e.getMessage());
                String lower = m.toLowerCase(Locale.ROOT);
                if (names.stream().noneMatch(n -> lower.contains(n.toLowerCase(Locale.ROOT)))) {
                    throw new AssertionError("seed " + seed + ": " + call + " on " + b.name() + ": a rejection that names none of " + names
                            + ": " + m, e);
                }
                outcomes.add(new Outcome(family, call, Kind.REJECTED, m));
                return null;
            } catch (RuntimeException | Error e) {
                throw new AssertionError("seed " + seed + ": " + call + " on " + b.name() + ": untyped failure " + e, e);
            }
        }

        // ------------------------------------------------------------ draws

        /**
         * A size: usually small, sometimes 0, negative, past any real size, or large but valid
         * (1,024: large enough to reach every size check, small enough that a model of such sizes
         * fits the test's heap; the fuzzer looks for untyped failures, not for resource limits).
         */
        private int size(int ordinary) {
            return switch (below(r, 16)) {
                case 0 -> 0;
                case 1 -> -1;
                case 2 -> Integer.MAX_VALUE;
                case 3 -> 1 << 10;
                default -> ordinary;
            };
        }

        /** A padding, stride or dilation at its limits: 0, negative, or so large the padded input overflows an int. */
        private int edge(int ordinary) {
            return switch (below(r, 8)) {
                case 0 -> 0;
                case 1 -> -1;
                case 2 -> Integer.MAX_VALUE;
                case 3 -> 1 << 30;
                default -> ordinary;
            };
        }

        private int small() {
            return 1 + below(r, 5);
        }

        private int[] dims(int rank) {
            int[] d = new int[rank];
            for (int i = 0; i < rank; i++) {
                d[i] = small();
            }
            return d;
        }

        private float value() {
            return switch (below(r, 40)) {
                case 0 -> Float.NaN;
                case 1 -> Float.POSITIVE_INFINITY;
                case 2 -> Float.NEGATIVE_INFINITY;
                default -> r.floatRange(-2, 2);
            };
        }

        private Tensor floats(Shape s) {
            float[] v = new float[(int) s.size()];
            for (int i = 0; i < v.length; i++) {
                v[i] = value();
            }
            Tensor t = b.fromHost(s, v);
            made.add(t);
            return t;
        }

        // ------------------------------------------------------------ Shape

        private void shapeCall() {
            int[] d = dims(below(r, 5));
            if (d.length > 0 && below(r, 4) == 0) {
                d[below(r, d.length)] = size(1);
            }
            int[] dims = below(r, 30) == 0 ? null : d;
            Shape s = call("shape", "Shape.of", List.of("shape"), () -> Shape.of(dims));
            if (s == null) {
                return;
            }
            int i = below(r, 3) == 0 ? size(0) : below(r, s.rank() + 2) - 1;
            switch (below(r, 4)) {
                case 0 -> call("shape", "Shape.dim", List.of("dim"), () -> s.dim(i));
                case 1 -> call("shape", "Shape.sizeFrom", List.of("sizeFrom"), () -> s.sizeFrom(i));
                case 2 -> call("shape", "Shape.size", List.of("shape"), s::size);
                default -> call("shape", "Shape.equals", List.of("shape"), () -> s.equals(Shape.of(dims(s.rank()))));
            }
        }

        // ------------------------------------------------------------ Tensor

        private void tensorCall() {
            Shape s = Shape.of(dims(below(r, 4)));
            Tensor t = below(r, 4) == 0 ? made(b.fromHost(s, new int[(int) s.size()])) : floats(s);
            if (below(r, 8) == 0) {
                t.close(); // every later call meets a closed tensor
            }
            switch (below(r, 9)) {
                case 0 -> {
                    Shape target = below(r, 8) == 0 ? null : below(r, 2) == 0 ? s : Shape.of(dims(below(r, 4)));
                    call("tensor", "Tensor.view", List.of("view"), () -> t.view(target));
                }
                case 1 -> call("tensor", "Tensor.toFloatArray", List.of("toFloatArray", "copyToHost"), t::toFloatArray);
                case 2 -> call("tensor", "Tensor.toIntArray", List.of("toIntArray", "copyToHost"), t::toIntArray);
                case 3 -> call("tensor", "Tensor.item", List.of("item", "toFloatArray", "copyToHost"), t::item);
                case 4 -> {
                    int length = below(r, 4) == 0 ? (int) s.size() + below(r, 3) - 1 : (int) s.size();
                    float[] host = below(r, 10) == 0 ? null : new float[Math.max(0, length)];
                    call("tensor", "Tensor.copyFrom", List.of("copyFromHost", "copyFrom"), () -> t.copyFrom(host));
                }
                case 5 -> {
                    Backend target = below(r, 6) == 0 ? null : below(r, 2) == 0 ? b : foreign;
                    call("tensor", "Tensor.to", List.of("to:", "toFloatArray", "toIntArray", "copyToHost"), () -> {
                        Tensor copy = t.to(target);
                        if (copy.backend() != b) {
                            copy.close(); // another backend's memory: not counted on this one
                        } else {
                            made.add(copy);
                        }
                        return copy;
                    });
                }
                case 6 -> call("tensor", "Tensor.sharesMemoryWith", List.of("sharesMemoryWith"),
                        () -> t.sharesMemoryWith(below(r, 8) == 0 ? null : t));
                case 7 -> call("tensor", "Tensor.close", List.of("close"), () -> {
                    t.close();
                    t.close();
                    return t.isClosed();
                });
                default -> call("tensor", "Tensor.describe", List.of("describe"), t::describe);
            }
        }

        private Tensor made(Tensor t) {
            made.add(t);
            return t;
        }

        // ------------------------------------------------------------ models

        /** One layer, drawn with arguments that are sometimes out of range; null when its constructor refused. */
        private Layer layer(int index) {
            return switch (below(r, 10)) {
                case 0, 1 -> {
                    int filters = size(1 + below(r, 4)), kernel = size(1 + below(r, 3));
                    boolean edge = below(r, 6) == 0;
                    yield call("model", "new Conv2d", List.of("conv2d"), () -> new Conv2d(filters, kernel, kernel,
                            edge ? new Conv2dSpec(edge(1), 1, edge(0), 0, edge(1), 1)
                                    : Conv2dSpec.of(1 + below(r, 2), below(r, 2))));
                }
                case 2 -> {
                    int units = size(1 + below(r, 6));
                    yield call("model", "new Linear", List.of("linear"), () -> new Linear(units));
                }
                case 3 -> {
                    int k = size(2);
                    yield call("model", "new MaxPool2d", List.of("pool2d", "maxpool"),
                            () -> new MaxPool2d(below(r, 4) == 0 ? new Pool2dSpec(k, k, edge(k), k, edge(0), 0)
                                    : Pool2dSpec.of(k)));
                }
                case 4 -> {
                    int k = size(2);
                    yield call("model", "new AvgPool2d", List.of("pool2d", "avgpool"), () -> new AvgPool2d(k));
                }
                case 5 -> {
                    float rate = below(r, 4) == 0 ? value() * 2 : r.floatRange(0, 0.9f);
                    yield call("model", "new Dropout", List.of("dropout"), () -> new Dropout(rate));
                }
                case 6 -> new BatchNorm2d();
                case 7 -> new Flatten();
                case 8 -> new GlobalAvgPool2d();
                default -> index == 0 || below(r, 2) == 0 ? new ReLU() : new Softmax();
            };
        }

        /**
         * An optimizer (Adam or SGD, hyperparameters sometimes out of range) stepping the model's
         * parameters, whether or not a backward pass set their gradients; then closed, so its state
         * counts against the try's memory check.
         */
        private void optimizerStep(Sequential model) {
            boolean adam = r.trueOrFalse();
            boolean edge = below(r, 4) == 0;
            float lr = edge ? value() * (r.trueOrFalse() ? 1 : -1) : r.floatRange(1e-4f, 0.1f);
            float momentum = edge && r.trueOrFalse() ? value() : r.floatRange(0, 0.95f);
            boolean nesterov = r.trueOrFalse();
            Optimizer optimizer = adam
                    ? call("optimizer", "new Adam", List.of("adam"), () -> new Adam(new AdamSpec(lr, 0.9f, 0.999f, 1e-7f)))
                    : call("optimizer", "new SGD", List.of("sgd"), () -> new SGD(new SgdSpec(lr, momentum, nesterov)));
            if (optimizer == null) {
                return;
            }
            try (optimizer) {
                call("optimizer", "Optimizer.step", List.of(adam ? "adam" : "sgd", "step", "grad", "model"), () -> {
                    optimizer.step(model.parameters());
                    return optimizer;
                });
            }
        }

        private static List<String> with(List<String> names, String word) {
            List<String> all = new ArrayList<>(names);
            all.add(word);
            return all;
        }

        private void modelCalls() {
            int count = 1 + below(r, 4);
            List<Layer> layers = new ArrayList<>();
            List<String> names = new ArrayList<>(List.of("layer", "model"));
            for (int i = 0; i < count; i++) {
                Layer l = layer(i);
                if (l != null) {
                    layers.add(l);
                    names.add(l.kind());
                }
            }
            if (!layers.isEmpty() && below(r, 20) == 0) {
                layers.add(below(r, 2) == 0 ? null : layers.getFirst()); // a null layer, the same layer twice
            }
            Sequential model = call("model", "new Sequential", names, () -> new Sequential(layers));
            if (model == null) {
                layers.stream().filter(l -> l != null).distinct().forEach(Layer::close);
                return;
            }
            try (model) {
                Shape input = below(r, 3) == 0 ? Shape.of(small() * 3) : Shape.of(1 + below(r, 3), 2 + small(), 2 + small());
                Shape per = below(r, 30) == 0 ? null : input;
                Backend on = below(r, 30) == 0 ? null : b;
                long modelSeed = r.longRange(0, 1000);
                boolean built = call("model", "Sequential.build", with(names, "build"), () -> model.build(on, per, modelSeed)) != null;
                if (!built && below(r, 2) == 0) {
                    return;
                }
                int batch = 1 + below(r, 3);
                int[] shape = new int[input.rank() + 1];
                shape[0] = batch;
                System.arraycopy(input.dims(), 0, shape, 1, input.rank());
                if (below(r, 6) == 0) {
                    shape[1 + below(r, input.rank())] += 1; // an input of the wrong shape
                }
                Tensor x = below(r, 12) == 0 ? made(foreign.fromHost(Shape.of(shape), new float[(int) Shape.of(shape).size()]))
                        : floats(Shape.of(shape));
                if (below(r, 20) == 0) {
                    x.close();
                }
                boolean training = below(r, 3) != 0;
                Mode mode = below(r, 30) == 0 ? null : training ? Mode.training(modelSeed) : Mode.INFERENCE;
                Tensor y = call("model", "Sequential.forward", with(names, "forward"), () -> model.forward(x, mode));
                Shape dyShape = y != null && below(r, 6) != 0 ? y.shape() : Shape.of(dims(1 + below(r, 3)));
                Tensor dy = floats(dyShape);
                call("model", "Sequential.backward", with(names, "backward"), () -> {
                    model.backward(dy);
                    return dy;
                });
                if (below(r, 2) == 0) {
                    optimizerStep(model);
                }
                if (below(r, 4) == 0) {
                    // A second forward at another batch size: the layers' buffer caches replace their tensors.
                    shape[0] = batch + 1;
                    Tensor x2 = floats(Shape.of(shape));
                    call("model", "Sequential.forward", with(names, "forward"), () -> model.forward(x2, Mode.INFERENCE));
                }
            } finally {
                // Layers a Sequential refused to take are not its to close.
                layers.stream().filter(l -> l != null).distinct().forEach(Layer::close);
            }
        }
        // ------------------------------------------------------------ graph

        private static final List<String> GRAPH_NAMES = List.of("graph", "model", "layer", "input", "build", "forward",
                "backward", "conv2d", "relu", "pool2d", "maxpool", "add", "concat", "shape");

        /** A name: usually fresh, sometimes a repeat, empty or null. */
        private String nodeName(int index) {
            return switch (below(r, 12)) {
                case 0 -> null;
                case 1 -> "";
                case 2, 3 -> "n" + below(r, Math.max(1, index)); // maybe a duplicate
                default -> "n" + index + "x";
            };
        }

        private Layer graphLayer() {
            return switch (below(r, 4)) {
                case 0 -> new Conv2d(1 + below(r, 3), 3, 3, Conv2dSpec.of(1, below(r, 2))); // padding 0 shrinks
                case 1 -> new MaxPool2d(2);
                default -> new ReLU();
            };
        }

        /**
         * A {@link Graph} wired through its builder, sometimes wrongly (duplicate or empty names,
         * null or foreign inputs, adds of mismatched shapes, concats of mismatched spatial sizes, a
         * second input, unused nodes), then built, run forward at a batch of 0 to 3 and backward.
         */
        private void graphCalls() {
            Graph.Builder g = Graph.builder();
            Graph.Builder other = Graph.builder();
            Graph.Node stranger = other.input();
            List<Layer> layers = new ArrayList<>();
            List<Graph.Node> nodes = new ArrayList<>();
            Graph.Node in = call("graph", "Graph.input", GRAPH_NAMES, g::input);
            if (in == null) {
                return;
            }
            nodes.add(in);
            if (below(r, 20) == 0) {
                call("graph", "Graph.input", GRAPH_NAMES, g::input); // a second input
            }
            Graph graph = null;
            try {
                int count = 1 + below(r, 5);
                for (int i = 1; i <= count; i++) {
                    String name = nodeName(i);
                    Graph.Node from = below(r, 25) == 0 ? null : below(r, 25) == 0 ? stranger
                            : below(r, 3) == 0 ? nodes.get(below(r, nodes.size())) : nodes.getLast();
                    Graph.Node node = switch (below(r, 5)) {
                        case 0 -> {
                            Graph.Node second = nodes.get(below(r, nodes.size()));
                            yield call("graph", "Graph.add", GRAPH_NAMES, () -> g.add(name, from, second));
                        }
                        case 1 -> {
                            Graph.Node second = nodes.get(below(r, nodes.size()));
                            yield call("graph", "Graph.concat", GRAPH_NAMES, () -> g.concat(name, from, second));
                        }
                        default -> {
                            Layer l = below(r, 30) == 0 && !layers.isEmpty() ? layers.getFirst() : graphLayer();
                            if (!layers.contains(l)) {
                                layers.add(l);
                            }
                            yield below(r, 3) == 0 ? call("graph", "Graph.apply", GRAPH_NAMES, () -> g.apply(l, from))
                                    : call("graph", "Graph.apply", GRAPH_NAMES, () -> g.apply(name, l, from));
                        }
                    };
                    if (node != null) {
                        nodes.add(node);
                    }
                }
                Graph.Node output = below(r, 8) == 0 ? nodes.get(below(r, nodes.size())) : nodes.getLast();
                graph = call("graph", "Graph.Builder.build", GRAPH_NAMES, () -> g.build(output));
                if (graph == null) {
                    return;
                }
                Graph model = graph;
                int c = 1 + below(r, 2), h = 3 + below(r, 4), w = 3 + below(r, 4);
                if (call("graph", "Graph.build", GRAPH_NAMES, () -> model.build(b, Shape.of(c, h, w), 7)) == null) {
                    return;
                }
                int batch = below(r, 6) - 1, channels = below(r, 8) == 0 ? c + 1 : c;
                Shape xs = call("graph", "Shape.of", List.of("shape"), () -> Shape.of(batch, channels, h, w));
                if (xs == null) {
                    return; // a batch of 0 or fewer images has no shape
                }
                Tensor x = floats(xs);
                Tensor y = call("graph", "Graph.forward", GRAPH_NAMES, () -> model.forward(x, Mode.training(3)));
                Tensor dy = floats(y != null && below(r, 6) != 0 ? y.shape() : Shape.of(dims(1 + below(r, 3))));
                call("graph", "Graph.backward", GRAPH_NAMES, () -> {
                    model.backward(dy);
                    return dy;
                });
            } finally {
                if (graph != null) {
                    graph.close();
                }
                layers.forEach(Layer::close);
            }
        }

        // ------------------------------------------------------------ loss

        private static final List<String> LOSS_NAMES = List.of("cross-entropy", "crossentropy", "softmaxCrossEntropy",
                "label", "logits");

        /**
         * {@link CrossEntropyLoss}, plain or with a {@link CrossEntropySpec} whose smoothing and class
         * weights are sometimes out of range or of the wrong length, on logits and labels whose shapes
         * and values sometimes disagree.
         */
        private void lossCalls() {
            int n = 1 + below(r, 4), classes = 1 + below(r, 5);
            CrossEntropySpec spec = CrossEntropySpec.PLAIN;
            if (r.trueOrFalse()) {
                float smoothing = switch (below(r, 8)) {
                    case 0 -> -0.1f;
                    case 1 -> 1f;
                    case 2 -> 1.5f;
                    case 3 -> Float.NaN;
                    case 4 -> 0f;
                    default -> r.floatRange(0, 0.5f);
                };
                float[] weights = null;
                if (r.trueOrFalse()) {
                    weights = new float[Math.max(0, classes + (below(r, 4) == 0 ? below(r, 3) - 1 : 0))];
                    boolean zero = below(r, 6) == 0;
                    for (int i = 0; i < weights.length; i++) {
                        weights[i] = zero ? 0 : below(r, 12) == 0 ? value() * 2 - 1 : r.floatRange(0, 3);
                    }
                }
                float[] classWeights = weights;
                spec = call("loss", "new CrossEntropySpec", LOSS_NAMES, () -> new CrossEntropySpec(smoothing, classWeights));
                if (spec == null) {
                    return;
                }
            }
            CrossEntropySpec chosen = spec;
            CrossEntropyLoss loss = call("loss", "new CrossEntropyLoss", LOSS_NAMES, () -> new CrossEntropyLoss(chosen));
            if (loss == null) {
                return;
            }
            try (loss) {
                Tensor logits = floats(below(r, 10) == 0 ? Shape.of(n, classes, 1) : Shape.of(n, classes));
                int rows = below(r, 8) == 0 ? n + 1 : n;
                int[] labels = new int[rows];
                for (int i = 0; i < rows; i++) {
                    labels[i] = below(r, 15) == 0 ? (r.trueOrFalse() ? -1 : classes) : below(r, classes);
                }
                Tensor labelTensor = below(r, 12) == 0 ? floats(Shape.of(rows)) : made(b.fromHost(Shape.of(rows), labels));
                boolean withGradient = r.trueOrFalse();
                Tensor value = call("loss", "CrossEntropyLoss.forward", LOSS_NAMES,
                        () -> loss.forward(logits, labelTensor, withGradient));
                if (value != null) {
                    call("loss", "CrossEntropyLoss.value", LOSS_NAMES, value::item);
                    call("loss", "CrossEntropyLoss.gradient", LOSS_NAMES, loss::gradient);
                }
            }
        }

        // ------------------------------------------------------------ trainer

        private static final List<String> TRAINER_NAMES = List.of("dataset", "trainer", "fit", "evaluate", "model",
                "epochs", "batchSize", "set", "label");

        /** A tiny in-memory data set of 1x2x2 images (or of the wrong shape), sometimes invalid. */
        private Dataset dataset(int classes) {
            int n = below(r, 4);
            boolean wrongShape = below(r, 8) == 0;
            int c = 1, h = wrongShape ? 3 : 2, w = 2;
            int channels = below(r, 20) == 0 ? 0 : c;
            float[] images = new float[Math.max(0, n * c * h * w + (below(r, 12) == 0 ? 1 : 0))];
            for (int i = 0; i < images.length; i++) {
                images[i] = below(r, 60) == 0 ? Float.NaN : r.floatRange(0, 1);
            }
            int[] labels = new int[n];
            for (int i = 0; i < n; i++) {
                labels[i] = below(r, 15) == 0 ? classes : below(r, classes);
            }
            List<String> names = new ArrayList<>();
            for (int i = 0; i < classes; i++) {
                names.add("c" + i);
            }
            return call("trainer", "new Dataset", TRAINER_NAMES, () -> new Dataset("fuzz", channels, h, w, images, labels, names));
        }

        /** A batch size or epoch count: usually 1 or 2, sometimes 0, negative or huge. */
        private int count() {
            return switch (below(r, 10)) {
                case 0 -> 0;
                case 1 -> -1;
                case 2 -> Integer.MAX_VALUE;
                default -> 1 + below(r, 2);
            };
        }

        /**
         * A {@link Trainer} over a tiny Flatten-Linear model: {@code fit} on a tiny data set, stopped
         * after its first step whatever the epoch count, then {@code evaluate}.
         */
        private void trainerCalls() {
            int classes = 2 + below(r, 2);
            try (Sequential model = new Sequential(List.of(new Flatten(), new Linear(classes)))) {
                model.build(b, Shape.of(1, 2, 2), 11);
                Trainer trainer = call("trainer", "new Trainer", TRAINER_NAMES,
                        () -> new Trainer(model, new CrossEntropyLoss(), new SGD(new SgdSpec(0.01f, 0, false)), 5));
                if (trainer == null) {
                    return;
                }
                try (trainer) {
                    Dataset train = dataset(classes);
                    int epochs = count(), batchSize = count();
                    TrainingListener stopAfterOneStep = new TrainingListener() {
                        @Override
                        public void stepFinished(int epoch, int step, int steps, long images, double loss, double accuracy) {
                            trainer.requestStop();
                        }
                    };
                    call("trainer", "Trainer.fit", TRAINER_NAMES,
                            () -> trainer.fit(train, epochs, batchSize, null, stopAfterOneStep));
                    Dataset test = dataset(classes);
                    int evalBatch = count();
                    call("trainer", "Trainer.evaluate", TRAINER_NAMES, () -> trainer.evaluate(test, evalBatch));
                }
            }
        }
    }
}
