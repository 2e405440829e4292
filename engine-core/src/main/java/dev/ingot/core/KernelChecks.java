package dev.ingot.core;

import dev.ingot.core.spec.AdamSpec;
import dev.ingot.core.spec.BatchNormSpec;
import dev.ingot.core.spec.Conv2dGeometry;
import dev.ingot.core.spec.Conv2dSpec;
import dev.ingot.core.spec.CrossEntropySpec;
import dev.ingot.core.spec.DropoutSpec;
import dev.ingot.core.spec.GeluApproximation;
import dev.ingot.core.spec.GemmGeometry;
import dev.ingot.core.spec.ImageNormalization;
import dev.ingot.core.spec.Pool2dGeometry;
import dev.ingot.core.spec.Pool2dSpec;
import dev.ingot.core.spec.SgdSpec;

import java.util.List;

/**
 * The argument checks of every {@link Backend} kernel, in one place so that all backends reject the
 * same inputs with the same messages. A backend calls the method named after the kernel first
 * thing, before touching memory or a native library; on return, every tensor is open, belongs to
 * that backend, has the right dtype and shape, and outputs do not alias inputs where forbidden.
 *
 * <p>Messages follow one pattern: {@code op: 'argument' <what is wrong>, got <shape>, expected <shape>}.
 * Values inside tensors (labels) are checked by the kernels that read them, with
 * {@link #labelOutOfRange}.
 */
public final class KernelChecks {
    private KernelChecks() {
    }

    // ---------------------------------------------------------------- building blocks

    /** {@code self} has not been closed: a closed backend allocates nothing and runs no kernel. */
    public static void open(Backend self, String op) {
        if (self.isClosed()) {
            throw new IllegalStateException(op + ": backend '" + self.name() + "' is closed; a closed backend"
                    + " allocates no tensor and runs no kernel");
        }
    }

    /** Non-null, open, and owned by {@code self}. */
    public static Tensor tensor(Backend self, String op, String arg, Tensor t) {
        open(self, op);
        if (t == null) {
            throw new IllegalArgumentException(op + ": '" + arg + "' must not be null");
        }
        if (t.isClosed()) {
            t.requireOpen(op + ": " + arg);
        }
        if (t.backend() != self) {
            throw new IllegalArgumentException(op + ": '" + arg + "' " + t.describe() + " belongs to backend '"
                    + t.backend().name() + "' (" + System.identityHashCode(t.backend()) + "), not to this '"
                    + self.name() + "' backend (" + System.identityHashCode(self)
                    + "); move it with tensor.to(backend)");
        }
        return t;
    }

    /** {@link #tensor} and float32. */
    public static Tensor float32(Backend self, String op, String arg, Tensor t) {
        tensor(self, op, arg, t);
        if (t.dtype() != DType.FLOAT32) {
            throw new IllegalArgumentException(op + ": '" + arg + "' must be float32, got " + t.describe());
        }
        return t;
    }

    /** {@link #tensor} and int32. */
    public static Tensor int32(Backend self, String op, String arg, Tensor t) {
        tensor(self, op, arg, t);
        if (t.dtype() != DType.INT32) {
            throw new IllegalArgumentException(op + ": '" + arg + "' must be int32, got " + t.describe());
        }
        return t;
    }

    /** The tensor has exactly the expected shape; {@code context} says where the expectation comes from. */
    public static void shape(String op, String arg, Tensor t, Shape expected, String context) {
        if (!t.shape().equals(expected)) {
            throw new IllegalArgumentException(op + ": '" + arg + "' has shape " + t.shape() + ", expected " + expected
                    + (context.isEmpty() ? "" : " (" + context + ")"));
        }
    }

    /** The tensor has the given rank; {@code layout} names the dimensions, e.g. {@code "(N, C)"}. */
    public static void rank(String op, String arg, Tensor t, int rank, String layout) {
        if (t.shape().rank() != rank) {
            throw new IllegalArgumentException(op + ": '" + arg + "' must be rank " + rank + " " + layout
                    + ", got shape " + t.shape());
        }
    }

    /** Output {@code out} must not share memory with input {@code in}. */
    public static void noAlias(String op, String outArg, Tensor out, String inArg, Tensor in) {
        if (in != null && out.sharesMemoryWith(in)) {
            throw new IllegalArgumentException(op + ": output '" + outArg + "' shares memory with input '" + inArg
                    + "'; this kernel needs a separate output tensor");
        }
    }

