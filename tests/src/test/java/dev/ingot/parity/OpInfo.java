package dev.ingot.parity;

import dev.ingot.core.Backend;
import dev.ingot.core.Shape;
import dev.ingot.core.TensorScope;
import dev.ingot.testkit.FiniteDifferences.Steps;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * One kernel, described once (in the spirit of PyTorch's {@code OpInfo}): how to call it on any
 * {@link Backend}, its sample inputs over shape cases (the reference models' layer shapes among
 * them), how its error is scaled and what tolerance applies with its reason, the bad inputs it must
 * reject with the message fragments they must name, and, for a backward kernel, the gradient
 * relation that ties it to its forward kernel. The generic suites ({@link OpParityTest},
 * {@link OpGradientCheckTest}, {@link OpBadInputTest}) run every record of {@link OpTable} on every
 * backend; the reference is the {@link dev.ingot.reference.ReferenceBackend}, called through the same
 * {@link #kernel} as the backend under test.
 *
 * @param name      the kernel's name, as in {@link Backend} (what the ledger and failures say)
 * @param samples   the shape cases; each one's {@code toString()} names it and seeds its inputs
 * @param inputs    draws a sample's inputs (seeded from the kernel and the case)
 * @param kernel    calls the kernel on a backend and reads its outputs back
 * @param scale     what each output element's error is relative to
 * @param check     the tolerance (or bit-for-bit rule) of each output
 * @param errors    bad inputs the kernel rejects
 * @param gradients gradient relations checked by central differences
 * @param <C>       the type of the shape cases
 */
public record OpInfo<C>(String name, Supplier<List<C>> samples, Inputs<C> inputs, Kernel<C> kernel, Scale<C> scale,
                        Check<C> check, List<ErrorInput> errors, List<Gradient<?>> gradients) {

    /** Draws the inputs of one case; may run the reference (e.g. a backward kernel's forward output). */
    @FunctionalInterface
    public interface Inputs<C> {
        Values draw(C c, SplittableRandom rnd, Backend reference);
    }

    /** Uploads the inputs, calls the kernel on {@code b}, and reads every output back. */
    @FunctionalInterface
    public interface Kernel<C> {
        Values run(Backend b, C c, Values in);
    }

    /** The error scale of each output element; {@code null} (or an output left out) for {@code |expected|}. */
    @FunctionalInterface
    public interface Scale<C> {
        Values of(Backend reference, C c, Values in, Kernel<C> kernel);

        /** Relative to the expected value itself (selections, single roundings). */
        static <C> Scale<C> expected() {
            return (ref, c, in, k) -> null;
        }

        /**
         * The same reference kernel run on the inputs' absolute values: {@code sum|terms|} of each
         * output element, which a sum's rounding error is proportional to (see {@link Tolerances}).
         */
        static <C> Scale<C> absoluteTerms() {
            return (ref, c, in, k) -> k.run(ref, c, in.abs());
        }
    }

    /** How one output is compared: within a {@link Tolerance}, or bit for bit. */
    public record Rule(Tolerance tolerance, boolean bitForBit) {
        public static Rule within(Tolerance t) {
            return new Rule(t, false);
        }

        /** Identical bit patterns (dropout masks, which every backend must make identically). */
        public static Rule bits() {
            return new Rule(null, true);
        }
    }

    /** The rule for output {@code output} of case {@code c} (int outputs are always compared exactly). */
    @FunctionalInterface
    public interface Check<C> {
        Rule of(C c, String output);
    }

    /** A call on a backend that must be rejected. */
    @FunctionalInterface
    public interface BadCall {
        void run(Backend b) throws Throwable;
    }

    /**
     * A bad input: the call must throw {@code type} before any work, with a message naming every
     * fragment (the op, the argument, the shapes).
     *
     * @param label what is wrong, e.g. {@code "gemm: inner dimensions differ"}
     * @param args  the arguments, e.g. {@code "a (2,3) b (4,5)"}
     */
    public record ErrorInput(String label, String args, Class<? extends RuntimeException> type, BadCall call,
                             List<String> fragments) {
        public static ErrorInput of(String label, String args, BadCall call, String... fragments) {
            return new ErrorInput(label, args, IllegalArgumentException.class, call, List.of(fragments));
        }

        /** Rejected with {@link IllegalStateException}: a closed tensor. */
        public static ErrorInput closed(String label, String args, BadCall call, String... fragments) {
            return new ErrorInput(label, args, IllegalStateException.class, call, List.of(fragments));
        }

        @Override
        public String toString() {
            return label + " [" + args + "]";
        }
    }

    /**
     * A backward kernel's gradient relation: with {@code L = sum(r * forward(in))} ({@code r} the
     * input called "r", or 1 when there is none: the forward output is then the scalar loss), the
     * {@code analytic} kernel's output must be {@code dL/d(wrt)}.
     *
     * @param name     what the ledger calls the check, e.g. {@code "conv2dBackwardData"}
     * @param cases    the (small) shapes it is checked on
     * @param inputs   draws the inputs, {@code r} among them
     * @param wrt      the input perturbed
     * @param forward  the forward kernel; its first output is the function differentiated
     * @param analytic the backward kernel; its first output is the gradient
     * @param steps    step and tolerance, with the reason
     */
    public record Gradient<G>(String name, List<G> cases, Inputs<G> inputs, String wrt, Kernel<G> forward,
                              Kernel<G> analytic, Function<G, Steps> steps) {

        /** The objective {@code L} at perturbed values {@code x} of {@code wrt}, on {@code b}. */
        double objective(Backend b, G g, Values in, float[] x) {
            try (TensorScope _ = TensorScope.open()) {
                float[] y = forward.run(b, g, in.with(wrt, x)).first().floats();
                if (!in.has("r")) {
                    double sum = 0;
                    for (float v : y) {
                        sum += v;
                    }
                    return sum;
                }
                return dev.ingot.testkit.FiniteDifferences.dot(in.f("r"), y);
            }
        }
    }

    public OpInfo {
        errors = List.copyOf(errors);
        gradients = List.copyOf(gradients);
    }

    /** A kernel with samples, inputs, a call and a rule; no scale beyond {@code |expected|}, no bad inputs, no gradient yet. */
    public static <C> OpInfo<C> of(String name, Supplier<List<C>> samples, Inputs<C> inputs, Kernel<C> kernel,
                                   Check<C> check) {
        return new OpInfo<>(name, samples, inputs, kernel, Scale.expected(), check, List.of(), List.of());
    }

    /** The same, with every output judged by {@code tolerance}. */
    public static <C> OpInfo<C> of(String name, Supplier<List<C>> samples, Inputs<C> inputs, Kernel<C> kernel,
                                   Function<C, Tolerance> tolerance) {
        return of(name, samples, inputs, kernel, (c, output) -> Rule.within(tolerance.apply(c)));
    }

    public OpInfo<C> scaledBy(Scale<C> s) {
        return new OpInfo<>(name, samples, inputs, kernel, s, check, errors, gradients);
    }

    public OpInfo<C> rejects(ErrorInput... more) {
        List<ErrorInput> all = new ArrayList<>(errors);
        all.addAll(List.of(more));
        return new OpInfo<>(name, samples, inputs, kernel, scale, check, all, gradients);
    }

    public OpInfo<C> gradient(Gradient<?> g) {
        List<Gradient<?>> all = new ArrayList<>(gradients);
        all.add(g);
        return new OpInfo<>(name, samples, inputs, kernel, scale, check, errors, all);
    }

    /** Runs one sample on {@code b} and on the reference and compares every output. */
    void checkParity(Backend b, Backend reference, String backendName, C c) {
        Values in = inputs.draw(c, SeededInputs.random(name + " " + c), reference);
        Values expected = kernel.run(reference, c, in);
        Values actual = kernel.run(b, c, in);
        Values magnitudes = scale.of(reference, c, in, kernel);
        for (String output : expected.names()) {
            String what = name + " '" + output + "' [" + c + "] on " + backendName;
            Shape shape = expected.shape(output);
            if (expected.get(output).ints() != null) {
                ParityAssertions.assertIntsEqual(what, shape, actual.i(output), expected.i(output));
                continue;
            }
            Rule rule = check.of(c, output);
            if (rule.bitForBit()) {
                ParityAssertions.assertBitsEqual(what, shape, actual.f(output), expected.f(output));
            } else {
                ParityAssertions.assertClose(what, shape, actual.f(output), expected.f(output),
                        magnitudes == null || !magnitudes.has(output) ? null : magnitudes.f(output), rule.tolerance());
            }
        }
    }

    @Override
    public String toString() {
        return name;
    }
}
