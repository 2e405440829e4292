package dev.ingot.bench;

import dev.ingot.core.Shape;
import dev.ingot.core.spec.Conv2dGeometry;
import dev.ingot.core.spec.Conv2dSpec;
import dev.ingot.core.spec.GemmGeometry;
import dev.ingot.core.spec.Pool2dGeometry;
import dev.ingot.core.spec.Pool2dSpec;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The layer shapes of the three reference models, derived from their architectures exactly as Keras
 * derives them ('valid' 3x3 convolutions with stride 1, 2x2 max-pooling with stride 2), so that every
 * kernel benchmark, the training-step FLOP count and the PyTorch reference scripts speak about the
 * same tensors. Layers are named {@code model/layer}: {@code "cifar10-cnn/conv1"},
 * {@code "mnist-mlp/dense2"}.
 *
 * <p>This is a description of shapes, not a model: {@code dev.ingot.models} builds the real networks.
 */
public final class ReferenceLayers {

    /** A 'valid' convolution with stride 1, its ReLU, and its bias. */
    public record ConvLayer(String name, int channels, int height, int width, int filters, int kernel) {

        public Conv2dGeometry geometry(int batch) {
            return Conv2dGeometry.of(name, inputShape(batch), weightShape(), Conv2dSpec.DEFAULT);
        }

        public Shape inputShape(int batch) {
            return Shape.of(batch, channels, height, width);
        }

        public Shape weightShape() {
            return Shape.of(filters, channels, kernel, kernel);
        }

        public Shape outputShape(int batch) {
            return geometry(batch).outputShape();
        }

        /** Weights plus biases. */
        public long parameters() {
            return (long) filters * channels * kernel * kernel + filters;
        }
    }

    /** A max-pooling (or, in the benchmarks, average-pooling) layer: window = stride = {@code window}. */
    public record PoolLayer(String name, int channels, int height, int width, int window) {

        public Pool2dSpec spec() {
            return Pool2dSpec.of(window);
        }

        public Pool2dGeometry geometry(int batch) {
            return Pool2dGeometry.of(name, inputShape(batch), spec());
        }

        public Shape inputShape(int batch) {
            return Shape.of(batch, channels, height, width);
        }

        public Shape outputShape(int batch) {
            return geometry(batch).outputShape();
        }
    }

    /** A Keras Dense layer: kernel stored (inputs, outputs), {@code y = x W + b}. */
    public record DenseLayer(String name, int inputs, int outputs) {

        /** The forward product {@code (N, inputs) x (inputs, outputs)}. */
        public GemmGeometry forward(int batch) {
            return new GemmGeometry(batch, outputs, inputs, false, false);
        }

        public Shape inputShape(int batch) {
            return Shape.of(batch, inputs);
        }

        public Shape weightShape() {
            return Shape.of(inputs, outputs);
        }

        public Shape outputShape(int batch) {
            return Shape.of(batch, outputs);
        }

        public long parameters() {
            return (long) inputs * outputs + outputs;
        }
    }

    /**
     * One reference model: input image size, its layers in order, and which activations pass through a
     * ReLU or a dropout.
     *
     * @param reluLayers the conv and dense layers whose output goes through a ReLU
     * @param dropout    the layer whose output goes through Dropout(0.2), or {@code null}
     */
    public record ReferenceModel(String name, String dataset, int channels, int height, int width,
                                 List<ConvLayer> convs, List<PoolLayer> pools, List<DenseLayer> denses,
                                 List<String> reluLayers, String dropout, int classes) {

        public ReferenceModel {
            convs = List.copyOf(convs);
            pools = List.copyOf(pools);
            denses = List.copyOf(denses);
            reluLayers = List.copyOf(reluLayers);
        }

        public Shape inputShape(int batch) {
            return Shape.of(batch, channels, height, width);
        }

        /** Trainable parameters (weights and biases), as Keras' {@code model.summary()} counts them. */
        public long parameters() {
            return convs.stream().mapToLong(ConvLayer::parameters).sum()
                    + denses.stream().mapToLong(DenseLayer::parameters).sum();
        }

        /** The shape of every parameter tensor in layer order: weight then bias of each layer. */
        public List<Shape> parameterShapes() {
            List<Shape> shapes = new ArrayList<>();
            for (ConvLayer c : convs) {
                shapes.add(c.weightShape());
                shapes.add(Shape.of(c.filters()));
            }
            for (DenseLayer d : denses) {
                shapes.add(d.weightShape());
                shapes.add(Shape.of(d.outputs()));
            }
            return shapes;
        }

        /**
         * Floating-point operations of one training step (forward, backward, no optimizer) counted
         * the way GEMM benchmarks count them, 2 per multiply-add, over the convolutions and dense
         * layers only (element-wise work is a rounding error next to them): each layer's forward
         * product, its weight gradient, and its input gradient except for the first layer, whose
         * input is the data and needs none (PyTorch and Keras skip it too).
         */
        public long trainingStepFlops(int batch) {
            long flops = 0;
            boolean first = true;
            for (ConvLayer c : convs) {
                long f = c.geometry(batch).flops();
                flops += f * (first ? 2 : 3);
                first = false;
            }
            for (DenseLayer d : denses) {
                long f = d.forward(batch).flops();
                flops += f * (first ? 2 : 3);
                first = false;
            }
            return flops;
        }
    }

