package dev.ingot.parity;

import dev.ingot.core.spec.Conv2dGeometry;
import dev.ingot.core.spec.Pool2dSpec;

/**
 * Every tolerance of the parity suite, in one place, each with its reason. A backend computes in
 * float32 (in any order, with or without FMA); the reference computes in double and rounds once.
 * So the allowed error is the float32 rounding error of the backend's arithmetic, and nothing
 * more: a tolerance here is never widened to make a kernel pass.
 *
 * <p>Notation: {@code u = 2^-24}, the unit roundoff of float32 (half an ulp of 1).
 *
 * <p><b>Sums.</b> A float32 sum (or dot product) of {@code n} terms, in any order, differs from the
 * exact sum by at most {@code gamma_n * sum|terms|} with {@code gamma_n ~ n*u} in the worst case;
 * with rounding errors that behave like independent zero-mean variables (random inputs, as here),
 * Higham and Mary (SIAM J. Sci. Comput. 41(5), 2019, "A new approach to probabilistic rounding
 * error analysis") show {@code |error| <= lambda * sqrt(n) * u * sum|terms|} with probability at
 * least {@code 1 - 2n * exp(-lambda^2 / 2)}. We use {@code lambda = 8}: for n = 10^5 terms one
 * element fails by chance with probability below 3e-9, while a real bug (a missing or doubled
 * term, a wrong index, a tail not processed) moves an element by the size of a whole term, far
 * beyond {@code 8 sqrt(n) u sum|terms|}. The scale {@code sum|terms|} of each output element is
 * computed by running the same reference kernel on the absolute values of the inputs.
 */
public final class Tolerances {
    /** Unit roundoff of float32. */
    public static final double U = 0x1p-24;
    /** The lambda of the probabilistic bound (see the class comment). */
    public static final double LAMBDA = 8;

    private Tolerances() {
    }

    /** Bit-for-bit (well, value-for-value: {@code -0 == +0}) identical results. */
    public static Tolerance exact(String why) {
        return new Tolerance(0, 0, why);
    }

    /**
     * A float32 sum of {@code n} terms against the exact sum, relative to {@code sum|terms|}:
     * {@code 8 * sqrt(n) * u}.
     */
    public static Tolerance sumOfTerms(long n, String what) {
        return new Tolerance(LAMBDA * Math.sqrt(n) * U, 0,
                what + ": float32 sum of " + n + " terms, 8*sqrt(n)*u*sum|terms| (Higham-Mary, lambda 8)");
    }

    /** gemm: a dot product of K terms, then {@code alpha *} and {@code + beta*C}: two more roundings. */
    public static Tolerance gemm(int k) {
        return sumOfTerms(k + 2L, "gemm K=" + k);
    }

    /** conv2dForward: C*R*S products per output pixel, plus the bias. */
    public static Tolerance conv2dForward(Conv2dGeometry g) {
        return sumOfTerms((long) g.c() * g.r() * g.s() + 1, "conv2dForward (C*R*S+1 terms)");
    }

    /** conv2dBackwardData: at most K*R*S products reach one input pixel. */
    public static Tolerance conv2dBackwardData(Conv2dGeometry g) {
        return sumOfTerms((long) g.k() * g.r() * g.s(), "conv2dBackwardData (at most K*R*S terms)");
    }

    /** conv2dBackwardFilter: N*P*Q products per weight. */
    public static Tolerance conv2dBackwardFilter(Conv2dGeometry g) {
        return sumOfTerms((long) g.n() * g.p() * g.q(), "conv2dBackwardFilter (N*P*Q terms)");
    }

    /** conv2dBackwardBias: N*P*Q values per channel. */
    public static Tolerance conv2dBackwardBias(long terms) {
        return sumOfTerms(terms, "conv2dBackwardBias (N*P*Q terms)");
    }

    /** maxPool2dForward selects one input value: no arithmetic, so no rounding. */
    public static Tolerance maxPool2dForward() {
        return exact("maxPool2dForward selects an input value; there is no arithmetic to round");
    }

    /** How many windows can cover one input pixel: {@code ceil(kH/sH) * ceil(kW/sW)}. */
    static int windowsPerPixel(Pool2dSpec spec) {
        return ceilDiv(spec.kernelH(), spec.strideH()) * ceilDiv(spec.kernelW(), spec.strideW());
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }

    /**
     * maxPool2dBackward routes whole dy values; where windows overlap, up to
     * {@code ceil(kH/sH)*ceil(kW/sW)} of them add up in one pixel.
     */
    public static Tolerance maxPool2dBackward(Pool2dSpec spec) {
        int n = windowsPerPixel(spec);
        return n == 1
                ? exact("maxPool2dBackward without overlapping windows copies dy values; no arithmetic")
                : sumOfTerms(n, "maxPool2dBackward (overlapping windows add)");
    }

    /** avgPool2dForward: a sum over the window, then one division. */
    public static Tolerance avgPool2dForward(Pool2dSpec spec) {
        return sumOfTerms((long) spec.kernelH() * spec.kernelW() + 1, "avgPool2dForward (window sum and division)");
    }

    /** avgPool2dBackward: each covering window contributes {@code dy/count} (one division each), and they add. */
    public static Tolerance avgPool2dBackward(Pool2dSpec spec) {
        return sumOfTerms(2L * windowsPerPixel(spec), "avgPool2dBackward (one division per window, windows add)");
    }

    /** ReLU forward and backward select values: exact. */
    public static Tolerance relu() {
        return exact("ReLU selects x (or dy) or 0; there is no arithmetic to round");
    }

