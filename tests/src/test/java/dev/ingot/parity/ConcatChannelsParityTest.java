package dev.ingot.parity;

import dev.ingot.core.Backend;
import dev.ingot.core.Shape;
import dev.ingot.core.Tensor;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static dev.ingot.parity.SeededInputs.uniform;

/**
 * Channel concatenation and its backward split on every backend against the reference: one input,
 * two, three of unequal widths, rank 2 (dense activations) and rank 4, and a backward pass with one
 * gradient not wanted (null). Pure copies: exact.
 */
class ConcatChannelsParityTest {

    @RegisterExtension
    static final ParityBackends backends = new ParityBackends(ParityLedger.Suite.PARITY);

    /** {@code skip}: the input whose gradient is null in the backward pass, or -1. */
    record ConcatCase(int batch, int[] channels, int[] spatial, int skip) {
        Shape input(int i) {
            return shape(channels[i]);
        }

        Shape output() {
            return shape(Arrays.stream(channels).sum());
        }

        private Shape shape(int c) {
            int[] dims = new int[2 + spatial.length];
            dims[0] = batch;
            dims[1] = c;
            System.arraycopy(spatial, 0, dims, 2, spatial.length);
            return Shape.of(dims);
        }

        @Override
        public String toString() {
            return "N=" + batch + " C=" + Arrays.toString(channels) + " spatial " + Arrays.toString(spatial)
                    + (skip >= 0 ? " no gradient for " + skip : "");
        }
    }

    static Stream<Arguments> cases() {
        List<ConcatCase> cases = new ArrayList<>();
        cases.add(new ConcatCase(2, new int[] {3}, new int[] {4, 5}, -1));
        cases.add(new ConcatCase(3, new int[] {2, 5}, new int[] {3, 3}, -1));
        cases.add(new ConcatCase(3, new int[] {2, 1, 4}, new int[] {1, 17}, 1));
        cases.add(new ConcatCase(4, new int[] {7, 9}, new int[] {}, 0));
        cases.add(new ConcatCase(8, new int[] {16, 32}, new int[] {16, 16}, -1));
        return ParityCases.onEveryProvider(cases);
    }

    @ParameterizedTest(name = "[{0}] {1}")
    @MethodSource("cases")
    void concatChannels(BackendUnderTest target, ConcatCase c) {
        Backend backend = backends.open(target, "concatChannels", c);
        Backend reference = backends.reference();
        SplittableRandom rnd = SeededInputs.random("concatChannels " + c);
        float[][] inputs = new float[c.channels().length][];
        for (int i = 0; i < inputs.length; i++) {
            inputs[i] = uniform(rnd, (int) c.input(i).size(), -2, 2);
        }
        ParityAssertions.assertBitsEqual("concatChannels 'y' [" + c + "] on " + target, c.output(),
                forward(backend, c, inputs), forward(reference, c, inputs));
    }

    private static float[] forward(Backend be, ConcatCase c, float[][] values) {
        List<Tensor> inputs = new ArrayList<>();
        for (int i = 0; i < values.length; i++) {
            inputs.add(be.fromHost(c.input(i), values[i]));
        }
        Tensor y = be.zeros(c.output());
        be.fill(y, Float.NaN);
        be.concatChannels(inputs, y);
        return y.toFloatArray();
    }

    @ParameterizedTest(name = "[{0}] {1}")
    @MethodSource("cases")
    void concatChannelsBackward(BackendUnderTest target, ConcatCase c) {
        Backend backend = backends.open(target, "concatChannelsBackward", c);
        Backend reference = backends.reference();
        float[] dy = uniform(SeededInputs.random("concatChannelsBackward " + c), (int) c.output().size(), -2, 2);
        float[][] want = backward(reference, c, dy);
        float[][] got = backward(backend, c, dy);
        for (int i = 0; i < want.length; i++) {
            if (i != c.skip()) {
                ParityAssertions.assertBitsEqual("concatChannelsBackward 'dInputs[" + i + "]' [" + c + "] on " + target,
                        c.input(i), got[i], want[i]);
            }
        }
    }

    private static float[][] backward(Backend be, ConcatCase c, float[] dyValues) {
        List<Tensor> grads = new ArrayList<>();
        for (int i = 0; i < c.channels().length; i++) {
            Tensor g = null;
            if (i != c.skip()) {
                g = be.zeros(c.input(i));
                be.fill(g, Float.NaN);
            }
            grads.add(g);
        }
        be.concatChannelsBackward(be.fromHost(c.output(), dyValues), grads);
        float[][] out = new float[grads.size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = grads.get(i) == null ? null : grads.get(i).toFloatArray();
        }
        return out;
    }
}
