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
import dev.ingot.nn.Flatten;
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
 * forward and backward through {@link Sequential} with every kind of layer, and an optimizer
 * step. Each try draws, from Instancio's seeded random ({@link FuzzRandom}), a few Shape and Tensor
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
 * Calls are counted per family (shape, tensor, model, optimizer). CI runs 1,500 tries;
 * {@code -Dingot.fuzz.apiTries=N} for longer runs, {@code -Dingot.fuzz.apiSeed=S} replays one try.
 */
class ApiFuzzTest {
    private static final long MASTER_SEED = 1919;
    private static final int TRIES = Integer.getInteger("ingot.fuzz.apiTries", 1500);
    private static final Map<String, Long> OUTCOMES = new TreeMap<>();
    private static List<Backend> backends;

    enum Kind { ACCEPTED, REJECTED }

    /** One call's outcome: the family ("shape", "tensor", "model"), the call, its class. */
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
    }
}
