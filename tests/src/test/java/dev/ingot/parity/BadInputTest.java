package dev.ingot.parity;

import dev.ingot.core.Backend;
import dev.ingot.core.DType;
import dev.ingot.core.Shape;
import dev.ingot.core.Tensor;
import dev.ingot.core.spec.AdamSpec;
import dev.ingot.core.spec.Conv2dSpec;
import dev.ingot.core.spec.DropoutSpec;
import dev.ingot.core.spec.Pool2dSpec;
import dev.ingot.core.spec.SgdSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Bad input on the reference and every available backend: each case must be rejected before any
 * work, with {@link IllegalArgumentException} (or {@link IllegalStateException} for a closed
 * tensor) whose message names the op, the argument, and the shapes it got and expected, and never
 * with a crash, a hang or a silently wrong answer. One test per case, so a report says exactly
 * which rejection a backend got wrong.
 */
class BadInputTest {

    @RegisterExtension
    static final ParityBackends backends = new ParityBackends(ParityLedger.Suite.BAD_INPUT);

    static Stream<BackendUnderTest> all() {
        return BackendUnderTest.referenceAndProviders().stream();
    }

    /**
     * Runs {@code call}, which must throw {@code type} with a message containing every fragment;
     * on failure shows the message it did get.
     */
    static <T extends RuntimeException> T assertRejects(Class<T> type, Executable call, String... fragments) {
        T e = assertThrows(type, call, "expected " + type.getSimpleName() + " naming " + Arrays.toString(fragments));
        String message = String.valueOf(e.getMessage());
        for (String f : fragments) {
            if (!message.contains(f)) {
                fail("the message should name '" + f + "' but was: " + message);
            }
        }
        return e;
    }

    private static Tensor floats(Backend be, int... dims) {
        return be.zeros(Shape.of(dims));
    }

    // ---------------------------------------------------------------- ranks and shapes

    // ---------------------------------------------------------------- ownership and lifetime

    @ParameterizedTest(name = "[{0}]")
    @MethodSource("all")
    void tensorOfAnotherBackendInstance(BackendUnderTest target) {
        Backend be = backends.open(target, "tensor from another instance of the backend", "relu x from instance 2");
        Backend other = backends.openAnother(target);
        Tensor foreign = other.zeros(Shape.of(2, 3));
        assertRejects(IllegalArgumentException.class, () -> be.reluForward(foreign, floats(be, 2, 3)),
                "reluForward", "'x'", "[2, 3]", "belongs to backend");
    }

    @ParameterizedTest(name = "[{0}]")
    @MethodSource("all")
    void tensorOfReferenceBackend(BackendUnderTest target) {
        Backend be = backends.open(target, "tensor from the reference backend", "gemm b from the reference");
        Tensor foreign = backends.reference().zeros(Shape.of(3, 5));
        assertRejects(IllegalArgumentException.class,
                () -> be.gemm(false, false, 1, floats(be, 2, 3), foreign, 0, floats(be, 2, 5)),
                "gemm", "'b'", "[3, 5]", "belongs to backend 'reference'");
    }

    @ParameterizedTest(name = "[{0}]")
    @MethodSource("all")
    void closedTensor(BackendUnderTest target) {
        Backend be = backends.open(target, "closed input tensor", "relu x closed");
        Tensor x = floats(be, 2, 3);
        x.close();
        assertRejects(IllegalStateException.class, () -> be.reluForward(x, floats(be, 2, 3)),
                "reluForward", "x", "[2, 3]", "closed");
    }

    @ParameterizedTest(name = "[{0}]")
    @MethodSource("all")
    void closedOutputTensor(BackendUnderTest target) {
        Backend be = backends.open(target, "closed output tensor", "gemm c closed");
        Tensor c = floats(be, 2, 5);
        c.close();
        assertRejects(IllegalStateException.class,
                () -> be.gemm(false, false, 1, floats(be, 2, 3), floats(be, 3, 5), 0, c), "gemm", "c", "[2, 5]", "closed");
    }

    @ParameterizedTest(name = "[{0}]")
    @MethodSource("all")
    void viewOfClosedTensor(BackendUnderTest target) {
        Backend be = backends.open(target, "view of a closed tensor", "view (6) of closed (2,3)");
        Tensor owner = floats(be, 2, 3);
        Tensor view = owner.view(Shape.of(6));
        owner.close();
        assertRejects(IllegalStateException.class, () -> be.fill(view, 1f), "fill", "dst", "[6]", "view of a tensor that was closed");
        assertRejects(IllegalStateException.class, view::toFloatArray, "closed");
    }

    @ParameterizedTest(name = "[{0}]")
    @MethodSource("all")
    void closedTensorOnHostCopy(BackendUnderTest target) {
        Backend be = backends.open(target, "host copy of a closed tensor", "toFloatArray of closed (4)");
        Tensor t = floats(be, 4);
        t.close();
        assertRejects(IllegalStateException.class, t::toFloatArray, "[4]", "closed");
        assertRejects(IllegalStateException.class, () -> be.copyFromHost(new float[4], t), "copyFromHost", "dst", "closed");
    }

    // ---------------------------------------------------------------- geometry

    // ---------------------------------------------------------------- values

    // ---------------------------------------------------------------- null arguments