    /**
     * No two of {@code tensors} share memory (views included): the one aliasing rule of the
     * optimizer steps, whose state buffers are read and written element by element beside the
     * parameter and the gradient. Null entries (an absent buffer) are skipped.
     */
    public static void distinct(String op, String[] args, Tensor... tensors) {
        for (int i = 0; i < tensors.length; i++) {
            for (int j = i + 1; j < tensors.length; j++) {
                if (tensors[i] != null && tensors[j] != null && tensors[i].sharesMemoryWith(tensors[j])) {
                    throw new IllegalArgumentException(op + ": '" + args[j] + "' shares memory with '" + args[i] + "'"
                            + (tensors[i] == tensors[j] ? " (the same tensor)" : " (one is a view of the other)")
                            + "; " + op + " needs " + String.join(", ", args) + " to be separate tensors");
                }
            }
        }
    }

    /** A host array of the right length for {@code shape}. */
    public static void hostArray(String op, int length, Shape shape) {
        if (shape == null) {
            throw new IllegalArgumentException(op + ": shape must not be null");
        }
        if (length < 0) {
            throw new IllegalArgumentException(op + ": host array must not be null");
        }
        if (length != shape.size()) {
            throw new IllegalArgumentException(op + ": host array has " + length + " values, expected "
                    + shape.size() + " for shape " + shape);
        }
    }

    /** The exception a kernel throws when it reads a label outside [0, classes). */
    public static IllegalArgumentException labelOutOfRange(String op, long row, int label, int classes) {
        return new IllegalArgumentException(op + ": 'labels' has " + label + " at row " + row
                + ", expected a class index in [0, " + classes + ")");
    }

    // ---------------------------------------------------------------- memory

    /**
     * The checks of every allocation ({@code zeros}, and {@code fromHost} where a backend allocates
     * for it itself): the backend is open, shape and dtype are non-null, and the tensor fits the
     * backend's own limit of {@code maxElements} per tensor, for the reason {@code why} that the
     * message gives. Returns the element count (an int, as the limit is).
     */
    public static int allocation(Backend self, String op, Shape shape, DType dtype, int maxElements, String why) {
        open(self, op);
        if (shape == null || dtype == null) {
            throw new IllegalArgumentException(op + ": shape and dtype must not be null, got " + shape + ", " + dtype);
        }
        if (shape.size() > maxElements) {
            throw new IllegalArgumentException(op + ": shape " + shape + " has " + shape.size()
                    + " elements; a tensor of backend '" + self.name() + "' holds at most " + maxElements
                    + " (" + why + ")");
        }
        return (int) shape.size();
    }

    public static void copyFromHost(Backend self, int length, DType dtype, Tensor dst) {
        String op = "copyFromHost";
        tensor(self, op, "dst", dst);
        if (dst.dtype() != dtype) {
            throw new IllegalArgumentException(op + ": a " + dtype + " host array cannot be copied into 'dst' "
                    + dst.describe());
        }
        if (length < 0) {
            throw new IllegalArgumentException(op + ": 'src' host array must not be null");
        }
        if (length != dst.size()) {
            throw new IllegalArgumentException(op + ": 'src' has " + length + " values but 'dst' " + dst.describe()
                    + " holds " + dst.size());
        }
    }

    public static void copyToHost(Backend self, Tensor src, DType dtype, int length) {
        String op = "copyToHost";
        tensor(self, op, "src", src);
        if (src.dtype() != dtype) {
            throw new IllegalArgumentException(op + ": 'src' " + src.describe() + " cannot be copied into a " + dtype
                    + " host array");
        }
        if (length < 0) {
            throw new IllegalArgumentException(op + ": 'dst' host array must not be null");
        }
        if (length != src.size()) {
            throw new IllegalArgumentException(op + ": 'dst' has room for " + length + " values but 'src' "
                    + src.describe() + " holds " + src.size());
        }
    }

    public static void copy(Backend self, Tensor src, Tensor dst) {
        String op = "copy";
        tensor(self, op, "src", src);
        tensor(self, op, "dst", dst);
        if (src.dtype() != dst.dtype() || src.size() != dst.size()) {
            throw new IllegalArgumentException(op + ": 'src' " + src.describe() + " and 'dst' " + dst.describe()
                    + " must have the same dtype and number of elements");
        }
    }