    private static final Map<String, ReferenceModel> MODELS = new LinkedHashMap<>();

    static {
        add(build("mnist-mlp", "mnist", 1, 28, 28, List.of("dense 128 relu", "dropout", "dense 10")));
        add(build("mnist-cnn", "mnist", 1, 28, 28, List.of("conv 32", "pool", "conv 64", "pool", "conv 64",
                "dense 64 relu", "dense 10")));
        add(build("cifar10-cnn", "cifar10", 3, 32, 32, List.of("conv 32", "pool", "conv 64", "pool", "conv 64",
                "dense 64 relu", "dense 10")));
    }

    private ReferenceLayers() {
    }

    private static void add(ReferenceModel m) {
        MODELS.put(m.name(), m);
    }

    /**
     * Builds a model from its Keras-like layer list: {@code "conv K"} (3x3 'valid', ReLU),
     * {@code "pool"} (2x2 max, stride 2), {@code "dense U relu"} / {@code "dense U"} (flattening
     * whatever comes before), {@code "dropout"} (on the previous layer's output).
     */
    private static ReferenceModel build(String name, String dataset, int channels, int height, int width,
                                        List<String> layers) {
        List<ConvLayer> convs = new ArrayList<>();
        List<PoolLayer> pools = new ArrayList<>();
        List<DenseLayer> denses = new ArrayList<>();
        List<String> relus = new ArrayList<>();
        String dropout = null;
        String previous = null;
        int c = channels, h = height, w = width;
        for (String layer : layers) {
            String[] words = layer.split(" ");
            switch (words[0]) {
                case "conv" -> {
                    ConvLayer conv = new ConvLayer(name + "/conv" + (convs.size() + 1), c, h, w,
                            Integer.parseInt(words[1]), 3);
                    convs.add(conv);
                    relus.add(conv.name());
                    previous = conv.name();
                    c = conv.filters();
                    h -= 2;
                    w -= 2;
                }
                case "pool" -> {
                    PoolLayer pool = new PoolLayer(name + "/pool" + (pools.size() + 1), c, h, w, 2);
                    pools.add(pool);
                    previous = pool.name();
                    h /= 2;
                    w /= 2;
                }
                case "dense" -> {
                    DenseLayer dense = new DenseLayer(name + "/dense" + (denses.size() + 1), c * h * w,
                            Integer.parseInt(words[1]));
                    denses.add(dense);
                    if (words.length > 2 && words[2].equals("relu")) {
                        relus.add(dense.name());
                    }
                    previous = dense.name();
                    c = dense.outputs();
                    h = 1;
                    w = 1;
                }
                case "dropout" -> dropout = previous;
                default -> throw new IllegalArgumentException("unknown layer '" + layer + "' in model " + name);
            }
        }
        return new ReferenceModel(name, dataset, channels, height, width, convs, pools, denses, relus, dropout,
                c * h * w);
    }

    /** The model called {@code name}: {@code "mnist-mlp"}, {@code "mnist-cnn"}, {@code "cifar10-cnn"}. */
    public static ReferenceModel model(String name) {
        ReferenceModel m = MODELS.get(name);
        if (m == null) {
            throw new IllegalArgumentException("no reference model called '" + name + "'; known: " + MODELS.keySet());
        }
        return m;
    }

    /** All three, in the order above. */
    public static List<ReferenceModel> models() {
        return List.copyOf(MODELS.values());
    }

    public static ConvLayer conv(String layer) {
        return find(layer, "conv", modelOf(layer).convs(), ConvLayer::name);
    }

    public static PoolLayer pool(String layer) {
        return find(layer, "pool", modelOf(layer).pools(), PoolLayer::name);
    }

    public static DenseLayer dense(String layer) {
        return find(layer, "dense", modelOf(layer).denses(), DenseLayer::name);
    }

    /**
     * The shape of the output of a conv or dense layer, at {@code batch}: what its ReLU, its bias and
     * the element-wise benchmarks work on.
     */
    public static Shape activationShape(String layer, int batch) {
        ReferenceModel m = modelOf(layer);
        for (ConvLayer c : m.convs()) {
            if (c.name().equals(layer)) {
                return c.outputShape(batch);
            }
        }
        for (DenseLayer d : m.denses()) {
            if (d.name().equals(layer)) {
                return d.outputShape(batch);
            }
        }
        throw new IllegalArgumentException("'" + layer + "' is not a conv or dense layer; conv and dense layers of "
                + m.name() + ": " + m.convs().stream().map(ConvLayer::name).toList() + " "
                + m.denses().stream().map(DenseLayer::name).toList());
    }

    private static ReferenceModel modelOf(String layer) {
        int slash = layer == null ? -1 : layer.indexOf('/');
        if (slash < 0) {
            throw new IllegalArgumentException("layer names look like 'cifar10-cnn/conv1', got '" + layer + "'");
        }
        return model(layer.substring(0, slash));
    }

    private static <T> T find(String layer, String kind, List<T> layers, java.util.function.Function<T, String> name) {
        for (T t : layers) {
            if (name.apply(t).equals(layer)) {
                return t;
            }
        }
        throw new IllegalArgumentException("no " + kind + " layer called '" + layer + "'; " + kind + " layers: "
                + layers.stream().map(name).toList());
    }
}
