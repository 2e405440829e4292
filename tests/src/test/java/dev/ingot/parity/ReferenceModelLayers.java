package dev.ingot.parity;

import dev.ingot.core.Shape;

import java.util.List;

/**
 * The exact layer shapes of the three reference models (Keras 'valid' padding, stride 1, 3x3
 * kernels, 2x2 max-pooling with stride 2), at batch {@link #BATCH}: the shapes training really
 * runs, so that a kernel path taken only for these sizes (a blocking edge, a tail) is checked too.
 *
 * <pre>
 * mnist-mlp   (N,1,28,28) flatten 784 -> dense 128 ReLU -> dropout 0.2 -> dense 10
 * mnist-cnn   (N,1,28,28) conv 32 -> (N,32,26,26) pool -> 13x13; conv 64 -> (N,64,11,11) pool -> 5x5;
 *             conv 64 -> (N,64,3,3); flatten 576 -> dense 64 ReLU -> dense 10
 * cifar10-cnn (N,3,32,32) conv 32 -> (N,32,30,30) pool -> 15x15; conv 64 -> (N,64,13,13) pool -> 6x6;
 *             conv 64 -> (N,64,4,4); flatten 1024 -> dense 64 ReLU -> dense 10
 * </pre>
 */
public final class ReferenceModelLayers {
    /** Keras' default batch size; the reference runs these shapes in a few seconds in all. */
    public static final int BATCH = 32;

    private ReferenceModelLayers() {
    }

    /** A 3x3 'valid' convolution (N, C, H, W) -> (N, K, H-2, W-2). */
    public record Conv(String name, int n, int c, int h, int w, int k) {
        public Shape outputShape() {
            return Shape.of(n, k, h - 2, w - 2);
        }

        @Override
        public String toString() {
            return name + " (" + n + "," + c + "," + h + "," + w + ")->" + k + " 3x3";
        }
    }

    /** A 2x2 max-pool with stride 2 over (N, C, H, W). */
    public record Pool(String name, int n, int c, int h, int w) {
        @Override
        public String toString() {
            return name + " (" + n + "," + c + "," + h + "," + w + ") 2x2/2";
        }
    }

    /** A dense layer {@code y (N, out) = x (N, in) . W (in, out) + b}, Keras' kernel layout. */
    public record Dense(String name, int n, int in, int out) {
        @Override
        public String toString() {
            return name + " (" + n + "," + in + ")->" + out;
        }
    }

    public static List<Conv> convs() {
        int n = BATCH;
        return List.of(
                new Conv("mnist-cnn conv1", n, 1, 28, 28, 32),
                new Conv("mnist-cnn conv2", n, 32, 13, 13, 64),
                new Conv("mnist-cnn conv3", n, 64, 5, 5, 64),
                new Conv("cifar10-cnn conv1", n, 3, 32, 32, 32),
                new Conv("cifar10-cnn conv2", n, 32, 15, 15, 64),
                new Conv("cifar10-cnn conv3", n, 64, 6, 6, 64));
    }

    public static List<Pool> pools() {
        int n = BATCH;
        return List.of(
                new Pool("mnist-cnn pool1", n, 32, 26, 26),
                new Pool("mnist-cnn pool2", n, 64, 11, 11),
                new Pool("cifar10-cnn pool1", n, 32, 30, 30),
                new Pool("cifar10-cnn pool2", n, 64, 13, 13));
    }

    public static List<Dense> denses() {
        int n = BATCH;
        return List.of(
                new Dense("mnist-mlp dense1", n, 784, 128),
                new Dense("mnist-mlp dense2", n, 128, 10),
                new Dense("mnist-cnn dense1", n, 576, 64),
                new Dense("mnist-cnn dense2", n, 64, 10),
                new Dense("cifar10-cnn dense1", n, 1024, 64),
                new Dense("cifar10-cnn dense2", n, 64, 10));
    }

    /**
     * Every activation tensor the models apply ReLU and a bias to: each conv output and each hidden
     * dense output, named after the layer.
     */
    public static List<Activation> activations() {
        List<Activation> all = new java.util.ArrayList<>();
        for (Conv c : convs()) {
            all.add(new Activation(c.name() + " output", c.outputShape()));
        }
        for (Dense d : denses()) {
            all.add(new Activation(d.name() + " output", Shape.of(d.n(), d.out())));
        }
        return all;
    }

    /** An activation tensor of a reference model. */
    public record Activation(String name, Shape shape) {
        @Override
        public String toString() {
            return name + " " + shape;
        }
    }
}