    public static void fill(Backend self, Tensor dst) {
        float32(self, "fill", "dst", dst);
    }

    // ---------------------------------------------------------------- gemm

    public static GemmGeometry gemm(Backend self, boolean transA, boolean transB, Tensor a, Tensor b, Tensor c) {
        String op = "gemm";
        float32(self, op, "a", a);
        float32(self, op, "b", b);
        float32(self, op, "c", c);
        rank(op, "a", a, 2, transA ? "(K, M) (transA)" : "(M, K)");
        rank(op, "b", b, 2, transB ? "(N, K) (transB)" : "(K, N)");
        rank(op, "c", c, 2, "(M, N)");
        int m = transA ? a.shape().dim(1) : a.shape().dim(0);
        int ka = transA ? a.shape().dim(0) : a.shape().dim(1);
        int kb = transB ? b.shape().dim(1) : b.shape().dim(0);
        int n = transB ? b.shape().dim(0) : b.shape().dim(1);
        if (ka != kb) {
            throw new IllegalArgumentException(op + ": inner dimensions differ: op(a) is " + m + "x" + ka + " (a "
                    + a.shape() + (transA ? ", transposed" : "") + ") but op(b) is " + kb + "x" + n + " (b " + b.shape()
                    + (transB ? ", transposed" : "") + ")");
        }
        shape(op, "c", c, Shape.of(m, n), "op(a) is " + m + "x" + ka + ", op(b) is " + kb + "x" + n);
        noAlias(op, "c", c, "a", a);
        noAlias(op, "c", c, "b", b);
        return new GemmGeometry(m, n, ka, transA, transB);
    }

    // ---------------------------------------------------------------- convolution

    public static Conv2dGeometry conv2dForward(Backend self, Tensor x, Tensor w, Tensor b, Conv2dSpec spec, Tensor y) {
        String op = "conv2dForward";
        float32(self, op, "x", x);
        float32(self, op, "w", w);
        float32(self, op, "y", y);
        Conv2dGeometry g = Conv2dGeometry.of(op, x.shape(), w.shape(), spec);
        if (b != null) {
            float32(self, op, "b", b);
            shape(op, "b", b, Shape.of(g.k()), "one bias per output channel of w " + w.shape());
        }
        shape(op, "y", y, g.outputShape(), "x " + x.shape() + ", w " + w.shape() + ", " + spec);
        noAlias(op, "y", y, "x", x);
        noAlias(op, "y", y, "w", w);
        noAlias(op, "y", y, "b", b);
        return g;
    }

    public static Conv2dGeometry conv2dBackwardData(Backend self, Tensor dy, Tensor w, Conv2dSpec spec, Tensor dx) {
        String op = "conv2dBackwardData";
        float32(self, op, "dy", dy);
        float32(self, op, "w", w);
        float32(self, op, "dx", dx);
        Conv2dGeometry g = Conv2dGeometry.of(op, dx.shape(), w.shape(), spec);
        shape(op, "dy", dy, g.outputShape(), "dx " + dx.shape() + ", w " + w.shape() + ", " + spec);
        noAlias(op, "dx", dx, "dy", dy);
        noAlias(op, "dx", dx, "w", w);
        return g;
    }

    public static Conv2dGeometry conv2dBackwardFilter(Backend self, Tensor x, Tensor dy, Conv2dSpec spec, Tensor dw) {
        String op = "conv2dBackwardFilter";
        float32(self, op, "x", x);
        float32(self, op, "dy", dy);
        float32(self, op, "dw", dw);
        Conv2dGeometry g = Conv2dGeometry.of(op, x.shape(), dw.shape(), spec);
        shape(op, "dy", dy, g.outputShape(), "x " + x.shape() + ", dw " + dw.shape() + ", " + spec);
        noAlias(op, "dw", dw, "x", x);
        noAlias(op, "dw", dw, "dy", dy);
        return g;
    }

    public static void conv2dBackwardBias(Backend self, Tensor dy, Tensor db) {
        String op = "conv2dBackwardBias";
        float32(self, op, "dy", dy);
        float32(self, op, "db", db);
        rank(op, "dy", dy, 4, "(N, K, P, Q)");
        shape(op, "db", db, Shape.of(dy.shape().dim(1)), "one per channel of dy " + dy.shape());
        noAlias(op, "db", db, "dy", dy);
    }

