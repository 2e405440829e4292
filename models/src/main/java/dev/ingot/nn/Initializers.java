package dev.ingot.nn;

import dev.ingot.core.Shape;

import java.util.SplittableRandom;

/**
 * Keras' default initial weights: Glorot-uniform kernels and zero biases (Keras {@code Dense} and
 * {@code Conv2D} both default to {@code kernel_initializer='glorot_uniform', bias_initializer='zeros'}).
 */
public final class Initializers {
    private Initializers() {
    }

    /**
     * {@code count} values drawn uniformly from {@code [-limit, limit)} with
     * {@code limit = sqrt(6 / (fanIn + fanOut))} (Glorot and Bengio, 2010). A dense layer's fans are
     * its input and output features; a convolution's are {@code C*R*S} and {@code K*R*S}.
     */
    public static float[] glorotUniform(SplittableRandom random, int count, long fanIn, long fanOut) {
        if (count < 0) {
            throw new IllegalArgumentException("Glorot-uniform needs a count of at least 0, got " + count);
        }
        if (fanIn < 1 || fanOut < 1) {
            throw new IllegalArgumentException("Glorot-uniform needs positive fans, got fanIn " + fanIn
                    + ", fanOut " + fanOut);
        }
        double limit = glorotLimit(fanIn, fanOut);
        float[] values = new float[count];
        for (int i = 0; i < count; i++) {
            values[i] = (float) random.nextDouble(-limit, limit);
        }
        return values;
    }

    /**
     * The element count of weights of {@code shape} for {@code layer}, or an exception naming the
     * layer when they do not fit one Java array (initial weights are drawn on the host).
     */
    public static int hostCount(String layer, dev.ingot.core.Shape shape) {
        if (shape.size() > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(layer + ": weights of shape " + shape + " have " + shape.size()
                    + " elements, more than one Java array (2^31 - 9) holds; use fewer units or features");
        }
        return (int) shape.size();
    }

    /** The Glorot-uniform limit {@code sqrt(6 / (fanIn + fanOut))}. */
    public static double glorotLimit(long fanIn, long fanOut) {
        return Math.sqrt(6.0 / (fanIn + fanOut));
    }

    /**
     * {@code count} values from {@code N(0, 2 / fan)}: He et al. 2015's initialisation for layers
     * followed by a ReLU. With {@code fan = K*R*S} it is torchvision's ResNet convolution init
     * ({@code kaiming_normal_(mode='fan_out', nonlinearity='relu')}).
     */
    public static float[] heNormal(SplittableRandom random, int count, long fan) {
        if (fan < 1) {
            throw new IllegalArgumentException("He-normal needs a positive fan, got " + fan);
        }
        double std = Math.sqrt(2.0 / fan);
        float[] values = new float[count];
        for (int i = 0; i < count; i++) {
            values[i] = (float) (std * gaussian(random));
        }
        return values;
    }

    /** A standard normal draw (Box-Muller, one of the pair); StrictMath, so the same bits before and after the JIT. */
    private static double gaussian(SplittableRandom random) {
        double u = 1.0 - random.nextDouble(); // (0, 1]: log is finite
        double v = random.nextDouble();
        return StrictMath.sqrt(-2.0 * StrictMath.log(u)) * StrictMath.cos(2.0 * Math.PI * v);
    }

    // ---------------------------------------------------------------- hooks on built layers

