package dev.ingot.nn;

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
}