    // ---------------------------------------------------------------- pooling

    public static Pool2dGeometry pool2dForward(Backend self, String op, Tensor x, Pool2dSpec spec, Tensor y) {
        float32(self, op, "x", x);
        float32(self, op, "y", y);
        Pool2dGeometry g = Pool2dGeometry.of(op, x.shape(), spec);
        shape(op, "y", y, g.outputShape(), "x " + x.shape() + ", " + spec);
        noAlias(op, "y", y, "x", x);
        return g;
    }

    public static Pool2dGeometry maxPool2dBackward(Backend self, Tensor x, Tensor y, Tensor dy, Pool2dSpec spec, Tensor dx) {
        String op = "maxPool2dBackward";
        float32(self, op, "x", x);
        float32(self, op, "y", y);
        float32(self, op, "dy", dy);
        float32(self, op, "dx", dx);
        Pool2dGeometry g = Pool2dGeometry.of(op, x.shape(), spec);
        shape(op, "y", y, g.outputShape(), "x " + x.shape() + ", " + spec);
        shape(op, "dy", dy, g.outputShape(), "x " + x.shape() + ", " + spec);
        shape(op, "dx", dx, x.shape(), "same as x");
        noAlias(op, "dx", dx, "x", x);
        noAlias(op, "dx", dx, "y", y);
        noAlias(op, "dx", dx, "dy", dy);
        return g;
    }

    public static Pool2dGeometry avgPool2dBackward(Backend self, Tensor dy, Pool2dSpec spec, Tensor dx) {
        String op = "avgPool2dBackward";
        float32(self, op, "dy", dy);
        float32(self, op, "dx", dx);
        Pool2dGeometry g = Pool2dGeometry.of(op, dx.shape(), spec);
        shape(op, "dy", dy, g.outputShape(), "dx " + dx.shape() + ", " + spec);
        noAlias(op, "dx", dx, "dy", dy);
        return g;
    }

    /** x (N, C, H, W) and y (N, C). */
    public static void globalAvgPool2dForward(Backend self, Tensor x, Tensor y) {
        String op = "globalAvgPool2dForward";
        float32(self, op, "x", x);
        float32(self, op, "y", y);
        rank(op, "x", x, 4, "(N, C, H, W)");
        shape(op, "y", y, Shape.of(x.shape().dim(0), x.shape().dim(1)), "(N, C) of x " + x.shape());
        noAlias(op, "y", y, "x", x);
    }

    /** dy (N, C) and dx (N, C, H, W). */
    public static void globalAvgPool2dBackward(Backend self, Tensor dy, Tensor dx) {
        String op = "globalAvgPool2dBackward";
        float32(self, op, "dy", dy);
        float32(self, op, "dx", dx);
        rank(op, "dx", dx, 4, "(N, C, H, W)");
        shape(op, "dy", dy, Shape.of(dx.shape().dim(0), dx.shape().dim(1)), "(N, C) of dx " + dx.shape());
        noAlias(op, "dx", dx, "dy", dy);
    }

    // ---------------------------------------------------------------- normalisation

    private static void spec(String op, Object spec) {
        if (spec == null) {
            throw new IllegalArgumentException(op + ": spec must not be null");
        }
    }

    /** A float32 tensor of shape (C): one value per channel of x. */
    private static void perChannel(Backend self, String op, String arg, Tensor t, Tensor x) {
        float32(self, op, arg, t);
        shape(op, arg, t, Shape.of(x.shape().dim(1)), "one per channel of x " + x.shape());
    }

