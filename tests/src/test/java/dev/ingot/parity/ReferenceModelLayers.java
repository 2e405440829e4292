package dev.ingot.parity;

import dev.ingot.core.Shape;
import dev.ingot.core.spec.Conv2dSpec;
import dev.ingot.core.spec.Pool2dSpec;
import dev.ingot.models.ReferenceModel;
import dev.ingot.models.ReferenceModels;
import dev.ingot.nn.Conv2d;
import dev.ingot.nn.Linear;
import dev.ingot.nn.MaxPool2d;
import dev.ingot.nn.Parameter;
import dev.ingot.nn.Sequential;
import dev.ingot.reference.ReferenceBackend;

import java.util.ArrayList;
import java.util.List;

/**
 * The exact layer shapes of every reference model, at batch {@link #BATCH}: the shapes training
 * really runs, so that a kernel path taken only for these sizes (a blocking edge, a tail) is checked
 * too. Nothing here is written down by hand: each model of {@link ReferenceModels#all()} is built
 * (on the reference backend) and reports its layers' shapes ({@link Sequential#layerShapes()}), so
 * a new reference model, or a changed one, is checked at its own shapes without touching this class.
 * Layers are named {@code "<model> <kind><n>"}: {@code "mnist-cnn conv2"}, {@code "mnist-mlp dense1"}.
 */
public final class ReferenceModelLayers {
    /** Keras' default batch size; the reference runs these shapes in a few seconds in all. */
    public static final int BATCH = 32;

    private ReferenceModelLayers() {
    }

    /** A convolution: x (n, c, h, w), weights (k, c, r, s). */
    public record Conv(String name, int n, int c, int h, int w, int k, int r, int s, Conv2dSpec spec) {
        public Shape input() {
            return Shape.of(n, c, h, w);
        }

        public Shape weight() {
            return Shape.of(k, c, r, s);
        }

        public Shape outputShape() {
            return dev.ingot.core.spec.Conv2dGeometry.of(name, input(), weight(), spec).outputShape();
        }

        @Override
        public String toString() {
            return name + " (" + n + "," + c + "," + h + "," + w + ")->" + k + " " + r + "x" + s;
        }
    }

    /** A max-pool over (N, C, H, W). */
    public record Pool(String name, int n, int c, int h, int w, Pool2dSpec spec) {
        @Override
        public String toString() {
            return name + " (" + n + "," + c + "," + h + "," + w + ") " + spec.kernelH() + "x" + spec.kernelW() + "/"
                    + spec.strideH();
        }
    }

    /** A dense layer {@code y (N, out) = x (N, in) . W (in, out) + b}, Keras' kernel layout. */
    public record Dense(String name, int n, int in, int out) {
        @Override
        public String toString() {
            return name + " (" + n + "," + in + ")->" + out;
        }
    }

    /** An activation tensor of a reference model. */
    public record Activation(String name, Shape shape) {
        @Override
        public String toString() {
            return name + " " + shape;
        }
    }

    private record Layers(List<Conv> convs, List<Pool> pools, List<Dense> denses) {
    }

    private static final Layers LAYERS = derive();

    /** Builds every reference model and reads its layers' shapes back. */
    private static Layers derive() {
        List<Conv> convs = new ArrayList<>();
        List<Pool> pools = new ArrayList<>();
        List<Dense> denses = new ArrayList<>();
        int n = BATCH;
        try (ReferenceBackend backend = new ReferenceBackend()) {
            for (ReferenceModel model : ReferenceModels.all()) {
                int conv = 0, pool = 0, dense = 0;
                try (dev.ingot.nn.Model any = model.newModel().build(backend, model.inputShape(), 0)) {
                    if (!(any instanceof Sequential m)) {
                        continue; // graphs (cifar10-resnet20): their kernels' shapes are in the op records
                    }
                    for (Sequential.LayerShapes l : m.layerShapes()) {
                        Shape in = l.input();
                        switch (l.layer()) {
                            case Conv2d c -> {
                                Shape w = weight(c.parameters());
                                convs.add(new Conv(model.name() + " conv" + ++conv, n, in.dim(0), in.dim(1), in.dim(2),
                                        w.dim(0), w.dim(2), w.dim(3), c.spec()));
                            }
                            case MaxPool2d p -> pools.add(new Pool(model.name() + " pool" + ++pool, n, in.dim(0),
                                    in.dim(1), in.dim(2), p.spec()));
                            case Linear d -> denses.add(new Dense(model.name() + " dense" + ++dense, n, (int) in.size(),
                                    (int) l.output().size()));
                            default -> {
                            }
                        }
                    }
                }
            }
        }
        return new Layers(List.copyOf(convs), List.copyOf(pools), List.copyOf(denses));
    }

    private static Shape weight(List<Parameter> parameters) {
        return parameters.stream().filter(p -> p.name().equals("weight")).findFirst().orElseThrow().value().shape();
    }

    public static List<Conv> convs() {
        return LAYERS.convs();
    }

    public static List<Pool> pools() {
        return LAYERS.pools();
    }

    public static List<Dense> denses() {
        return LAYERS.denses();
    }

    /**
     * Every activation tensor the models apply ReLU and a bias to: each conv output and each dense
     * output, named after the layer.
     */
    public static List<Activation> activations() {
        List<Activation> all = new ArrayList<>();
        for (Conv c : convs()) {
            all.add(new Activation(c.name() + " output", c.outputShape()));
        }
        for (Dense d : denses()) {
            all.add(new Activation(d.name() + " output", Shape.of(d.n(), d.out())));
        }
        return all;
    }
}
