package dev.ingot.nn;

import dev.ingot.core.Backend;
import dev.ingot.core.Shape;
import dev.ingot.core.Tensor;

import java.util.Arrays;

/**
 * What every layer keeps besides its parameters: the backend it was built on, its per-sample
 * input and output shapes, its reusable buffers, and the tape entry (input and output of the last
 * training-mode forward) that its backward pass reads. One per layer, by composition.
 *
 * <p>It also runs the part of a pass that is the same in every layer (check the argument, take
 * the buffer, record the tape), so that a layer's own {@code forward} and {@code backward} only
 * name the kernel: {@code state.forward(input, mode, (b, x, y) -> b.reluForward(x, y))}.
 */
final class LayerState implements AutoCloseable {
    private final String kind;
    final TensorCache cache = new TensorCache();
    private Backend backend;
    private Shape inputShape;
    private Shape outputShape;
    /** {@link #outputShape} for the last batch size, kept so that a steady batch size makes no new Shape. */
    private Shape batchOutputShape;
    private Tensor input;
    private Tensor output;
    private boolean recorded;
    private boolean closed;

    LayerState(String kind) {
        this.kind = kind;
    }

    /** Marks the layer built; rejects a second build. */
    void build(Backend backend, Shape inputShape, Shape outputShape) {
        if (this.backend != null) {
            throw new IllegalStateException(kind + ": layer is already built (for input shape " + this.inputShape
                    + "); make a new layer for another model");
        }
        if (closed) {
            throw new IllegalStateException(kind + ": layer is closed");
        }
        this.backend = backend;
        this.inputShape = inputShape;
        this.outputShape = outputShape;
        cache.bind(backend);
    }

    Backend backend() {
        requireBuilt();
        return backend;
    }

    Shape outputShape() {
        return outputShape;
    }

    /**
     * Checks a forward input: built, open, on this layer's backend, and of shape
     * {@code (N, inputShape...)}.
     *
     * @return the batch size N
     */
    int checkInput(Tensor x) {
        requireBuilt();
        if (x == null) {
            throw new IllegalArgumentException(kind + ": input must not be null");
        }
        x.requireOpen(kind + " input");
        if (x.backend() != backend) {
            throw new IllegalArgumentException(kind + ": input " + x.describe() + " is on backend '"
                    + x.backend().name() + "' but the layer was built on '" + backend.name() + "'");
        }
        Shape s = x.shape();
        int[] expected = inputShape.dims();
        if (s.rank() != expected.length + 1
                || !Arrays.equals(Arrays.copyOfRange(s.dims(), 1, s.rank()), expected)) {
            throw new IllegalArgumentException(kind + ": input has shape " + s + ", expected [N, "
                    + Arrays.toString(expected).substring(1) + " (a batch of " + inputShape + ")");
        }
        return s.dim(0);
    }

    /** {@code perSample} with a batch dimension of {@code n} in front. */
    static Shape batched(Shape perSample, int n) {
        int[] d = new int[perSample.rank() + 1];
        d[0] = n;
        System.arraycopy(perSample.dims(), 0, d, 1, perSample.rank());
        return Shape.of(d);
    }

    /** Checks a forward input {@code x} and returns the output buffer for its batch size. */
    private Tensor outputBuffer(Tensor x) {
        int n = checkInput(x);
        if (batchOutputShape == null || batchOutputShape.dim(0) != n) {
            batchOutputShape = batched(outputShape, n);
        }
        return cache.get("y", batchOutputShape);
    }

    /**
     * A layer's forward kernel: writes {@code y} from {@code x}. Everything else it needs comes
     * from the layer; a lambda that captures nothing is made once, not per call.
     */
    @FunctionalInterface
    interface ForwardKernel {
        void run(Backend backend, Tensor x, Tensor y);
    }

    /** A layer's backward kernel: writes {@code dx} from the recorded {@code x} and {@code y}, and {@code dy}. */
    @FunctionalInterface
    interface BackwardKernel {
        void run(Backend backend, Tensor x, Tensor y, Tensor dy, Tensor dx);
    }

    /**
     * The forward pass every computing layer shares: checks {@code x}, runs {@code kernel} into
     * the output buffer for x's batch size, and records the tape entry.
     */
    Tensor forward(Tensor x, Mode mode, ForwardKernel kernel) {
        Tensor y = outputBuffer(x);
        kernel.run(backend, x, y);
        record(mode, x, y);
        return y;
    }

    /**
     * The backward pass of a layer without parameters: checks {@code dy} against the tape and, when
     * {@code wanted}, runs {@code kernel} into the input-gradient buffer; {@code null} otherwise.
     */
    Tensor inputGradient(Tensor dy, boolean wanted, BackwardKernel kernel) {
        Tensor x = checkBackward(dy);
        if (!wanted) {
            return null;
        }
        Tensor dx = cache.get("dx", x.shape());
        kernel.run(backend, x, output, dy, dx);
        return dx;
    }

    /** Records the tape entry of a forward pass (or clears it, in inference mode). */
    void record(Mode mode, Tensor input, Tensor output) {
        this.recorded = mode.training();
        this.input = mode.training() ? input : null;
        this.output = mode.training() ? output : null;
    }

    /** Checks {@code dy} against the recorded output and returns the recorded input. */
    Tensor checkBackward(Tensor dy) {
        requireBuilt();
        if (!recorded) {
            throw new IllegalStateException(kind + ": backward needs a forward pass in training mode first"
                    + " (the last forward was in inference mode, or there was none)");
        }
        if (dy == null) {
            throw new IllegalArgumentException(kind + ": output gradient dy must not be null");
        }
        dy.requireOpen(kind + " output gradient dy");
        if (!dy.shape().equals(output.shape())) {
            throw new IllegalArgumentException(kind + ": output gradient dy has shape " + dy.shape()
                    + ", expected " + output.shape() + " (the shape of the last forward's output)");
        }
        return input;
    }

    private void requireBuilt() {
        if (closed) {
            throw new IllegalStateException(kind + ": layer is closed");
        }
        if (backend == null) {
            throw new IllegalStateException(kind + ": layer is not built; build the model first"
                    + " (Sequential.build(backend, inputShape, seed))");
        }
    }

    @Override
    public void close() {
        closed = true;
        input = null;
        output = null;
        recorded = false;
        cache.close();
    }
}