    public static void batchNorm2dForwardTraining(Backend self, Tensor x, Tensor gamma, Tensor beta, BatchNormSpec spec,
            Tensor runningMean, Tensor runningVar, Tensor y, Tensor saveMean, Tensor saveInvStd) {
        String op = "batchNorm2dForwardTraining";
        spec(op, spec);
        float32(self, op, "x", x);
        rank(op, "x", x, 4, "(N, C, H, W)");
        Shape s = x.shape();
        if ((long) s.dim(0) * s.dim(2) * s.dim(3) < 2) {
            throw new IllegalArgumentException(op + ": 'x' has shape " + s + ", expected at least 2 values per channel"
                    + " (N*H*W >= 2) to estimate a batch variance");
        }
        perChannel(self, op, "gamma", gamma, x);
        perChannel(self, op, "beta", beta, x);
        perChannel(self, op, "runningMean", runningMean, x);
        perChannel(self, op, "runningVar", runningVar, x);
        float32(self, op, "y", y);
        shape(op, "y", y, s, "same as x");
        perChannel(self, op, "saveMean", saveMean, x);
        perChannel(self, op, "saveInvStd", saveInvStd, x);
        String[] names = {"x", "gamma", "beta", "runningMean", "runningVar", "y", "saveMean", "saveInvStd"};
        Tensor[] all = {x, gamma, beta, runningMean, runningVar, y, saveMean, saveInvStd};
        // Every tensor is read or written as a whole while others are read: none may share memory.
        for (int i = 0; i < all.length; i++) {
            for (int j = 0; j < i; j++) {
                noAlias(op, names[i], all[i], names[j], all[j]);
            }
        }
    }

    public static void batchNorm2dForwardInference(Backend self, Tensor x, Tensor gamma, Tensor beta,
            Tensor runningMean, Tensor runningVar, BatchNormSpec spec, Tensor y) {
        String op = "batchNorm2dForwardInference";
        spec(op, spec);
        float32(self, op, "x", x);
        rank(op, "x", x, 4, "(N, C, H, W)");
        perChannel(self, op, "gamma", gamma, x);
        perChannel(self, op, "beta", beta, x);
        perChannel(self, op, "runningMean", runningMean, x);
        perChannel(self, op, "runningVar", runningVar, x);
        float32(self, op, "y", y);
        shape(op, "y", y, x.shape(), "same as x");
        noAlias(op, "y", y, "gamma", gamma);
        noAlias(op, "y", y, "beta", beta);
        noAlias(op, "y", y, "runningMean", runningMean);
        noAlias(op, "y", y, "runningVar", runningVar);
    }

    public static void batchNorm2dBackward(Backend self, Tensor x, Tensor dy, Tensor gamma, Tensor saveMean,
            Tensor saveInvStd, Tensor dx, Tensor dgamma, Tensor dbeta) {
        String op = "batchNorm2dBackward";
        float32(self, op, "x", x);
        rank(op, "x", x, 4, "(N, C, H, W)");
        float32(self, op, "dy", dy);
        shape(op, "dy", dy, x.shape(), "same as x");
        perChannel(self, op, "gamma", gamma, x);
        perChannel(self, op, "saveMean", saveMean, x);
        perChannel(self, op, "saveInvStd", saveInvStd, x);
        perChannel(self, op, "dgamma", dgamma, x);
        perChannel(self, op, "dbeta", dbeta, x);
        String[] inNames = {"x", "dy", "gamma", "saveMean", "saveInvStd"};
        Tensor[] ins = {x, dy, gamma, saveMean, saveInvStd};
        if (dx != null) {
            float32(self, op, "dx", dx);
            shape(op, "dx", dx, x.shape(), "same as x");
        }
        String[] outNames = {"dx", "dgamma", "dbeta"};
        Tensor[] outs = {dx, dgamma, dbeta};
        for (int o = 0; o < outs.length; o++) {
            if (outs[o] == null) {
                continue;
            }
            for (int i = 0; i < ins.length; i++) {
                noAlias(op, outNames[o], outs[o], inNames[i], ins[i]);
            }
            for (int p = 0; p < o; p++) {
                if (outs[p] != null) {
                    noAlias(op, outNames[o], outs[o], outNames[p], outs[p]);
                }
            }
        }
    }

    // ---------------------------------------------------------------- GELU

    public static void geluForward(Backend self, Tensor x, GeluApproximation approximation, Tensor y) {
        String op = "geluForward";
        if (approximation == null) {
            throw new IllegalArgumentException(op + ": approximation must not be null (NONE or TANH)");
        }
        elementwise(self, op, new String[] {"x", "y"}, x, y);
    }

    public static void geluBackward(Backend self, Tensor x, Tensor dy, GeluApproximation approximation, Tensor dx) {
        String op = "geluBackward";
        if (approximation == null) {
            throw new IllegalArgumentException(op + ": approximation must not be null (NONE or TANH)");
        }
        elementwise(self, op, new String[] {"x", "dy", "dx"}, x, dy, dx);
    }

    // ---------------------------------------------------------------- channel concatenation

