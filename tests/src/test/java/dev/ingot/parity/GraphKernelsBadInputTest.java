package dev.ingot.parity;

import dev.ingot.core.Backend;
import dev.ingot.core.Shape;
import dev.ingot.core.Tensor;
import dev.ingot.core.spec.BatchNormSpec;
import dev.ingot.core.spec.GeluApproximation;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Bad input to the graph module's kernels (batch norm, GELU, global average pooling, channel
 * concat) on the reference and every available backend: each is rejected before any work with an
 * {@link IllegalArgumentException} naming the op, the argument and the shapes.
 */
class GraphKernelsBadInputTest {

    @RegisterExtension
    static final ParityBackends backends = new ParityBackends(ParityLedger.Suite.BAD_INPUT);

    static Stream<BackendUnderTest> all() {
        return BackendUnderTest.referenceAndProviders().stream();
    }

    private static void assertRejects(Executable call, String... fragments) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call,
                "expected IllegalArgumentException naming " + Arrays.toString(fragments));
        String message = String.valueOf(e.getMessage());
        for (String f : fragments) {
            if (!message.contains(f)) {
                fail("the message should name '" + f + "' but was: " + message);
            }
        }
    }

    private static Tensor t(Backend be, int... dims) {
        return be.zeros(Shape.of(dims));
    }

    private static final BatchNormSpec SPEC = BatchNormSpec.DEFAULT;

    @ParameterizedTest(name = "[{0}]")
    @MethodSource("all")
    void batchNormTrainingRejectsWrongGammaRankAliasAndTooFewValues(BackendUnderTest target) {
        Backend be = backends.open(target, "batchNorm2dForwardTraining: bad gamma, x of rank 3, y = x, N*H*W = 1",
                "x (2,3,4,4)");
        Tensor x = t(be, 2, 3, 4, 4), y = t(be, 2, 3, 4, 4);
        assertRejects(() -> be.batchNorm2dForwardTraining(x, t(be, 4), t(be, 3), SPEC, t(be, 3), t(be, 3), y,
                t(be, 3), t(be, 3)), "batchNorm2dForwardTraining", "'gamma'", "[4]", "expected [3]");
        assertRejects(() -> be.batchNorm2dForwardTraining(t(be, 3, 4, 4), t(be, 3), t(be, 3), SPEC, t(be, 3),
                t(be, 3), t(be, 3, 4, 4), t(be, 3), t(be, 3)), "batchNorm2dForwardTraining", "'x'", "rank 4",
                "[3, 4, 4]");
        assertRejects(() -> be.batchNorm2dForwardTraining(x, t(be, 3), t(be, 3), SPEC, t(be, 3), t(be, 3), x,
                t(be, 3), t(be, 3)), "batchNorm2dForwardTraining", "'y'", "'x'", "shares memory");
        assertRejects(() -> be.batchNorm2dForwardTraining(t(be, 1, 3, 1, 1), t(be, 3), t(be, 3), SPEC, t(be, 3),
                t(be, 3), t(be, 1, 3, 1, 1), t(be, 3), t(be, 3)), "batchNorm2dForwardTraining", "[1, 3, 1, 1]",
                "at least 2 values per channel");
        Tensor rm = t(be, 3);
        assertRejects(() -> be.batchNorm2dForwardTraining(x, t(be, 3), t(be, 3), SPEC, rm, rm, y, t(be, 3),
                t(be, 3)), "batchNorm2dForwardTraining", "'runningVar'", "'runningMean'", "shares memory");
        assertRejects(() -> be.batchNorm2dForwardTraining(x, t(be, 3), t(be, 3), null, t(be, 3), t(be, 3), y,
                t(be, 3), t(be, 3)), "batchNorm2dForwardTraining", "spec");
    }

    @ParameterizedTest(name = "[{0}]")
    @MethodSource("all")
    void batchNormInferenceRejectsWrongRunningVarAndOutputShape(BackendUnderTest target) {
        Backend be = backends.open(target, "batchNorm2dForwardInference: bad runningVar, bad y", "x (2,3,4,4)");
        Tensor x = t(be, 2, 3, 4, 4);
        assertRejects(() -> be.batchNorm2dForwardInference(x, t(be, 3), t(be, 3), t(be, 3), t(be, 3, 1), SPEC,
                t(be, 2, 3, 4, 4)), "batchNorm2dForwardInference", "'runningVar'", "[3, 1]", "expected [3]");
        assertRejects(() -> be.batchNorm2dForwardInference(x, t(be, 3), t(be, 3), t(be, 3), t(be, 3), SPEC,
                t(be, 2, 3, 4, 5)), "batchNorm2dForwardInference", "'y'", "[2, 3, 4, 5]", "expected [2, 3, 4, 4]");
    }

    @ParameterizedTest(name = "[{0}]")
    @MethodSource("all")
    void batchNormBackwardRejectsWrongDyAndAliasedGradients(BackendUnderTest target) {
        Backend be = backends.open(target, "batchNorm2dBackward: bad dy, dx = dy, dgamma = dbeta", "x (2,3,4,4)");
        Tensor x = t(be, 2, 3, 4, 4), dy = t(be, 2, 3, 4, 4);
        assertRejects(() -> be.batchNorm2dBackward(x, t(be, 2, 3, 4, 5), t(be, 3), t(be, 3), t(be, 3),
                t(be, 2, 3, 4, 4), t(be, 3), t(be, 3)), "batchNorm2dBackward", "'dy'", "[2, 3, 4, 5]",
                "expected [2, 3, 4, 4]");
        assertRejects(() -> be.batchNorm2dBackward(x, dy, t(be, 3), t(be, 3), t(be, 3), dy, t(be, 3), t(be, 3)),
                "batchNorm2dBackward", "'dx'", "'dy'", "shares memory");
        Tensor dg = t(be, 3);
        assertRejects(() -> be.batchNorm2dBackward(x, dy, t(be, 3), t(be, 3), t(be, 3), null, dg, dg),
                "batchNorm2dBackward", "'dbeta'", "'dgamma'", "shares memory");
        assertRejects(() -> be.batchNorm2dBackward(x, dy, t(be, 3), t(be, 2), t(be, 3), null, t(be, 3), t(be, 3)),
                "batchNorm2dBackward", "'saveMean'", "[2]", "expected [3]");
    }

    @ParameterizedTest(name = "[{0}]")
    @MethodSource("all")
    void geluRejectsMissingFormAndShapeMismatch(BackendUnderTest target) {
        Backend be = backends.open(target, "gelu: null approximation, shapes differ", "x (3,5)");
        assertRejects(() -> be.geluForward(t(be, 3, 5), null, t(be, 3, 5)), "geluForward", "approximation");
        assertRejects(() -> be.geluForward(t(be, 3, 5), GeluApproximation.NONE, t(be, 5, 3)), "geluForward", "'y'",
                "[5, 3]", "expected [3, 5]");
        assertRejects(() -> be.geluBackward(t(be, 3, 5), t(be, 3, 4), GeluApproximation.TANH, t(be, 3, 5)),
                "geluBackward", "'dy'", "[3, 4]", "expected [3, 5]");
    }

    @ParameterizedTest(name = "[{0}]")
    @MethodSource("all")
    void globalAvgPoolRejectsWrongRankAndOutputShape(BackendUnderTest target) {
        Backend be = backends.open(target, "globalAvgPool2d: x rank 3, y (N,C,1,1), dx aliasing", "x (2,3,4,4)");
        assertRejects(() -> be.globalAvgPool2dForward(t(be, 3, 4, 4), t(be, 3, 4)), "globalAvgPool2dForward", "'x'",
                "rank 4", "[3, 4, 4]");
        assertRejects(() -> be.globalAvgPool2dForward(t(be, 2, 3, 4, 4), t(be, 2, 3, 1, 1)), "globalAvgPool2dForward",
                "'y'", "[2, 3, 1, 1]", "expected [2, 3]");
        assertRejects(() -> be.globalAvgPool2dBackward(t(be, 2, 4), t(be, 2, 3, 4, 4)), "globalAvgPool2dBackward",
                "'dy'", "[2, 4]", "expected [2, 3]");
    }

    @ParameterizedTest(name = "[{0}]")
    @MethodSource("all")
    void concatRejectsEmptyListMismatchedInputsAndWrongOutput(BackendUnderTest target) {
        Backend be = backends.open(target, "concatChannels: empty, spatial mismatch, channel sum, aliasing",
                "inputs (2,3,4,4), (2,5,4,4)");
        Tensor a = t(be, 2, 3, 4, 4), b = t(be, 2, 5, 4, 4);
        assertRejects(() -> be.concatChannels(List.of(), t(be, 2, 8, 4, 4)), "concatChannels", "'inputs'",
                "at least one");
        assertRejects(() -> be.concatChannels(List.of(a, t(be, 2, 5, 4, 3)), t(be, 2, 8, 4, 4)), "concatChannels",
                "'inputs[1]'", "[2, 5, 4, 3]", "expected [2, 5, 4, 4]");
        assertRejects(() -> be.concatChannels(List.of(a, b), t(be, 2, 9, 4, 4)), "concatChannels", "'y'",
                "[2, 9, 4, 4]", "expected 8 channels");
        assertRejects(() -> be.concatChannels(Arrays.asList(a, null), t(be, 2, 8, 4, 4)), "concatChannels",
                "'inputs[1]'", "null");
        Tensor y = t(be, 2, 8, 4, 4);
        assertRejects(() -> be.concatChannelsBackward(y, Arrays.asList(null, null)), "concatChannelsBackward",
                "at most one entry may be null");
        assertRejects(() -> be.concatChannelsBackward(y, List.of(a, t(be, 2, 4, 4, 4))), "concatChannelsBackward",
                "'dy'", "[2, 8, 4, 4]", "expected 7 channels");
        assertRejects(() -> be.concatChannelsBackward(y, List.of(a, a)), "concatChannelsBackward",
                "'dInputs[1]'", "'dInputs[0]'", "shares memory");
    }
}
