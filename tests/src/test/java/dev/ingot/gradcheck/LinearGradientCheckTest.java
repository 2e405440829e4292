package dev.ingot.gradcheck;

import dev.ingot.core.Backend;
import dev.ingot.core.Shape;
import dev.ingot.core.Tensor;
import dev.ingot.core.TensorScope;
import dev.ingot.core.spec.DropoutSpec;
import dev.ingot.parity.BackendUnderTest;
import dev.ingot.parity.ParityBackends;
import dev.ingot.parity.ParityCases;
import dev.ingot.parity.ParityLedger;
import dev.ingot.parity.SeededInputs;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static dev.ingot.parity.SeededInputs.uniform;

/**
 * The gradients of a dense layer and of the linear helper kernels against central differences, on
 * the reference and every available backend:
 * <ul>
 *   <li>gemm as a dense layer {@code y = x.W}: {@code dx = dy.W^T} and {@code dW = x^T.dy}, computed
 *       with gemm's transposes exactly as a training step computes them;</li>
 *   <li>biasAdd: {@code db} by sumOverBatch (dense, (N, C)) and by conv2dBackwardBias (convolution,
 *       (N, C, H, W)), {@code dx = dy};</li>
 *   <li>sumOverBatch: its gradient broadcasts dy over the batch;</li>
 *   <li>dropout: {@code dx = dy * mask} by multiply.</li>
 * </ul>
 */
class LinearGradientCheckTest {

    @RegisterExtension
    static final ParityBackends backends = new ParityBackends(ParityLedger.Suite.GRADCHECK);

    /** A dense layer x (n, in) . W (in, out). */
    record DenseCase(int n, int in, int out) {
        @Override
        public String toString() {
            return "x (" + n + "," + in + ") W (" + in + "," + out + ")";
        }
    }

    static Stream<Arguments> denseCases() {
        return ParityCases.onReferenceAndEveryProvider(List.of(new DenseCase(5, 12, 7), new DenseCase(1, 33, 10),
                new DenseCase(4, 3, 17)));
    }

    static Stream<Arguments> biasShapes() {
        return ParityCases.onReferenceAndEveryProvider(List.of(Shape.of(5, 7), Shape.of(2, 3, 4, 5)));
    }

    static Stream<Arguments> batchShapes() {
        return ParityCases.onReferenceAndEveryProvider(List.of(Shape.of(5, 7), Shape.of(3, 2, 4)));
    }

    /** {@code L = sum(r * (x . W))}. */
    private static double denseObjective(Backend be, DenseCase c, float[] x, float[] w, float[] r) {
        try (TensorScope _ = TensorScope.open()) {
            Tensor y = be.zeros(Shape.of(c.n(), c.out()));
            be.gemm(false, false, 1f, be.fromHost(Shape.of(c.n(), c.in()), x), be.fromHost(Shape.of(c.in(), c.out()), w),
                    0f, y);
            return FiniteDifferences.dot(r, y.toFloatArray());
        }
    }

    @ParameterizedTest(name = "[{0}] {1}")
    @MethodSource("denseCases")
    void gemmDenseDx(BackendUnderTest target, DenseCase c) {
        Backend be = backends.open(target, "gemm dense dx = dy.W^T", c);
        SplittableRandom rnd = SeededInputs.random("grad gemm dx " + c);
        float[] x = uniform(rnd, c.n() * c.in(), -2, 2), w = uniform(rnd, c.in() * c.out(), -2, 2);
        float[] r = uniform(rnd, c.n() * c.out(), -1, 1);
        Shape xShape = Shape.of(c.n(), c.in());
        Tensor dx = be.zeros(xShape);
        be.gemm(false, true, 1f, be.fromHost(Shape.of(c.n(), c.out()), r), be.fromHost(Shape.of(c.in(), c.out()), w), 0f, dx);
        FiniteDifferences.assertGradient("gemm dense dL/dx [" + c + "] on " + target, xShape, x, dx.toFloatArray(),
                xs -> denseObjective(be, c, xs, w, r), Steps.LINEAR.h(), Steps.LINEAR.tol(), Steps.LINEAR.why(), rnd);
    }

    @ParameterizedTest(name = "[{0}] {1}")
    @MethodSource("denseCases")
    void gemmDenseDw(BackendUnderTest target, DenseCase c) {
        Backend be = backends.open(target, "gemm dense dW = x^T.dy", c);
        SplittableRandom rnd = SeededInputs.random("grad gemm dW " + c);
        float[] x = uniform(rnd, c.n() * c.in(), -2, 2), w = uniform(rnd, c.in() * c.out(), -2, 2);
        float[] r = uniform(rnd, c.n() * c.out(), -1, 1);
        Shape wShape = Shape.of(c.in(), c.out());
        Tensor dw = be.zeros(wShape);
        be.gemm(true, false, 1f, be.fromHost(Shape.of(c.n(), c.in()), x), be.fromHost(Shape.of(c.n(), c.out()), r), 0f, dw);
        FiniteDifferences.assertGradient("gemm dense dL/dW [" + c + "] on " + target, wShape, w, dw.toFloatArray(),
                ws -> denseObjective(be, c, x, ws, r), Steps.LINEAR.h(), Steps.LINEAR.tol(), Steps.LINEAR.why(), rnd);
    }