    /**
     * Inputs (N, C_i, ...) with equal dimensions apart from dimension 1, and y (N, sum C_i, ...),
     * sharing no memory with any input. Returns the channel counts C_i.
     */
    public static int[] concatChannels(Backend self, List<Tensor> inputs, Tensor y) {
        String op = "concatChannels";
        if (inputs == null || inputs.isEmpty()) {
            throw new IllegalArgumentException(op + ": 'inputs' must hold at least one tensor, got "
                    + (inputs == null ? "null" : "an empty list"));
        }
        float32(self, op, "y", y);
        if (y.shape().rank() < 2) {
            throw new IllegalArgumentException(op + ": 'y' must have rank 2 or more (N, C, ...), got shape " + y.shape());
        }
        int[] channels = new int[inputs.size()];
        long total = 0;
        for (int i = 0; i < channels.length; i++) {
            String arg = "inputs[" + i + "]";
            Tensor t = float32(self, op, arg, inputs.get(i));
            channels[i] = sameApartFromChannels(op, arg, t, y);
            total += channels[i];
            noAlias(op, "y", y, arg, t);
        }
        if (total != y.shape().dim(1)) {
            throw new IllegalArgumentException(op + ": 'y' has shape " + y.shape() + ", expected " + total
                    + " channels in dimension 1 (the sum of the inputs' " + java.util.Arrays.toString(channels) + ")");
        }
        return channels;
    }

    /**
     * dy (N, sum C_i, ...) and one (N, C_i, ...) tensor or null per input; at most one may be null,
     * and its channel count is what the others leave of dy's. Returns the channel counts C_i.
     */
    public static int[] concatChannelsBackward(Backend self, Tensor dy, List<Tensor> dInputs) {
        String op = "concatChannelsBackward";
        float32(self, op, "dy", dy);
        if (dy.shape().rank() < 2) {
            throw new IllegalArgumentException(op + ": 'dy' must have rank 2 or more (N, C, ...), got shape " + dy.shape());
        }
        if (dInputs == null || dInputs.isEmpty()) {
            throw new IllegalArgumentException(op + ": 'dInputs' must hold at least one entry (a tensor or null), got "
                    + (dInputs == null ? "null" : "an empty list"));
        }
        int[] channels = new int[dInputs.size()];
        int missing = -1;
        long known = 0;
        for (int i = 0; i < channels.length; i++) {
            String arg = "dInputs[" + i + "]";
            Tensor t = dInputs.get(i);
            if (t == null) {
                if (missing >= 0) {
                    throw new IllegalArgumentException(op + ": 'dInputs' has null at " + missing + " and " + i
                            + "; at most one entry may be null (its channel count is what the others leave of dy "
                            + dy.shape() + ")");
                }
                missing = i;
                continue;
            }
            float32(self, op, arg, t);
            channels[i] = sameApartFromChannels(op, arg, t, dy);
            known += channels[i];
            noAlias(op, arg, t, "dy", dy);
            for (int j = 0; j < i; j++) {
                if (dInputs.get(j) != null) {
                    noAlias(op, arg, t, "dInputs[" + j + "]", dInputs.get(j));
                }
            }
        }
        long rest = dy.shape().dim(1) - known;
        if (missing >= 0 ? rest < 1 : rest != 0) {
            throw new IllegalArgumentException(op + ": 'dy' has shape " + dy.shape() + ", expected "
                    + (missing >= 0 ? "more than " + known : String.valueOf(known))
                    + " channels in dimension 1 (the sum of the gradients' " + java.util.Arrays.toString(channels) + ")");
        }
        if (missing >= 0) {
            channels[missing] = (int) rest;
        }
        return channels;
    }

    /** {@code t} has {@code whole}'s rank and dimensions apart from dimension 1; returns t's dimension 1. */
    private static int sameApartFromChannels(String op, String arg, Tensor t, Tensor whole) {
        int[] td = t.shape().dims();
        int[] wd = whole.shape().dims();
        boolean ok = td.length == wd.length;
        for (int d = 0; ok && d < td.length; d++) {
            ok = d == 1 || td[d] == wd[d];
        }
        if (!ok) {
            int[] expected = wd.clone();
            if (td.length > 1) {
                expected[1] = td[1];
            }
            throw new IllegalArgumentException(op + ": '" + arg + "' has shape " + t.shape() + ", expected "
                    + (td.length == wd.length ? Shape.of(expected).toString() : "rank " + wd.length)
                    + " (the dimensions of " + whole.shape() + " apart from the channels, dimension 1)");
        }
        return td[1];
    }

