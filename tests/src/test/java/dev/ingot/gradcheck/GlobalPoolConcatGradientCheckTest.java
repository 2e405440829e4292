package dev.ingot.gradcheck;

import dev.ingot.core.Backend;
import dev.ingot.core.Shape;
import dev.ingot.core.Tensor;
import dev.ingot.core.TensorScope;
import dev.ingot.parity.BackendUnderTest;
import dev.ingot.parity.ParityBackends;
import dev.ingot.parity.ParityCases;
import dev.ingot.parity.ParityLedger;
import dev.ingot.parity.SeededInputs;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static dev.ingot.parity.SeededInputs.uniform;

/**
 * Global average pooling's and channel concatenation's backward passes against central
 * differences of their forward passes ({@code L = sum(r * y)}), on the reference and every
 * available backend. Both are linear: {@link Steps#LINEAR}.
 */
class GlobalPoolConcatGradientCheckTest {

    @RegisterExtension
    static final ParityBackends backends = new ParityBackends(ParityLedger.Suite.GRADCHECK);

    static Stream<Arguments> poolShapes() {
        return ParityCases.onReferenceAndEveryProvider(List.of(Shape.of(2, 3, 1, 1), Shape.of(2, 3, 4, 5)));
    }

    @ParameterizedTest(name = "[{0}] {1}")
    @MethodSource("poolShapes")
    void globalAvgPool2dBackward(BackendUnderTest target, Shape shape) {
        Backend be = backends.open(target, "globalAvgPool2dBackward", shape);
        SplittableRandom rnd = SeededInputs.random("grad globalAvgPool2dBackward " + shape);
        Shape out = Shape.of(shape.dim(0), shape.dim(1));
        float[] x = uniform(rnd, (int) shape.size(), -2, 2);
        float[] r = uniform(rnd, (int) out.size(), -1, 1);
        Tensor dx = be.zeros(shape);
        be.globalAvgPool2dBackward(be.fromHost(out, r), dx);
        FiniteDifferences.assertGradient("globalAvgPool2dBackward dL/dx [" + shape + "] on " + target, shape, x,
                dx.toFloatArray(), xs -> {
                    try (TensorScope _ = TensorScope.open()) {
                        Tensor y = be.zeros(out);
                        be.globalAvgPool2dForward(be.fromHost(shape, xs), y);
                        return FiniteDifferences.dot(r, y.toFloatArray());
                    }
                }, Steps.LINEAR.h(), Steps.LINEAR.tol(), Steps.LINEAR.why(), rnd);
    }

    /** Channel counts of the concatenated inputs; every input's gradient is checked. */
    static Stream<Arguments> concatCases() {
        return ParityCases.onReferenceAndEveryProvider(List.of(List.of(2, 3), List.of(1, 4, 2)));
    }

    @ParameterizedTest(name = "[{0}] C={1}")
    @MethodSource("concatCases")
    void concatChannelsBackward(BackendUnderTest target, List<Integer> channels) {
        Backend be = backends.open(target, "concatChannelsBackward", channels);
        SplittableRandom rnd = SeededInputs.random("grad concatChannelsBackward " + channels);
        int batch = 2, h = 3, w = 2, total = channels.stream().mapToInt(Integer::intValue).sum();
        Shape out = Shape.of(batch, total, h, w);
        List<Shape> shapes = new ArrayList<>();
        List<float[]> xs = new ArrayList<>();
        for (int c : channels) {
            Shape s = Shape.of(batch, c, h, w);
            shapes.add(s);
            xs.add(uniform(rnd, (int) s.size(), -2, 2));
        }
        float[] r = uniform(rnd, (int) out.size(), -1, 1);
        List<Tensor> grads = new ArrayList<>();
        for (Shape s : shapes) {
            grads.add(be.zeros(s));
        }
        be.concatChannelsBackward(be.fromHost(out, r), grads);
        for (int i = 0; i < shapes.size(); i++) {
            int which = i;
            FiniteDifferences.assertGradient("concatChannelsBackward dL/dinputs[" + i + "] C=" + channels + " on "
                    + target, shapes.get(i), xs.get(i), grads.get(i).toFloatArray(), xi -> {
                        try (TensorScope _ = TensorScope.open()) {
                            List<Tensor> inputs = new ArrayList<>();
                            for (int k = 0; k < shapes.size(); k++) {
                                inputs.add(be.fromHost(shapes.get(k), k == which ? xi : xs.get(k)));
                            }
                            Tensor y = be.zeros(out);
                            be.concatChannels(inputs, y);
                            return FiniteDifferences.dot(r, y.toFloatArray());
                        }
                    }, Steps.LINEAR.h(), Steps.LINEAR.tol(), Steps.LINEAR.why(), rnd);
        }
    }
}
