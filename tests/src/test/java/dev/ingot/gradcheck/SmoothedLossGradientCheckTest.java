package dev.ingot.gradcheck;

import dev.ingot.core.Backend;
import dev.ingot.core.Shape;
import dev.ingot.core.Tensor;
import dev.ingot.core.TensorScope;
import dev.ingot.core.spec.CrossEntropySpec;
import dev.ingot.parity.BackendUnderTest;
import dev.ingot.parity.ParityBackends;
import dev.ingot.parity.ParityCases;
import dev.ingot.parity.ParityLedger;
import dev.ingot.parity.SeededInputs;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static dev.ingot.parity.SeededInputs.labels;
import static dev.ingot.parity.SeededInputs.uniform;

/**
 * The gradient of softmax cross-entropy with label smoothing and class weights against central
 * differences of its loss, on the reference and every available backend.
 */
class SmoothedLossGradientCheckTest {

    @RegisterExtension
    static final ParityBackends backends = new ParityBackends(ParityLedger.Suite.GRADCHECK);

    static Stream<Arguments> shapes() {
        return ParityCases.onReferenceAndEveryProvider(List.of(Shape.of(4, 10), Shape.of(3, 7), Shape.of(2, 33)));
    }

    @ParameterizedTest(name = "[{0}] {1}")
    @MethodSource("shapes")
    void smoothedWeightedCrossEntropy(BackendUnderTest target, Shape shape) {
        Backend be = backends.open(target, "softmaxCrossEntropy", shape);
        SplittableRandom rnd = SeededInputs.random("grad smoothed softmaxCrossEntropy " + shape);
        float[] x = uniform(rnd, (int) shape.size(), -2, 2);
        Shape labelShape = Shape.of(shape.dim(0));
        int[] labels = labels(rnd, shape.dim(0), shape.dim(1));
        float[] w = new float[shape.dim(1)];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) rnd.nextDouble(0.2, 2);
        }
        CrossEntropySpec spec = new CrossEntropySpec(0.2f, w);
        Tensor grad = be.zeros(shape);
        be.softmaxCrossEntropy(be.fromHost(shape, x), be.fromHost(labelShape, labels), spec, be.zeros(Shape.scalar()),
                grad);
        FiniteDifferences.assertGradient("softmaxCrossEntropy(smoothed, weighted) dLoss/dlogits [" + shape + "] on "
                        + target, shape, x, grad.toFloatArray(), xs -> {
                    try (TensorScope _ = TensorScope.open()) {
                        Tensor loss = be.zeros(Shape.scalar());
                        be.softmaxCrossEntropy(be.fromHost(shape, xs), be.fromHost(labelShape, labels), spec, loss,
                                null);
                        return loss.item();
                    }
                }, Steps.SMOOTH.h(), Steps.SMOOTH.tol(), Steps.SMOOTH.why(), rnd);
    }
}