    // ---------------------------------------------------------------- element-wise

    /** Float32 tensors of one shape (the first one's), for element-wise kernels; aliasing allowed. */
    public static void elementwise(Backend self, String op, String[] args, Tensor... tensors) {
        for (int i = 0; i < tensors.length; i++) {
            float32(self, op, args[i], tensors[i]);
        }
        for (int i = 1; i < tensors.length; i++) {
            shape(op, args[i], tensors[i], tensors[0].shape(), "same as '" + args[0] + "'");
        }
    }

    public static void rowwise(Backend self, String op, String[] args, Tensor... tensors) {
        elementwise(self, op, args, tensors);
        rank(op, args[0], tensors[0], 2, "(N, C)");
    }

    public static void softmaxCrossEntropy(Backend self, Tensor logits, Tensor labels, Tensor loss, Tensor gradLogits) {
        String op = "softmaxCrossEntropy";
        float32(self, op, "logits", logits);
        int32(self, op, "labels", labels);
        float32(self, op, "loss", loss);
        rank(op, "logits", logits, 2, "(N, C)");
        int n = logits.shape().dim(0);
        shape(op, "labels", labels, Shape.of(n), "one label per row of logits " + logits.shape());
        if (loss.size() != 1) {
            throw new IllegalArgumentException(op + ": 'loss' must hold one value (shape [] or [1]), got shape "
                    + loss.shape());
        }
        if (gradLogits != null) {
            float32(self, op, "gradLogits", gradLogits);
            shape(op, "gradLogits", gradLogits, logits.shape(), "same as logits");
            noAlias(op, "gradLogits", gradLogits, "logits", logits);
        }
        noAlias(op, "loss", loss, "logits", logits);
    }

    /** The plain checks, then: a spec, and one class weight per column of logits. */
    public static void softmaxCrossEntropy(Backend self, Tensor logits, Tensor labels, CrossEntropySpec spec,
                                           Tensor loss, Tensor gradLogits) {
        softmaxCrossEntropy(self, logits, labels, loss, gradLogits);
        if (spec == null) {
            throw new IllegalArgumentException("softmaxCrossEntropy: spec must not be null (CrossEntropySpec.PLAIN)");
        }
        float[] w = spec.classWeights();
        int classes = logits.shape().dim(1);
        if (w != null && w.length != classes) {
            throw new IllegalArgumentException("softmaxCrossEntropy: " + w.length + " class weights for logits "
                    + logits.shape() + " with " + classes + " classes");
        }
    }

    /** The labelled rows' weights summed to 0 (every label is a class of weight 0): the mean is undefined. */
    public static IllegalArgumentException zeroTotalWeight(String op, int rows) {
        return new IllegalArgumentException(op + ": the class weights of all " + rows
                + " labels are 0, so the weighted mean loss is undefined");
    }

    public static void adamStep(Backend self, Tensor param, Tensor grad, Tensor m, Tensor v, AdamSpec spec, long step) {
        String op = "adamStep";
        elementwise(self, op, new String[] {"param", "grad", "m", "v"}, param, grad, m, v);
        if (spec == null) {
            throw new IllegalArgumentException(op + ": spec must not be null");
        }
        if (step < 1) {
            throw new IllegalArgumentException(op + ": step must be at least 1 (the first step is 1), got " + step);
        }
        distinct(op, new String[] {"param", "grad", "m", "v"}, param, grad, m, v);
    }

    public static void sgdStep(Backend self, Tensor param, Tensor grad, Tensor velocity, SgdSpec spec) {
        String op = "sgdStep";
        if (spec == null) {
            throw new IllegalArgumentException(op + ": spec must not be null");
        }
        elementwise(self, op, new String[] {"param", "grad"}, param, grad);
        if (velocity != null) {
            elementwise(self, op, new String[] {"param", "velocity"}, param, velocity);
        } else if (spec.momentum() != 0) {
            throw new IllegalArgumentException(op + ": 'velocity' is null but momentum is " + spec.momentum()
                    + "; pass a buffer of shape " + param.shape());
        }
        distinct(op, new String[] {"param", "grad", "velocity"}, param, grad, velocity);
    }

