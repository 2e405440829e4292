package dev.ingot.bench;

import dev.ingot.core.Shape;
import dev.ingot.core.spec.Conv2dGeometry;
import dev.ingot.core.spec.Conv2dSpec;
import dev.ingot.core.spec.GemmGeometry;
import dev.ingot.core.spec.Pool2dGeometry;
import dev.ingot.core.spec.Pool2dSpec;

import dev.ingot.models.ReferenceModels;
import dev.ingot.nn.Conv2d;
import dev.ingot.nn.Dropout;
import dev.ingot.nn.Linear;
import dev.ingot.nn.MaxPool2d;
import dev.ingot.nn.Parameter;
import dev.ingot.nn.ReLU;
import dev.ingot.nn.Sequential;
import dev.ingot.reference.ReferenceBackend;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The layer shapes of the reference models, read from the models themselves ({@link ReferenceModels},
 * built and asked for {@link Sequential#layerShapes()}), so that every kernel benchmark, the
 * training-step FLOP count and the PyTorch reference scripts speak about the same tensors the models
 * train. Layers are named {@code model/layer}: {@code "cifar10-cnn/conv1"},
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
        for (dev.ingot.models.ReferenceModel m : ReferenceModels.all()) {
            ReferenceModel derived = derive(m);
            if (derived != null) {
                add(derived);
            }
        }
    }

    private ReferenceLayers() {
    }

    private static void add(ReferenceModel m) {
        MODELS.put(m.name(), m);
    }

    /**
     * Builds the model itself (on the plain-loop reference backend: nothing here runs a kernel) and
     * reads its layers back ({@link Sequential#layerShapes()}): each Conv2d, MaxPool2d and Linear in
     * order, which of them a ReLU follows, and which one a Dropout follows. No shape is written down
     * here, so a changed or new reference model is benchmarked at its own shapes. Returns null for a
     * model that is not a chain (a graph).
     */
    private static ReferenceModel derive(dev.ingot.models.ReferenceModel model) {
        List<ConvLayer> convs = new ArrayList<>();
        List<PoolLayer> pools = new ArrayList<>();
        List<DenseLayer> denses = new ArrayList<>();
        List<String> relus = new ArrayList<>();
        String dropout = null;
        String previous = null;
        String name = model.name();
        Shape in = model.inputShape();
        try (ReferenceBackend backend = new ReferenceBackend();
             dev.ingot.nn.Model any = model.newModel().build(backend, in, 0)) {
            if (!(any instanceof Sequential built)) {
                return null; // graphs (cifar10-resnet20): their layers are not a chain of these kinds
            }
            if (built.layers().stream().anyMatch(l -> l instanceof dev.ingot.nn.BatchNorm2d)) {
                return null; // BatchNorm chains (cifar10-airbench94, 'same' convolutions): RecipeStepProbe times them
            }
            for (Sequential.LayerShapes l : built.layerShapes()) {
                Shape x = l.input();
                switch (l.layer()) {
                    case Conv2d c -> {
                        Shape w = weightShape(c.parameters());
                        if (w.dim(2) != w.dim(3) || !c.spec().equals(Conv2dSpec.DEFAULT)) {
                            throw new IllegalStateException(name + ": ConvLayer describes square 'valid' stride-1"
                                    + " convolutions only, got " + c.describe());
                        }
                        ConvLayer conv = new ConvLayer(name + "/conv" + (convs.size() + 1), x.dim(0), x.dim(1), x.dim(2),
                                w.dim(0), w.dim(2));
                        convs.add(conv);
                        previous = conv.name();
                    }
                    case MaxPool2d p -> {
                        PoolLayer pool = new PoolLayer(name + "/pool" + (pools.size() + 1), x.dim(0), x.dim(1), x.dim(2),
                                p.spec().kernelH());
                        if (!p.spec().equals(pool.spec())) {
                            throw new IllegalStateException(name + ": PoolLayer describes square windows with stride"
                                    + " = window only, got " + p.describe());
                        }
                        pools.add(pool);
                        previous = pool.name();
                    }
                    case Linear d -> {
                        DenseLayer dense = new DenseLayer(name + "/dense" + (denses.size() + 1), (int) x.size(),
                                (int) l.output().size());
                        denses.add(dense);
                        previous = dense.name();
                    }
                    case ReLU r -> relus.add(previous);
                    case Dropout d -> dropout = previous;
                    default -> {
                    }
                }
            }
            Shape out = built.outputShape();
            return new ReferenceModel(name, model.dataset(), in.dim(0), in.dim(1), in.dim(2), convs, pools, denses,
                    relus, dropout, (int) out.size());
        }
    }

    private static Shape weightShape(List<Parameter> parameters) {
        return parameters.stream().filter(p -> p.name().equals("weight")).findFirst().orElseThrow().value().shape();
    }

    /** The model called {@code name}: {@code "mnist-mlp"}, {@code "mnist-cnn"}, {@code "cifar10-cnn"}. */
    public static ReferenceModel model(String name) {
        ReferenceModel m = MODELS.get(name);
        if (m == null) {
            throw new IllegalArgumentException("no reference model called '" + name + "'; known: " + MODELS.keySet());
        }
        return m;
    }

    /** Whether {@link #model} describes {@code name}: not for graphs such as cifar10-resnet20. */
    public static boolean describes(String name) {
        return MODELS.containsKey(name);
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