    /**
     * Dirac (identity) init of a convolution weight {@code (K, C, R, S)}, PyTorch's
     * {@code nn.init.dirac_}: filter {@code k < min(K, C)} passes input channel {@code k} through its
     * centre tap, so a same-padded convolution starts as the identity on those channels. With
     * {@code keepOtherFilters} only those first filters are overwritten and the rest keep their
     * initial values (airbench's {@code dirac_(w[:w.size(1)])}); otherwise the rest are zeroed.
     */
    public static void dirac(Parameter weight, boolean keepOtherFilters) {
        Shape s = weight.value().shape();
        if (s.rank() != 4) {
            throw new IllegalArgumentException("Dirac init needs a convolution weight (K, C, R, S), got '" + weight.name()
                    + "' of shape " + s);
        }
        int k = s.dim(0), c = s.dim(1), r = s.dim(2), t = s.dim(3);
        float[] w = keepOtherFilters ? weight.value().toFloatArray() : new float[hostCount(weight.name(), s)];
        int plane = r * t;
        for (int f = 0; f < Math.min(k, c); f++) {
            java.util.Arrays.fill(w, f * c * plane, (f + 1) * c * plane, 0f);
            w[(f * c + f) * plane + (r / 2) * t + t / 2] = 1f;
        }
        weight.value().copyFrom(w);
    }

    /**
     * airbench's whitening init of a first convolution {@code (2E, C, R, S)} with {@code E = C*R*S}:
     * the eigen-decomposition {@code Σ = V diag(λ) V^T} of the (uncentred) covariance of every R×S
     * patch of {@code images} (NCHW), and filters {@code v_i / sqrt(λ_i + eps)} then their negatives,
     * largest eigenvalue first. The layer's outputs are then decorrelated patches of unit variance;
     * freeze the layer afterwards ({@link Model#freeze}) as airbench does.
     *
     * @param images n images of c×h×w values each, e.g. the first 5000 training images, normalised
     */
    public static void whitening(Parameter weight, float[] images, int n, int c, int h, int w, double eps) {
        Shape s = weight.value().shape();
        int e = s.rank() == 4 ? s.dim(1) * s.dim(2) * s.dim(3) : -1;
        if (s.rank() != 4 || s.dim(0) != 2 * e || s.dim(1) != c) {
            throw new IllegalArgumentException("whitening init needs a weight (2*C*R*S, C, R, S) with C = " + c
                    + " image channels, got '" + weight.name() + "' of shape " + s);
        }
        int r = s.dim(2), t = s.dim(3);
        if (images == null || (long) n * c * h * w != images.length || n < 1 || h < r || w < t || !(eps >= 0)) {
            throw new IllegalArgumentException("whitening init needs " + n + " images of " + c + "x" + h + "x" + w
                    + " (at least " + r + "x" + t + ") and eps >= 0, got " + (images == null ? "null" : images.length
                    + " values") + " and eps " + eps);
        }
        double[][] cov = new double[e][e];
        double[] patch = new double[e];
        long count = 0;
        for (int img = 0; img < n; img++) {
            for (int y = 0; y + r <= h; y++) {
                for (int x = 0; x + t <= w; x++) {
                    int i = 0;
                    for (int ch = 0; ch < c; ch++) {
                        for (int dy = 0; dy < r; dy++) {
                            for (int dx = 0; dx < t; dx++) {
                                patch[i++] = images[((img * c + ch) * h + y + dy) * w + x + dx];
                            }
                        }
                    }
                    for (int a = 0; a < e; a++) {
                        for (int b = a; b < e; b++) {
                            cov[a][b] += patch[a] * patch[b];
                        }
                    }
                    count++;
                }
            }
        }
        for (int a = 0; a < e; a++) {
            for (int b = a; b < e; b++) {
                cov[a][b] /= count;
                cov[b][a] = cov[a][b];
            }
        }
        double[][] vectors = new double[e][e];
        double[] values = SymmetricEigen.decompose(cov, vectors);
        float[] out = new float[2 * e * e];
        for (int rank = 0; rank < e; rank++) {
            int col = SymmetricEigen.indexOfRank(values, rank);
            double scale = 1 / Math.sqrt(Math.max(values[col], 0) + eps);
            for (int i = 0; i < e; i++) {
                float v = (float) (vectors[i][col] * scale);
                out[rank * e + i] = v;
                out[(e + rank) * e + i] = -v;
            }
        }
        weight.value().copyFrom(out);
    }
}