    /** {@link #sgdStep}'s checks, and a weight decay that is 0 or positive and finite. */
    public static void sgdStep(Backend self, Tensor param, Tensor grad, Tensor velocity, SgdSpec spec, float weightDecay) {
        sgdStep(self, param, grad, velocity, spec);
        weightDecay("sgdStep", weightDecay);
    }

    /** {@link #adamStep}'s checks, and a weight decay that is 0 or positive and finite. */
    public static void adamStep(Backend self, Tensor param, Tensor grad, Tensor m, Tensor v, AdamSpec spec, long step,
                                float weightDecay) {
        adamStep(self, param, grad, m, v, spec, step);
        weightDecay("adamStep", weightDecay);
    }

    private static void weightDecay(String op, float weightDecay) {
        if (!(weightDecay >= 0) || !Float.isFinite(weightDecay)) {
            throw new IllegalArgumentException(op + ": weightDecay must be 0 or positive and finite, got " + weightDecay);
        }
    }

    public static void dropoutForward(Backend self, Tensor x, DropoutSpec spec, Tensor y, Tensor mask) {
        String op = "dropoutForward";
        if (spec == null) {
            throw new IllegalArgumentException(op + ": spec must not be null");
        }
        elementwise(self, op, new String[] {"x", "y", "mask"}, x, y, mask);
        noAlias(op, "mask", mask, "x", x);
        noAlias(op, "mask", mask, "y", y);
    }

    public static void biasAdd(Backend self, Tensor x, Tensor bias, Tensor out) {
        String op = "biasAdd";
        float32(self, op, "x", x);
        float32(self, op, "bias", bias);
        float32(self, op, "out", out);
        if (x.shape().rank() < 2) {
            throw new IllegalArgumentException(op + ": 'x' must have rank 2 or more with channels in dimension 1,"
                    + " got shape " + x.shape());
        }
        shape(op, "bias", bias, Shape.of(x.shape().dim(1)), "one per channel of x " + x.shape());
        shape(op, "out", out, x.shape(), "same as x");
        noAlias(op, "out", out, "bias", bias);
    }

    public static void imagesFromHost(Backend self, int length, int offset, ImageNormalization spec, Tensor y) {
        String op = "imagesFromHost";
        float32(self, op, "y", y);
        spec(op, spec);
        rank(op, "y", y, 4, "(N, C, H, W)");
        if (length < 0) {
            throw new IllegalArgumentException(op + ": 'pixels' host array must not be null");
        }
        int channels = y.shape().dim(1);
        if (!spec.fits(channels)) {
            throw new IllegalArgumentException(op + ": 'spec' has " + spec.mean().length + " mean and "
                    + spec.std().length + " std values but 'y' " + y.describe() + " has " + channels
                    + " channels (expected one per channel, or one for all)");
        }
        if (offset < 0 || offset > length || length - offset < y.size()) {
            throw new IllegalArgumentException(op + ": 'pixels' has " + length + " bytes; from offset " + offset
                    + " it needs " + y.size() + " for 'y' " + y.describe());
        }
    }

    public static void sumOverBatch(Backend self, Tensor x, Tensor out) {
        String op = "sumOverBatch";
        float32(self, op, "x", x);
        float32(self, op, "out", out);
        if (x.shape().rank() < 2) {
            throw new IllegalArgumentException(op + ": 'x' must have rank 2 or more (N, F...), got shape " + x.shape());
        }
        int[] dims = x.shape().dims();
        shape(op, "out", out, Shape.of(java.util.Arrays.copyOfRange(dims, 1, dims.length)), "x " + x.shape()
                + " without its batch dimension");
        noAlias(op, "out", out, "x", x);
    }

    public static void argmax(Backend self, Tensor x, Tensor indices) {
        String op = "argmax";
        float32(self, op, "x", x);
        int32(self, op, "indices", indices);
        rank(op, "x", x, 2, "(N, C)");
        shape(op, "indices", indices, Shape.of(x.shape().dim(0)), "one per row of x " + x.shape());
    }

    public static void countCorrect(Backend self, Tensor logits, Tensor labels) {
        String op = "countCorrect";
        float32(self, op, "logits", logits);
        int32(self, op, "labels", labels);
        rank(op, "logits", logits, 2, "(N, C)");
        shape(op, "labels", labels, Shape.of(logits.shape().dim(0)), "one label per row of logits " + logits.shape());
    }
}