    @ParameterizedTest(name = "[{0}]")
    @MethodSource("all")
    void nullSpec(BackendUnderTest target) {
        Backend be = backends.open(target, "null spec", "conv, pool, adam, sgd, dropout");
        assertRejects(IllegalArgumentException.class,
                () -> be.conv2dForward(floats(be, 1, 1, 3, 3), floats(be, 1, 1, 3, 3), null, null, floats(be, 1, 1, 1, 1)),
                "conv2dForward", "spec", "null");
        assertRejects(IllegalArgumentException.class,
                () -> be.maxPool2dForward(floats(be, 1, 1, 2, 2), null, floats(be, 1, 1, 1, 1)),
                "maxPool2dForward", "spec", "null");
        Tensor p = floats(be, 3), g = floats(be, 3), m = floats(be, 3), v = floats(be, 3);
        assertRejects(IllegalArgumentException.class, () -> be.adamStep(p, g, m, v, null, 1), "adamStep", "spec", "null");
        assertRejects(IllegalArgumentException.class, () -> be.sgdStep(p, g, null, null), "sgdStep", "spec", "null");
        assertRejects(IllegalArgumentException.class, () -> be.dropoutForward(p, null, g, m), "dropoutForward", "spec",
                "null");
    }

    @ParameterizedTest(name = "[{0}]")
    @MethodSource("all")
    void nullHostArrayAndShape(BackendUnderTest target) {
        Backend be = backends.open(target, "null host array or shape", "fromHost, copyToHost, zeros");
        assertRejects(IllegalArgumentException.class, () -> be.fromHost(Shape.of(2), (float[]) null), "fromHost",
                "host array", "null");
        assertRejects(IllegalArgumentException.class, () -> be.fromHost(null, new float[2]), "fromHost", "shape", "null");
        assertRejects(IllegalArgumentException.class, () -> be.copyToHost(floats(be, 2), (float[]) null),
                "copyToHost", "'dst'", "null");
        assertRejects(IllegalArgumentException.class, () -> be.zeros(null), "zeros", "null");
        assertRejects(IllegalArgumentException.class, () -> be.zeros(Shape.of(2), null), "zeros", "null");
    }

    // ---------------------------------------------------------------- dtypes

    @ParameterizedTest(name = "[{0}]")
    @MethodSource("all")
    void hostCopyOfTheWrongDtype(BackendUnderTest target) {
        Backend be = backends.open(target, "host copy of the wrong dtype", "int[] into float32, float32 into int[]");
        assertRejects(IllegalArgumentException.class, () -> be.copyFromHost(new int[6], floats(be, 2, 3)),
                "copyFromHost", "int32", "'dst'", "[2, 3] float32");
        assertRejects(IllegalArgumentException.class, () -> be.copyToHost(floats(be, 2, 3), new int[6]),
                "copyToHost", "'src'", "[2, 3] float32", "int32");
    }

    @ParameterizedTest(name = "[{0}]")
    @MethodSource("all")
    void copyBetweenDtypes(BackendUnderTest target) {
        Backend be = backends.open(target, "copy between dtypes or sizes", "float32 (6) to int32 (6), (6) to (5)");
        assertRejects(IllegalArgumentException.class, () -> be.copy(floats(be, 6), be.zeros(Shape.of(6), DType.INT32)),
                "copy", "'src'", "'dst'", "[6] float32", "[6] int32");
        assertRejects(IllegalArgumentException.class, () -> be.copy(floats(be, 6), floats(be, 5)),
                "copy", "[6] float32", "[5] float32");
    }

    // ---------------------------------------------------------------- aliasing

    // ---------------------------------------------------------------- host arrays

    @ParameterizedTest(name = "[{0}]")
    @MethodSource("all")
    void fromHostWrongLength(BackendUnderTest target) {
        Backend be = backends.open(target, "fromHost: host array of the wrong length", "5 values for (2,3)");
        assertRejects(IllegalArgumentException.class, () -> be.fromHost(Shape.of(2, 3), new float[5]),
                "fromHost", "5 values", "expected 6", "[2, 3]");
        assertRejects(IllegalArgumentException.class, () -> be.fromHost(Shape.of(2, 3), new int[7]),
                "fromHost", "7 values", "expected 6", "[2, 3]");
    }

    @ParameterizedTest(name = "[{0}]")
    @MethodSource("all")
    void copyFromHostWrongLength(BackendUnderTest target) {
        Backend be = backends.open(target, "copyFromHost: host array of the wrong length", "7 values into (2,3)");
        assertRejects(IllegalArgumentException.class, () -> be.copyFromHost(new float[7], floats(be, 2, 3)),
                "copyFromHost", "'src'", "7 values", "[2, 3] float32", "6");
    }

    @ParameterizedTest(name = "[{0}]")
    @MethodSource("all")
    void copyToHostWrongLength(BackendUnderTest target) {
        Backend be = backends.open(target, "copyToHost: host array of the wrong length", "room for 5 from (2,3)");
        assertRejects(IllegalArgumentException.class, () -> be.copyToHost(floats(be, 2, 3), new float[5]),
                "copyToHost", "'dst'", "room for 5", "[2, 3] float32", "6");
    }

    // ---------------------------------------------------------------- shapes themselves

    /** Zero or negative sizes never reach a backend: Shape rejects them (see also ShapeTest in engine-core). */
    @Test
    void zeroOrNegativeSizes() {
        for (int[] dims : List.of(new int[] {2, 0}, new int[] {-3}, new int[] {4, 5, 0, 1})) {
            assertRejects(IllegalArgumentException.class, () -> Shape.of(dims), Arrays.toString(dims), "dimension",
                    "at least 1");
        }
        assertRejects(IllegalArgumentException.class, () -> Shape.of((int[]) null), "null");
    }
}
