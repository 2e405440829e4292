package dev.ingot.parity;

import dev.ingot.core.Backend;
import dev.ingot.core.DType;
import dev.ingot.core.Shape;
import dev.ingot.core.Tensor;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static dev.ingot.parity.SeededInputs.labels;
import static dev.ingot.parity.SeededInputs.uniform;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Memory operations on every backend: host round trips (bit for bit, special values included),
 * device copies, fill, zeros, views that share memory, moving tensors between backends, and
 * {@code bytesInUse} going up on allocation and back down on close. Here the host arrays are the
 * reference: a copy must return exactly what went in.
 */
class MemoryParityTest {

    @RegisterExtension
    static final ParityBackends backends = new ParityBackends(ParityLedger.Suite.PARITY);

    static Stream<Arguments> shapes() {
        return ParityCases.onEveryProvider(List.of(Shape.of(1), Shape.of(17), Shape.of(4099),
                Shape.of(ReferenceModelLayers.BATCH, 3, 32, 32)));
    }

    /** Uniform values with NaN, infinities, -0, the smallest subnormal and the largest float mixed in. */
    private static float[] withSpecials(SplittableRandom rnd, int n) {
        float[] v = uniform(rnd, n, -2, 2);
        float[] specials = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, -0f, Float.MIN_VALUE,
                Float.MAX_VALUE, Float.MIN_NORMAL};
        for (int i = 0; i < specials.length && i * 5 < n; i++) {
            v[i * 5] = specials[i];
        }
        return v;
    }

    @ParameterizedTest(name = "[{0}] {1}")
    @MethodSource("shapes")
    void hostRoundTripFloat(BackendUnderTest target, Shape shape) {
        Backend backend = backends.open(target, "fromHost/copyToHost float32", shape);
        float[] values = withSpecials(SeededInputs.random("float round trip " + shape), (int) shape.size());
        Tensor t = backend.fromHost(shape, values);
        ParityAssertions.assertBitsEqual("fromHost/toFloatArray [" + shape + "] on " + target, shape, t.toFloatArray(),
                values);
        float[] second = uniform(SeededInputs.random("float overwrite " + shape), (int) shape.size(), -2, 2);
        backend.copyFromHost(second, t);
        float[] back = new float[(int) shape.size()];
        backend.copyToHost(t, back);
        ParityAssertions.assertBitsEqual("copyFromHost/copyToHost [" + shape + "] on " + target, shape, back, second);
    }

    @ParameterizedTest(name = "[{0}] {1}")
    @MethodSource("shapes")
    void hostRoundTripInt(BackendUnderTest target, Shape shape) {
        Backend backend = backends.open(target, "fromHost/copyToHost int32", shape);
        int[] values = labels(SeededInputs.random("int round trip " + shape), (int) shape.size(), Integer.MAX_VALUE);
        values[0] = Integer.MIN_VALUE;
        Tensor t = backend.fromHost(shape, values);
        assertEquals(DType.INT32, t.dtype());
        ParityAssertions.assertIntsEqual("fromHost/toIntArray [" + shape + "] on " + target, shape, t.toIntArray(), values);
    }

    @ParameterizedTest(name = "[{0}] {1}")
    @MethodSource("shapes")
    void copy(BackendUnderTest target, Shape shape) {
        Backend backend = backends.open(target, "copy", shape);
        SplittableRandom rnd = SeededInputs.random("copy " + shape);
        float[] values = withSpecials(rnd, (int) shape.size());
        Tensor src = backend.fromHost(shape, values);
        // Same number of elements, another shape: copy is by element count.
        Tensor dst = backend.zeros(Shape.of((int) shape.size()));
        backend.copy(src, dst);
        ParityAssertions.assertBitsEqual("copy float32 [" + shape + "] on " + target, dst.shape(), dst.toFloatArray(),
                values);
        int[] ints = labels(rnd, (int) shape.size(), 1000);
        Tensor isrc = backend.fromHost(shape, ints);
        Tensor idst = backend.zeros(shape, DType.INT32);
        backend.copy(isrc, idst);
        ParityAssertions.assertIntsEqual("copy int32 [" + shape + "] on " + target, shape, idst.toIntArray(), ints);
    }

    @ParameterizedTest(name = "[{0}] {1}")
    @MethodSource("shapes")
    void fillAndZeros(BackendUnderTest target, Shape shape) {
        Backend backend = backends.open(target, "fill/zeros", shape);
        int n = (int) shape.size();
        Tensor z = backend.zeros(shape);
        ParityAssertions.assertBitsEqual("zeros [" + shape + "] on " + target, shape, z.toFloatArray(), new float[n]);
        ParityAssertions.assertIntsEqual("zeros int32 [" + shape + "] on " + target, shape,
                backend.zeros(shape, DType.INT32).toIntArray(), new int[n]);
        for (float value : new float[] {-1.5f, Float.NaN, -0f}) {
            backend.fill(z, value);
            float[] expected = new float[n];
            java.util.Arrays.fill(expected, value);
            ParityAssertions.assertBitsEqual("fill " + value + " [" + shape + "] on " + target, shape, z.toFloatArray(),
                    expected);
        }
    }

    @ParameterizedTest(name = "[{0}] {1}")
    @MethodSource("shapes")
    void viewSharesMemory(BackendUnderTest target, Shape shape) {
        Backend backend = backends.open(target, "view", shape);
        int n = (int) shape.size();
        float[] values = uniform(SeededInputs.random("view " + shape), n, -2, 2);
        Tensor owner = backend.fromHost(shape, values);
        Tensor flat = owner.view(Shape.of(n));
        ParityAssertions.assertBitsEqual("view reads the owner [" + shape + "] on " + target, flat.shape(),
                flat.toFloatArray(), values);
        backend.fill(flat, 3f);
        float[] threes = new float[n];
        java.util.Arrays.fill(threes, 3f);
        ParityAssertions.assertBitsEqual("writes through a view reach the owner [" + shape + "] on " + target, shape,
                owner.toFloatArray(), threes);
        assertTrue(flat.sharesMemoryWith(owner) && flat.isView());
    }

    @ParameterizedTest(name = "[{0}] {1}")
    @MethodSource("shapes")
    void moveBetweenBackends(BackendUnderTest target, Shape shape) {
        Backend backend = backends.open(target, "to(backend)", shape);
        Backend reference = backends.reference();
        float[] values = withSpecials(SeededInputs.random("to " + shape), (int) shape.size());
        Tensor there = reference.fromHost(shape, values).to(backend);
        assertTrue(there.backend() == backend);
        Tensor back = there.to(reference);
        ParityAssertions.assertBitsEqual("reference -> " + target + " -> reference [" + shape + "]", shape,
                back.toFloatArray(), values);
    }

    @ParameterizedTest(name = "[{0}] {1}")
    @MethodSource("shapes")
    void bytesInUse(BackendUnderTest target, Shape shape) {
        Backend backend = backends.open(target, "bytesInUse", shape);
        long before = backend.bytesInUse();
        Tensor t = backend.zeros(shape);
        long during = backend.bytesInUse();
        assertTrue(during - before >= 4 * shape.size(), "allocating " + shape + " float32 on " + target
                + " should add at least " + 4 * shape.size() + " bytes to bytesInUse, it went " + before + " -> " + during);
        Tensor view = t.view(Shape.of((int) shape.size()));
        view.close(); // a view owns nothing: closing it frees nothing
        assertEquals(during, backend.bytesInUse(), "closing a view must not free its owner's memory on " + target);
        t.close();
        t.close(); // idempotent
        assertEquals(before, backend.bytesInUse(), "closing " + shape + " on " + target + " must return its bytes");
    }
}
