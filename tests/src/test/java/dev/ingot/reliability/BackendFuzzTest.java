package dev.ingot.reliability;

import dev.ingot.core.Backend;
import dev.ingot.core.DType;
import dev.ingot.core.Shape;
import dev.ingot.core.Tensor;
import dev.ingot.core.spec.AdamSpec;
import dev.ingot.core.spec.Conv2dSpec;
import dev.ingot.core.spec.DropoutSpec;
import dev.ingot.core.spec.Pool2dSpec;
import dev.ingot.core.spec.SgdSpec;
import dev.ingot.reference.ReferenceBackend;
import org.instancio.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

import static dev.ingot.reliability.FuzzRandom.anyLong;
import static dev.ingot.reliability.FuzzRandom.below;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A property-based fuzzer over the public {@link Backend} API with a fixed seed. Each try is a
 * program of {@value #CALLS_PER_TRY} calls drawn from a seed (the seeds from one master seed, so a
 * failure names the seed that replays it: {@code -Dingot.fuzz.seed=S}): every kernel, with arguments that
 * are right about half of the time and otherwise carry one mistake (a wrong shape, dtype or rank,
 * null, a closed tensor, an output aliasing an input or a view of it, another backend's tensor, a
 * spec value at or past its limits, a label out of range), over values that include NaN, the
 * infinities, -0 and float extremes. The same program runs on the reference and on every backend
 * here, and every call's outcome is classified:
 * <ul>
 *   <li><b>accepted</b>: it returned. The backend must have accepted it too, with the same outputs
 *       (float rounding aside; non-finite where the reference is non-finite);</li>
 *   <li><b>typed rejection</b>: an {@link IllegalArgumentException} or {@link IllegalStateException}
 *       whose message names the op (or, for a spec, the spec's kind). The backend must reject it
 *       with the same exception class, and must not have changed any tensor;</li>
 *   <li>anything else (NullPointerException, ArrayIndexOutOfBounds, Arithmetic, NegativeArraySize,
 *       an Error, a mismatch between backends, a leaked tensor) fails the run.</li>
 * </ul>
 * CI runs 2,600 tries (at least 20,000 calls per backend, checked); {@code -Dingot.fuzz.tries=50000}
 * (about 400,000 calls) for release checks.
 *
 * <p>Every draw goes through Instancio's seeded random ({@link FuzzRandom}); the issue suggested
 * jqwik, whose maintainer asks AI agents not to use it, and this fuzzer is written by one
 * (docs/decisions.md says why Instancio and not the others).
 */
class BackendFuzzTest {
    static final int CALLS_PER_TRY = 8;
    private static final Map<String, Long> OUTCOMES = new TreeMap<>();
    private static final Map<String, Long> BY_OP = new TreeMap<>();
    private static long calls;
    private static List<Backend> backends;
    private static ReferenceBackend reference;

    enum Kind { ACCEPTED, REJECTED }

    /** One call's outcome on one backend. */
    record Outcome(String op, Kind kind, Class<?> exception, String message, List<float[]> outputs, boolean loose) {
    }

    private static final long MASTER_SEED = 19;
    private static final int TRIES = Integer.getInteger("ingot.fuzz.tries", 2600);

    @BeforeAll
    static void open() {
        reference = new ReferenceBackend();
        backends = new ArrayList<>();
        for (String name : ReliabilityBackends.available()) {
            backends.add(ReliabilityBackends.open(name));
        }
        OUTCOMES.clear();
        BY_OP.clear();
        calls = 0;
    }

    @AfterAll
    static void report() {
        System.out.println("backend fuzz: " + calls + " calls per backend on [reference"
                + backends.stream().map(b -> ", " + b.name()).reduce("", String::concat) + "], outcomes " + OUTCOMES
                + "; per op " + BY_OP);
        backends.forEach(Backend::close);
        reference.close();
        if (Long.getLong("ingot.fuzz.seed") == null) {
            assertTrue(calls >= (long) TRIES * CALLS_PER_TRY - 1000, "about 8 calls per try: " + calls);
            assertTrue(TRIES < 2600 || calls >= 20_000, "a CI run makes at least 20,000 calls: " + calls);
        }
    }

    @Test
    void everyCallIsAcceptedOrATypedRejection() {
        Long only = Long.getLong("ingot.fuzz.seed");
        if (only != null) {
            oneTry(only);
            return;
        }
        // The defect a 400k-call run of the earlier (SplittableRandom) generator found, the CPU's
        // wide backward-data layout with non-finite weights, is held by NonFiniteParityTest.
        Random seeds = FuzzRandom.seeded(MASTER_SEED);
        for (int i = 0; i < TRIES; i++) {
            oneTry(anyLong(seeds));
        }
    }

    private static void oneTry(long seed) {
        List<Outcome> expected = new Program(seed, reference, backends.isEmpty() ? reference : backends.get(0)).run();
        calls += expected.size();
        for (Outcome o : expected) {
            OUTCOMES.merge(o.kind().name().toLowerCase(), 1L, Long::sum);
            BY_OP.merge(o.op() + ":" + (o.kind() == Kind.ACCEPTED ? "ok" : "rejected"), 1L, Long::sum);
        }
        for (Backend b : backends) {
            List<Outcome> actual = new Program(seed, b, reference).run();
            assertEquals(expected.size(), actual.size());
            for (int i = 0; i < expected.size(); i++) {
                Outcome e = expected.get(i), a = actual.get(i);
                String where = "seed " + seed + ", call " + i + " (" + e.op() + ") on " + b.name();
                assertEquals(e.kind(), a.kind(), where + ": the reference " + describe(e) + ", the backend " + describe(a));
                if (e.kind() == Kind.REJECTED) {
                    assertEquals(e.exception(), a.exception(), where + ": " + a.message());
                } else if (!e.loose()) {
                    for (int j = 0; j < e.outputs().size(); j++) {
                        sameValues(where + ", output " + j, e.outputs().get(j), a.outputs().get(j));
                    }
                }
            }
        }
    }

    private static String describe(Outcome o) {
        return o.kind() == Kind.ACCEPTED ? "accepted it" : "rejected it: " + o.message();
    }

    private static void sameValues(String where, float[] e, float[] a) {
        for (int i = 0; i < e.length; i++) {
            // Where the reference is not finite only non-finiteness is promised: past float32's
            // range the order of an accumulation decides between +-Inf and NaN (docs/reliability.md).
            boolean ok = !Float.isFinite(e[i]) ? !Float.isFinite(a[i])
                    : Float.isFinite(a[i]) && Math.abs(a[i] - e[i]) <= 2e-3 * Math.max(1, Math.abs(e[i]));
            if (!ok) {
                fail(where + ": element " + i + " is " + a[i] + ", the reference says " + e[i]);
            }
        }
    }

    /**
     * The calls one seed draws, on one backend ({@code foreign} supplies another backend's tensor
     * for the "wrong backend" mistake). Drawing depends only on the seed, so every backend runs
     * the same program.
     */
    static final class Program {
        private final Random r;
        private final Backend b;
        private final Backend foreign;
        private final List<Tensor> made = new ArrayList<>();
        private final List<Outcome> outcomes = new ArrayList<>();
        /**
         * Set for a call whose scalars are extreme (an Adam epsilon of 1e-45, a learning rate of
         * 3e38): float32 and the reference's double then legitimately differ by more than rounding,
         * so only the outcome class is compared, not the values.
         */
        private boolean loose;

        Program(long seed, Backend b, Backend foreign) {
            this.r = FuzzRandom.seeded(seed);
            this.b = b;
            this.foreign = foreign;
        }

        List<Outcome> run() {
            long before = b.bytesInUse();
            try {
                for (int i = 0; i < CALLS_PER_TRY; i++) {
                    oneCall();
                }
            } finally {
                made.forEach(Tensor::close);
            }
            assertEquals(before, b.bytesInUse(), "tensor memory leaked on " + b.name());
            return outcomes;
        }

        // ------------------------------------------------------------ values and tensors

        private float value() {
            int k = below(r, 100);
            return switch (k) {
                case 0 -> Float.NaN;
                case 1 -> Float.POSITIVE_INFINITY;
                case 2 -> Float.NEGATIVE_INFINITY;
                case 3 -> -0f;
                case 4 -> {
                    loose = true; // sums of several MAX_VALUEs overflow float32 but not the reference's double
                    yield Float.MAX_VALUE;
                }
                case 5 -> Float.MIN_VALUE;
                default -> (float) r.doubleRange(-2, 2);
            };
        }

        /** A scalar parameter: usually ordinary, sometimes extreme. */
        private float scalar() {
            if (below(r, 10) == 0) {
                float v = value();
                loose |= Math.abs(v) > 1e30f;
                return v;
            }
            return (float) r.doubleRange(-2, 2);
        }

        private int dim() {
            return 1 + below(r, 5);
        }

        private Tensor floats(Shape s) {
            float[] v = new float[(int) s.size()];
            boolean specials = below(r, 4) == 0;
            for (int i = 0; i < v.length; i++) {
                v[i] = specials ? value() : (float) r.doubleRange(-2, 2);
            }
            return keep(b.fromHost(s, v));
        }

        private Tensor ints(Shape s, int bound) {
            int[] v = new int[(int) s.size()];
            for (int i = 0; i < v.length; i++) {
                v[i] = below(r, bound);
            }
            return keep(b.fromHost(s, v));
        }

        private Tensor keep(Tensor t) {
            made.add(t);
            return t;
        }

        private Shape randomShape() {
            int[] d = new int[below(r, 5)];
            for (int i = 0; i < d.length; i++) {
                d[i] = dim();
            }
            return Shape.of(d);
        }

        /**
         * With probability 1/2, replaces one of {@code args} with a mistake. Returns the arguments
         * to pass (index {@code outputs} and later are outputs, which may also be aliased).
         */
        private Tensor[] maybeBreak(Tensor[] args) {
            if (r.trueOrFalse() || args.length == 0) {
                return args;
            }
            Tensor[] out = args.clone();
            int i = below(r, args.length);
            Tensor t = out[i];
            Shape s = t == null ? Shape.of(2) : t.shape();
            switch (below(r, 7)) {
                case 0 -> out[i] = null;
                case 1 -> {
                    Tensor closed = b.fromHost(s, new float[(int) s.size()]);
                    closed.close();
                    out[i] = closed;
                }
                case 2 -> out[i] = t != null && t.dtype() == DType.INT32 ? floats(s) : ints(s, 3);
                case 3 -> out[i] = floats(randomShape());
                case 4 -> {
                    // an alias: another argument, or a view of it
                    Tensor other = out[(i + 1 + below(r, Math.max(1, args.length - 1))) % args.length];
                    out[i] = other == null ? null : r.trueOrFalse() ? other : other.view(other.shape());
                }
                case 5 -> {
                    Tensor f = foreign.fromHost(s, new float[(int) s.size()]);
                    made.add(f);
                    out[i] = f;
                }
                default -> out[i] = floats(Shape.of(s.size() > 1 ? (int) s.size() : 2)); // right size, wrong rank
            }
            return out;
        }

        // ------------------------------------------------------------ calls

        @FunctionalInterface
        interface Call {
            void run(Tensor[] t);
        }

        /** Runs {@code call} on {@code args} (maybe broken), classifying it; outputs from index {@code firstOut}. */
        private void call(String op, Tensor[] args, int firstOut, Call call) {
            Tensor[] t = maybeBreak(args);
            callExactly(op, t, firstOut, call);
        }

        private void callExactly(String op, Tensor[] t, int firstOut, Call call) {
            List<float[]> before = snapshot(t, 0);
            try {
                call.run(t);
                outcomes.add(new Outcome(op, Kind.ACCEPTED, null, null, snapshot(t, firstOut), loose));
                loose = false;
            } catch (IllegalArgumentException | IllegalStateException e) {
                String m = String.valueOf(e.getMessage());
                if (!m.contains(op)) {
                    throw new AssertionError(op + " on " + b.name() + ": a rejection that does not name the op: " + m, e);
                }
                List<float[]> after = snapshot(t, 0);
                for (int i = 0; i < before.size(); i++) {
                    if (!Arrays.equals(before.get(i), after.get(i))) {
                        throw new AssertionError(op + " on " + b.name() + ": rejected (" + m + ") but changed argument "
                                + i, e);
                    }
                }
                outcomes.add(new Outcome(op, Kind.REJECTED, e.getClass(), m, List.of(), false));
                loose = false;
            } catch (RuntimeException | Error e) {
                throw new AssertionError(op + " on " + b.name() + ": untyped failure " + e, e);
            }
        }

        private List<float[]> snapshot(Tensor[] t, int from) {
            List<float[]> out = new ArrayList<>();
            for (int i = from; i < t.length; i++) {
                Tensor x = t[i];
                if (x == null || x.isClosed() || x.backend() != b) {
                    out.add(new float[0]);
                } else if (x.dtype() == DType.INT32) {
                    out.add(toFloats(x.toIntArray()));
                } else {
                    out.add(x.toFloatArray());
                }
            }
            return out;
        }

        private static float[] toFloats(int[] v) {
            float[] f = new float[v.length];
            for (int i = 0; i < v.length; i++) {
                f[i] = v[i];
            }
            return f;
        }

        /** A spec built from drawn values; a spec the record refuses is itself a typed rejection. */
        private <S> S spec(String kind, Function<Random, S> make) {
            try {
                return make.apply(r);
            } catch (IllegalArgumentException e) {
                if (!e.getMessage().toLowerCase().contains(kind)) {
                    throw new AssertionError(kind + " spec: a rejection that does not name it: " + e.getMessage(), e);
                }
                outcomes.add(new Outcome(kind + "Spec", Kind.REJECTED, e.getClass(), e.getMessage(), List.of(), false));
                return null;
            }
        }

        private int edgy(int ordinary) {
            return switch (below(r, 12)) {
                case 0 -> 0;
                case 1 -> -1;
                case 2 -> Integer.MAX_VALUE;
                case 3 -> Integer.MIN_VALUE;
                case 4 -> 1 << 30;
                default -> ordinary;
            };
        }

        private Conv2dSpec convSpec() {
            boolean edge = below(r, 5) == 0;
            return spec("conv2d", q -> new Conv2dSpec(edge ? edgy(1) : 1 + below(q, 3), edge ? edgy(1) : 1 + below(q, 3),
                    edge ? edgy(0) : below(q, 3), below(q, 2), edge ? edgy(1) : 1 + below(q, 2), 1 + below(q, 2)));
        }

        private Pool2dSpec poolSpec() {
            boolean edge = below(r, 5) == 0;
            int k = 1 + below(r, 3);
            return spec("pool2d", q -> new Pool2dSpec(edge ? edgy(k) : k, k, edge ? edgy(k) : 1 + below(q, 3),
                    1 + below(q, 3), below(q, k / 2 + 1), edge ? edgy(0) : 0));
        }

        /** Output size of a convolution or pooling, or a wrong guess when the geometry is impossible. */
        private static int out(long in, long pad, long extent, long stride) {
            long o = (in + 2 * pad - extent) / stride + 1;
            return o >= 1 && o <= 64 ? (int) o : 1;
        }

        private void oneCall() {
            int n = dim(), c = dim(), h = dim() + 2, w = dim() + 2, k = dim();
            switch (below(r, 26)) {
                case 0 -> {
                    boolean ta = r.trueOrFalse(), tb = r.trueOrFalse();
                    int m = dim(), kk = dim(), nn = dim();
                    float alpha = below(r, 6) == 0 ? 0f : scalar(), beta = below(r, 3) == 0 ? 0f : scalar();
                    Tensor a = floats(ta ? Shape.of(kk, m) : Shape.of(m, kk));
                    Tensor bt = floats(tb ? Shape.of(nn, kk) : Shape.of(kk, nn));
                    call("gemm", new Tensor[] {a, bt, floats(Shape.of(m, nn))}, 2,
                            t -> b.gemm(ta, tb, alpha, t[0], t[1], beta, t[2]));
                }
                case 1, 2, 3 -> {
                    Conv2dSpec s = convSpec();
                    if (s == null) {
                        return;
                    }
                    int rr = dim() % 3 + 1, ss = dim() % 3 + 1;
                    int p = out(h, s.padH(), (long) s.dilationH() * (rr - 1) + 1, s.strideH());
                    int q = out(w, s.padW(), (long) s.dilationW() * (ss - 1) + 1, s.strideW());
                    Tensor x = floats(Shape.of(n, c, h, w)), wt = floats(Shape.of(k, c, rr, ss));
                    Tensor y = floats(Shape.of(n, k, p, q));
                    Conv2dSpec spec = below(r, 20) == 0 ? null : s;
                    int which = below(r, 3);
                    if (which == 0) {
                        Tensor bias = r.trueOrFalse() ? null : floats(Shape.of(k));
                        call("conv2dForward", new Tensor[] {x, wt, bias, y}, 3,
                                t -> b.conv2dForward(t[0], t[1], t[2], spec, t[3]));
                    } else if (which == 1) {
                        call("conv2dBackwardData", new Tensor[] {y, wt, x}, 2,
                                t -> b.conv2dBackwardData(t[0], t[1], spec, t[2]));
                    } else {
                        call("conv2dBackwardFilter", new Tensor[] {x, y, wt}, 2,
                                t -> b.conv2dBackwardFilter(t[0], t[1], spec, t[2]));
                    }
                }
                case 4 -> call("conv2dBackwardBias", new Tensor[] {floats(Shape.of(n, k, h, w)), floats(Shape.of(k))}, 1,
                        t -> b.conv2dBackwardBias(t[0], t[1]));
                case 5, 6, 7 -> {
                    Pool2dSpec s = poolSpec();
                    if (s == null) {
                        return;
                    }
                    int p = out(h, s.padH(), s.kernelH(), s.strideH());
                    int q = out(w, s.padW(), s.kernelW(), s.strideW());
                    Tensor x = floats(Shape.of(n, c, h, w)), y = floats(Shape.of(n, c, p, q));
                    Pool2dSpec spec = below(r, 20) == 0 ? null : s;
                    switch (below(r, 4)) {
                        case 0 -> call("maxPool2dForward", new Tensor[] {x, y}, 1, t -> b.maxPool2dForward(t[0], spec, t[1]));
                        case 1 -> call("avgPool2dForward", new Tensor[] {x, y}, 1, t -> b.avgPool2dForward(t[0], spec, t[1]));
                        case 2 -> call("avgPool2dBackward", new Tensor[] {y, x}, 1,
                                t -> b.avgPool2dBackward(t[0], spec, t[1]));
                        default -> {
                            Tensor yy = keep(b.zeros(y.shape()));
                            boolean forwardFirst = spec != null && below(r, 4) != 0;
                            if (forwardFirst) {
                                callExactly("maxPool2dForward", new Tensor[] {x, yy}, 1,
                                        t -> b.maxPool2dForward(t[0], spec, t[1]));
                            }
                            call("maxPool2dBackward", new Tensor[] {x, yy, floats(y.shape()), floats(x.shape())}, 3,
                                    t -> b.maxPool2dBackward(t[0], t[1], t[2], spec, t[3]));
                        }
                    }
                }
                case 8 -> {
                    Shape s = randomShape();
                    call("reluForward", new Tensor[] {floats(s), floats(s)}, 1, t -> b.reluForward(t[0], t[1]));
                }
                case 9 -> {
                    Shape s = randomShape();
                    call("reluBackward", new Tensor[] {floats(s), floats(s), floats(s)}, 2,
                            t -> b.reluBackward(t[0], t[1], t[2]));
                }
                case 10, 11 -> {
                    Shape s = Shape.of(n, c + 1);
                    switch (below(r, 4)) {
                        case 0 -> call("softmaxForward", new Tensor[] {floats(s), floats(s)}, 1,
                                t -> b.softmaxForward(t[0], t[1]));
                        case 1 -> call("softmaxBackward", new Tensor[] {floats(s), floats(s), floats(s)}, 2,
                                t -> b.softmaxBackward(t[0], t[1], t[2]));
                        case 2 -> call("logSoftmaxForward", new Tensor[] {floats(s), floats(s)}, 1,
                                t -> b.logSoftmaxForward(t[0], t[1]));
                        default -> call("logSoftmaxBackward", new Tensor[] {floats(s), floats(s), floats(s)}, 2,
                                t -> b.logSoftmaxBackward(t[0], t[1], t[2]));
                    }
                }
                case 12, 13 -> {
                    int classes = c + 1;
                    Tensor labels = ints(Shape.of(n), below(r, 8) == 0 ? classes + 2 : classes);
                    Tensor grad = below(r, 4) == 0 ? null : floats(Shape.of(n, classes));
                    call("softmaxCrossEntropy", new Tensor[] {floats(Shape.of(n, classes)), labels,
                            floats(r.trueOrFalse() ? Shape.scalar() : Shape.of(1)), grad}, 2,
                            t -> b.softmaxCrossEntropy(t[0], t[1], t[2], t[3]));
                }
                case 14, 15 -> {
                    Shape s = randomShape();
                    boolean edge = below(r, 6) == 0;
                    AdamSpec spec = spec("adam", q -> edge ? new AdamSpec(scalar(), scalar(), scalar(), scalar())
                            : AdamSpec.keras());
                    long step = below(r, 8) == 0 ? r.longRange(-2, 1) : 1 + below(r, 1000);
                    loose |= edge;
                    if (spec != null || below(r, 10) == 0) {
                        // v (the second moment) is non-negative in any real run; a negative v near
                        // -(1-b2)g^2 cancels to ~0 and makes the step ill-conditioned in float32.
                        Tensor v = floats(s);
                        float[] abs = v.toFloatArray();
                        for (int i = 0; i < abs.length; i++) {
                            abs[i] = Math.abs(abs[i]);
                        }
                        v.copyFrom(abs);
                        call("adamStep", new Tensor[] {floats(s), floats(s), floats(s), v}, 0,
                                t -> b.adamStep(t[0], t[1], t[2], t[3], spec, step));
                    }
                }
                case 16 -> {
                    Shape s = randomShape();
                    float momentum = r.trueOrFalse() ? 0f : (float) r.doubleRange(0, 1);
                    boolean nesterov = momentum > 0 && r.trueOrFalse();
                    boolean edge = below(r, 8) == 0;
                    SgdSpec spec = spec("sgd", q -> new SgdSpec(edge ? scalar() : 0.01f, momentum, nesterov));
                    loose |= edge;
                    Tensor velocity = momentum == 0 && r.trueOrFalse() ? null : floats(s);
                    call("sgdStep", new Tensor[] {floats(s), floats(s), velocity}, 0,
                            t -> b.sgdStep(t[0], t[1], t[2], spec));
                }
                case 17 -> {
                    Shape s = randomShape();
                    float rate = below(r, 8) == 0 ? scalar() : (float) r.doubleRange(0, 0.9);
                    long dropSeed = anyLong(r);
                    DropoutSpec spec = spec("dropout", q -> new DropoutSpec(rate, dropSeed));
                    call("dropoutForward", new Tensor[] {floats(s), floats(s), floats(s)}, 1,
                            t -> b.dropoutForward(t[0], spec, t[1], t[2]));
                }
                case 18 -> {
                    Shape s = randomShape();
                    boolean multiply = r.trueOrFalse();
                    call(multiply ? "multiply" : "add", new Tensor[] {floats(s), floats(s), floats(s)}, 2,
                            t -> {
                                if (multiply) {
                                    b.multiply(t[0], t[1], t[2]);
                                } else {
                                    b.add(t[0], t[1], t[2]);
                                }
                            });
                }
                case 19 -> {
                    Shape s = randomShape();
                    float alpha = scalar();
                    if (r.trueOrFalse()) {
                        call("scale", new Tensor[] {floats(s), floats(s)}, 1, t -> b.scale(t[0], alpha, t[1]));
                    } else {
                        call("axpy", new Tensor[] {floats(s), floats(s)}, 1, t -> b.axpy(alpha, t[0], t[1]));
                    }
                }
                case 20 -> {
                    Shape s = r.trueOrFalse() ? Shape.of(n, c, h, w) : Shape.of(n, c);
                    call("biasAdd", new Tensor[] {floats(s), floats(Shape.of(c)), floats(s)}, 2,
                            t -> b.biasAdd(t[0], t[1], t[2]));
                }
                case 21 -> call("sumOverBatch", new Tensor[] {floats(Shape.of(n, c, h)), floats(Shape.of(c, h))}, 1,
                        t -> b.sumOverBatch(t[0], t[1]));
                case 22 -> call("argmax", new Tensor[] {floats(Shape.of(n, c)), ints(Shape.of(n), 1)}, 1,
                        t -> b.argmax(t[0], t[1]));
                case 23 -> {
                    long[] counted = new long[1];
                    call("countCorrect", new Tensor[] {floats(Shape.of(n, c)),
                            ints(Shape.of(n), below(r, 8) == 0 ? c + 3 : c)}, 2,
                            t -> counted[0] = b.countCorrect(t[0], t[1]));
                }
                case 24 -> {
                    Shape s = randomShape();
                    float v = value();
                    if (r.trueOrFalse()) {
                        call("copy", new Tensor[] {floats(s), floats(s)}, 1, t -> b.copy(t[0], t[1]));
                    } else {
                        call("fill", new Tensor[] {floats(s)}, 0, t -> b.fill(t[0], v));
                    }
                }
                default -> {
                    // Memory and Tensor methods: host copies of the wrong length or null, views.
                    Shape s = randomShape();
                    int length = below(r, 4) == 0 ? (int) s.size() + below(r, 3) - 1 : (int) s.size();
                    float[] host = below(r, 10) == 0 ? null : new float[Math.max(0, length)];
                    switch (below(r, 4)) {
                        case 0 -> call("copyFromHost", new Tensor[] {floats(s)}, 0, t -> b.copyFromHost(host, t[0]));
                        case 1 -> call("copyToHost", new Tensor[] {floats(s)}, 0, t -> b.copyToHost(t[0], host));
                        case 2 -> {
                            Shape target = r.trueOrFalse() ? null : randomShape();
                            call("view", new Tensor[] {floats(s)}, 0, t -> {
                                if (t[0] == null) {
                                    throw new IllegalArgumentException("view: (no tensor to call it on)");
                                }
                                t[0].view(target);
                            });
                        }
                        default -> {
                            DType dtype = r.trueOrFalse() ? DType.FLOAT32 : DType.INT32;
                            callExactly("zeros", new Tensor[0], 0, t -> keep(b.zeros(s, dtype)));
                        }
                    }
                }
            }
        }
    }
}