    /** {@code L = sum(r * biasAdd(x, b))}. */
    private static double biasObjective(Backend be, Shape shape, float[] x, float[] b, float[] r) {
        try (TensorScope _ = TensorScope.open()) {
            Tensor out = be.zeros(shape);
            be.biasAdd(be.fromHost(shape, x), be.fromHost(Shape.of(shape.dim(1)), b), out);
            return FiniteDifferences.dot(r, out.toFloatArray());
        }
    }

    @ParameterizedTest(name = "[{0}] {1}")
    @MethodSource("biasShapes")
    void biasAddBias(BackendUnderTest target, Shape shape) {
        boolean dense = shape.rank() == 2;
        Backend be = backends.open(target, dense ? "biasAdd db = sumOverBatch(dy)" : "biasAdd db = conv2dBackwardBias(dy)",
                shape);
        SplittableRandom rnd = SeededInputs.random("grad biasAdd db " + shape);
        float[] x = uniform(rnd, (int) shape.size(), -2, 2), b = uniform(rnd, shape.dim(1), -2, 2);
        float[] r = uniform(rnd, x.length, -1, 1);
        Shape bShape = Shape.of(shape.dim(1));
        Tensor db = be.zeros(bShape);
        if (dense) {
            be.sumOverBatch(be.fromHost(shape, r), db);
        } else {
            be.conv2dBackwardBias(be.fromHost(shape, r), db);
        }
        FiniteDifferences.assertGradient("biasAdd dL/db [" + shape + "] on " + target, bShape, b, db.toFloatArray(),
                bs -> biasObjective(be, shape, x, bs, r), Steps.LINEAR.h(), Steps.LINEAR.tol(), Steps.LINEAR.why(), rnd);
    }

    @ParameterizedTest(name = "[{0}] {1}")
    @MethodSource("biasShapes")
    void biasAddInput(BackendUnderTest target, Shape shape) {
        Backend be = backends.open(target, "biasAdd dx = dy", shape);
        SplittableRandom rnd = SeededInputs.random("grad biasAdd dx " + shape);
        float[] x = uniform(rnd, (int) shape.size(), -2, 2), b = uniform(rnd, shape.dim(1), -2, 2);
        float[] r = uniform(rnd, x.length, -1, 1);
        FiniteDifferences.assertGradient("biasAdd dL/dx [" + shape + "] on " + target, shape, x, r,
                xs -> biasObjective(be, shape, xs, b, r), Steps.LINEAR.h(), Steps.LINEAR.tol(), Steps.LINEAR.why(), rnd);
    }

    @ParameterizedTest(name = "[{0}] {1}")
    @MethodSource("batchShapes")
    void sumOverBatch(BackendUnderTest target, Shape shape) {
        Backend be = backends.open(target, "sumOverBatch", shape);
        SplittableRandom rnd = SeededInputs.random("grad sumOverBatch " + shape);
        int[] dims = shape.dims();
        Shape outShape = Shape.of(Arrays.copyOfRange(dims, 1, dims.length));
        float[] x = uniform(rnd, (int) shape.size(), -2, 2);
        float[] r = uniform(rnd, (int) outShape.size(), -1, 1);
        // dL/dx[n, f] = r[f]: dy broadcast over the batch.
        float[] analytic = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            analytic[i] = r[i % r.length];
        }
        FiniteDifferences.assertGradient("sumOverBatch dL/dx [" + shape + "] on " + target, shape, x, analytic, xs -> {
            try (TensorScope _ = TensorScope.open()) {
                Tensor out = be.zeros(outShape);
                be.sumOverBatch(be.fromHost(shape, xs), out);
                return FiniteDifferences.dot(r, out.toFloatArray());
            }
        }, Steps.LINEAR.h(), Steps.LINEAR.tol(), Steps.LINEAR.why(), rnd);
    }

    @ParameterizedTest(name = "[{0}] {1}")
    @MethodSource("biasShapes")
    void dropout(BackendUnderTest target, Shape shape) {
        Backend be = backends.open(target, "dropoutForward dx = multiply(dy, mask)", shape);
        SplittableRandom rnd = SeededInputs.random("grad dropout " + shape);
        DropoutSpec spec = new DropoutSpec(0.3f, 99);
        float[] x = uniform(rnd, (int) shape.size(), -2, 2);
        float[] r = uniform(rnd, x.length, -1, 1);
        Tensor mask = be.zeros(shape);
        be.dropoutForward(be.fromHost(shape, x), spec, be.zeros(shape), mask);
        Tensor dx = be.zeros(shape);
        be.multiply(be.fromHost(shape, r), mask, dx);
        FiniteDifferences.assertGradient("dropout dL/dx [" + shape + "] on " + target, shape, x, dx.toFloatArray(), xs -> {
            try (TensorScope _ = TensorScope.open()) {
                Tensor y = be.zeros(shape);
                be.dropoutForward(be.fromHost(shape, xs), spec, y, be.zeros(shape));
                return FiniteDifferences.dot(r, y.toFloatArray());
            }
        }, Steps.LINEAR.h(), Steps.LINEAR.tol(), Steps.LINEAR.why(), rnd);
    }
}
