package dev.ingot.parity;

import dev.ingot.core.Backend;
import dev.ingot.core.DType;
import dev.ingot.core.Shape;
import dev.ingot.core.Tensor;
import dev.ingot.parity.OpInfo.ErrorInput;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Bad input that belongs to no one kernel, on the reference and every available backend: tensors
 * of another backend, closed tensors and views, null or wrongly sized host arrays, copies between
 * dtypes. Each case must be rejected before any work, with {@link IllegalArgumentException} (or
 * {@link IllegalStateException} for a closed tensor) whose message names the op, the argument, and
 * the shapes it got and expected, and never with a crash, a hang or a silently wrong answer. One
 * test per case, so a report says exactly which rejection a backend got wrong. A kernel's own bad
 * inputs are its {@link OpInfo} record's error inputs ({@link OpBadInputTest}).
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

    // ---------------------------------------------------------------- ownership

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

    // ---------------------------------------------------------------- lifetime, host arrays, dtypes of copies

    /** Bad input of the memory operations and of tensors' lifetime, whatever the kernel: one rejection each. */
    static final List<ErrorInput> MEMORY = List.of(
            ErrorInput.closed("closed input tensor", "relu x closed", b -> {
                Tensor x = floats(b, 2, 3);
                x.close();
                b.reluForward(x, floats(b, 2, 3));
            }, "reluForward", "x", "[2, 3]", "closed"),
            ErrorInput.closed("closed output tensor", "gemm c closed", b -> {
                Tensor c = floats(b, 2, 5);
                c.close();
                b.gemm(false, false, 1, floats(b, 2, 3), floats(b, 3, 5), 0, c);
            }, "gemm", "c", "[2, 5]", "closed"),
            ErrorInput.closed("view of a closed tensor", "view (6) of closed (2,3)", b -> {
                Tensor owner = floats(b, 2, 3);
                Tensor view = owner.view(Shape.of(6));
                owner.close();
                b.fill(view, 1f);
            }, "fill", "dst", "[6]", "view of a tensor that was closed"),
            ErrorInput.closed("view of a closed tensor: host copy", "toFloatArray of view (6) of closed (2,3)", b -> {
                Tensor owner = floats(b, 2, 3);
                Tensor view = owner.view(Shape.of(6));
                owner.close();
                view.toFloatArray();
            }, "closed"),
            ErrorInput.closed("host copy of a closed tensor", "toFloatArray of closed (4)", b -> {
                Tensor t = floats(b, 4);
                t.close();
                t.toFloatArray();
            }, "[4]", "closed"),
            ErrorInput.closed("host copy into a closed tensor", "copyFromHost into closed (4)", b -> {
                Tensor t = floats(b, 4);
                t.close();
                b.copyFromHost(new float[4], t);
            }, "copyFromHost", "dst", "closed"),
            ErrorInput.of("null host array or shape", "fromHost, copyToHost, zeros",
                    b -> b.fromHost(Shape.of(2), (float[]) null), "fromHost", "host array", "null"),
            ErrorInput.of("null host array or shape", "fromHost null shape",
                    b -> b.fromHost(null, new float[2]), "fromHost", "shape", "null"),
            ErrorInput.of("null host array or shape", "copyToHost null dst",
                    b -> b.copyToHost(floats(b, 2), (float[]) null), "copyToHost", "'dst'", "null"),
            ErrorInput.of("null host array or shape", "zeros null shape", b -> b.zeros(null), "zeros", "null"),
            ErrorInput.of("null host array or shape", "zeros null dtype", b -> b.zeros(Shape.of(2), null), "zeros", "null"),
            ErrorInput.of("host copy of the wrong dtype", "int[] into float32, float32 into int[]",
                    b -> b.copyFromHost(new int[6], floats(b, 2, 3)), "copyFromHost", "int32", "'dst'", "[2, 3] float32"),
            ErrorInput.of("host copy of the wrong dtype", "float32 into int[]",
                    b -> b.copyToHost(floats(b, 2, 3), new int[6]), "copyToHost", "'src'", "[2, 3] float32", "int32"),
            ErrorInput.of("copy between dtypes or sizes", "float32 (6) to int32 (6), (6) to (5)",
                    b -> b.copy(floats(b, 6), b.zeros(Shape.of(6), DType.INT32)),
                    "copy", "'src'", "'dst'", "[6] float32", "[6] int32"),
            ErrorInput.of("copy between dtypes or sizes", "(6) to (5)",
                    b -> b.copy(floats(b, 6), floats(b, 5)), "copy", "[6] float32", "[5] float32"),
            ErrorInput.of("fromHost: host array of the wrong length", "5 values for (2,3)",
                    b -> b.fromHost(Shape.of(2, 3), new float[5]), "fromHost", "5 values", "expected 6", "[2, 3]"),
            ErrorInput.of("fromHost: host array of the wrong length", "7 int values for (2,3)",
                    b -> b.fromHost(Shape.of(2, 3), new int[7]), "fromHost", "7 values", "expected 6", "[2, 3]"),
            ErrorInput.of("copyFromHost: host array of the wrong length", "7 values into (2,3)",
                    b -> b.copyFromHost(new float[7], floats(b, 2, 3)),
                    "copyFromHost", "'src'", "7 values", "[2, 3] float32", "6"),
            ErrorInput.of("copyToHost: host array of the wrong length", "room for 5 from (2,3)",
                    b -> b.copyToHost(floats(b, 2, 3), new float[5]),
                    "copyToHost", "'dst'", "room for 5", "[2, 3] float32", "6"));

    static Stream<Arguments> memoryCases() {
        return ParityCases.onReferenceAndEveryProvider(MEMORY);
    }

    @ParameterizedTest(name = "[{0}] {1}")
    @MethodSource("memoryCases")
    void rejected(BackendUnderTest target, ErrorInput e) {
        Backend b = backends.open(target, e.label(), e.args());
        assertRejects(e.type(), () -> e.call().run(b), e.fragments().toArray(String[]::new));
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