    /**
     * softmaxForward on rows of {@code cols} logits with {@code |x| <= bound}, relative to the
     * probability itself: {@code x - max} rounds with error up to {@code 2*bound*u}, which becomes a
     * relative error of {@code exp}; a float exp is good to a few ulp (16u allowed); the row sum
     * has {@code 8*sqrt(cols)*u} relative error. Probabilities that underflow float (below 1e-37) may
     * flush to zero.
     */
    public static Tolerance softmaxForward(int cols, double bound) {
        return new Tolerance((LAMBDA * Math.sqrt(cols) + 2 * 2 * bound + 16) * U, 1e-37,
                "softmaxForward: 8*sqrt(C)*u for the row sum, 2*range*u for x - max, 16u for exp and the division");
    }

    /**
     * logSoftmaxForward: an absolute error, since {@code y = x - max - log(sum)} is a difference:
     * {@code 2*bound*u} for each subtraction, {@code 8*sqrt(cols)*u + 2*range*u} for the relative error
     * of the sum (which log turns into an absolute one), {@code ln(C)*u} for rounding the log, 16u for
     * exp and log themselves.
     */
    public static Tolerance logSoftmaxForward(int cols, double bound) {
        return new Tolerance(U, (LAMBDA * Math.sqrt(cols) + 6 * 2 * bound + 2 * Math.log(cols) + 16) * U,
                "logSoftmaxForward: absolute error of x - max - log(sum) for C=" + cols + ", |x| <= " + bound);
    }

    /**
     * softmaxBackward {@code dx_i = y_i*(dy_i - sum_j dy_j*y_j)}: a dot product of C terms, one
     * subtraction, one product; scale {@code y_i*(|dy_i| + sum_j |dy_j|*y_j)}.
     */
    public static Tolerance softmaxBackward(int cols) {
        return sumOfTerms(cols + 3L, "softmaxBackward (C-term dot product, subtraction, product)");
    }

    /**
     * logSoftmaxBackward {@code dx_i = dy_i - exp(y_i)*sum_j dy_j}: a sum of C terms and a float exp
     * (a few ulp, 8u allowed); scale {@code |dy_i| + exp(y_i)*sum_j |dy_j|}.
     */
    public static Tolerance logSoftmaxBackward(int cols) {
        return new Tolerance((LAMBDA * Math.sqrt(cols + 2.0) + 8) * U, 0,
                "logSoftmaxBackward (C-term sum, float exp, product, subtraction)");
    }

    /**
     * softmaxCrossEntropy's loss: each row's {@code max + log(sum) - x_label} is good to the
     * logSoftmaxForward bound (absolute), and the mean over N rows adds {@code 8*sqrt(N)*u} relative.
     */
    public static Tolerance crossEntropyLoss(int rows, int cols, double bound) {
        Tolerance row = logSoftmaxForward(cols, bound);
        return new Tolerance(LAMBDA * Math.sqrt(rows + 1.0) * U, row.abs(),
                "softmaxCrossEntropy loss: per-row log-softmax error, then a mean of N=" + rows + " rows");
    }

    /**
     * softmaxCrossEntropy's gradient {@code (p_i - [i == label])/N}: the softmax error relative to
     * p, plus the subtraction and the division; scale {@code (p_i + [i == label])/N}.
     */
    public static Tolerance crossEntropyGradient(int cols, double bound) {
        Tolerance p = softmaxForward(cols, bound);
        return new Tolerance(p.rel() + 4 * U, 0,
                "softmaxCrossEntropy gradient: softmax error relative to p, then (p - onehot)/N");
    }

    /**
     * One Adam step's moments: {@code m = b1*m + (1-b1)*g} (and likewise v with g*g) are two
     * products and a sum, against the reference's single rounding; scale {@code b1*|m| + (1-b1)*|g|}.
     */
    public static Tolerance adamMoment() {
        return new Tolerance(6 * U, 0, "Adam moment update: two products and a sum (3 roundings), plus the reference's 1");
    }

    /**
     * One Adam step's parameter {@code p - a_t*m/(sqrt(v)+eps)}: the update carries the moments'
     * errors plus sqrt, addition, division and product (about 10 roundings, 16u allowed) relative to
     * its own size, and the subtraction rounds relative to p; scale {@code |p| + |update|}.
     */
    public static Tolerance adamParam() {
        return new Tolerance(16 * U, 0, "Adam parameter update: ~10 roundings in the update, one in p - update");
    }

    /**
     * One SGD step: {@code v = mu*v - lr*g} and {@code p = p + v} (or Nesterov's
     * {@code p + mu*v - lr*g}): at most five roundings; scale is the sum of the absolute terms.
     */
    public static Tolerance sgd() {
        return new Tolerance(8 * U, 0, "SGD update: at most five roundings, relative to the sum of |terms|");
    }

    /** Dropout's mask and output: {@code mask} is one of two constants, {@code x*mask} one correctly rounded product. */
    public static Tolerance dropout() {
        return exact("dropout: the mask is 0 or spec.scale(), and x*mask is one correctly rounded product");
    }

    /** add and biasAdd: one correctly rounded sum; scale {@code |a| + |b|} (the reference may round twice, via double). */
    public static Tolerance add() {
        return new Tolerance(U, 0, "one float32 addition: within half an ulp each of the exact sum");
    }

    /** multiply and scale: one correctly rounded product, identical to the reference's (a float product is exact in double). */
    public static Tolerance multiply() {
        return exact("one float32 product: correctly rounded in both, and exact in double before rounding");
    }

    /** axpy {@code y + alpha*x}: one or two roundings (FMA or not); scale {@code |y| + |alpha*x|}. */
    public static Tolerance axpy() {
        return new Tolerance(2 * U, 0, "axpy: a product and a sum, fused or not");
    }

    /** sumOverBatch: a sum of N terms per feature. */
    public static Tolerance sumOverBatch(int batch) {
        return sumOfTerms(batch, "sumOverBatch (N terms)");
    }
}
