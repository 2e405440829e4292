package dev.ingot.models;

import dev.ingot.core.spec.BatchNormSpec;
import dev.ingot.core.spec.SgdSpec;
import dev.ingot.data.Dataset;
import dev.ingot.nn.BatchNorm2d;
import dev.ingot.nn.Buffer;
import dev.ingot.nn.Conv2d;
import dev.ingot.nn.ExponentialMovingAverage;
import dev.ingot.nn.Flatten;
import dev.ingot.nn.FreezeAfterSteps;
import dev.ingot.nn.GELU;
import dev.ingot.nn.Initializers;
import dev.ingot.nn.Layer;
import dev.ingot.nn.LearningRateSchedule;
import dev.ingot.nn.Linear;
import dev.ingot.nn.MaxPool2d;
import dev.ingot.nn.Model;
import dev.ingot.nn.Optimizer;
import dev.ingot.nn.Parameter;
import dev.ingot.nn.ParameterGroup;
import dev.ingot.nn.ParameterGroups;
import dev.ingot.nn.SGD;
import dev.ingot.nn.Scale;
import dev.ingot.nn.Sequential;
import dev.ingot.nn.WeightDecay;

import java.util.ArrayList;
import java.util.List;

/**
 * airbench94 (Keller Jordan, KellerJordan/cifar10-airbench {@code legacy/airbench94.py}: 94.01 % mean
 * CIFAR-10 test accuracy over 1000 runs in 3.83 s on an A100), layer for layer, and its recipe.
 *
 * <pre>
 *   normalise (CIFAR mean/std, a frozen BatchNorm holding them)
 *   whiten    conv 2x2 -> 24, bias, weights = eigenvectors of the 2x2 patch covariance (frozen), GELU
 *   3 groups  conv 3x3 same -> w, max-pool 2, BN, GELU, conv 3x3 same -> w, BN, GELU   (w = 64, 256, 256)
 *   head      max-pool 3, flatten, linear 256 -> 10 without bias, x 1/9
 * </pre>
 * BatchNorm: eps 1e-12, PyTorch momentum 0.4 (airbench's 0.6 is the running average's own weight),
 * gamma frozen at 1. The 3x3 convolutions start as PyTorch's default init with Dirac on their first
 * C filters. The hyper-parameters are airbench's; see {@link #optimizer} for how its summed loss and
 * "per 1024 examples" rates map onto Ingot's mean loss.
 */
public final class Airbench {
    private Airbench() {
    }

    static final float[] CIFAR_MEAN = {0.4914f, 0.4822f, 0.4465f};
    static final float[] CIFAR_STD = {0.2470f, 0.2435f, 0.2616f};
    static final int BATCH = 1024;
    static final float LR_PER_1024 = 11.5f;
    static final float MOMENTUM = 0.85f;
    static final float WEIGHT_DECAY_PER_1024 = 0.0153f;
    static final float BIAS_SCALER = 64f;
    static final float LABEL_SMOOTHING = 0.2f;
    static final int WHITEN_BIAS_EPOCHS = 3;
    static final int TRANSLATE = 2;
    static final float BN_MOMENTUM = 1 - 0.6f;
    static final float SCALING = 1f / 9;
    static final int WHITENING_IMAGES = 5000;
    static final double WHITENING_EPS = 5e-4;
    /** airbench trains 9.9 epochs (476 steps of 1024 with drop_last); Ingot's epochs are whole. */
    static final int EPOCHS = 10;

    /** The network; {@link #initialize} makes it airbench's (whitening, Dirac, frozen parts). */
    public static Sequential airbench94() {
        List<Layer> layers = new ArrayList<>(List.of(
                new BatchNorm2d(new BatchNormSpec(1e-12f, 0f)),
                new Conv2d(24, 2), new GELU()));
        for (int width : new int[] {64, 256, 256}) {
            layers.addAll(List.of(
                    new Conv2d(width, 3).samePadding().withoutBias(), new MaxPool2d(2), norm(), new GELU(),
                    new Conv2d(width, 3).samePadding().withoutBias(), norm(), new GELU()));
        }
        layers.addAll(List.of(new MaxPool2d(3), new Flatten(), new Linear(10).withoutBias(), new Scale(SCALING)));
        return new Sequential(layers.toArray(Layer[]::new));
    }

    private static BatchNorm2d norm() {
        return new BatchNorm2d(new BatchNormSpec(1e-12f, BN_MOMENTUM));
    }

    /**
     * airbench's set-up of a built {@link #airbench94()}: the input normaliser holds CIFAR's mean and
     * variance and is frozen; the whitening convolution's weights are the scaled eigenvectors of the
     * 2x2 patch covariance of the first 5000 (normalised) training images and frozen; every 3x3
     * convolution is redrawn from PyTorch's default {@code U(-1/sqrt(fan_in), 1/sqrt(fan_in))} and
     * its first C filters set to Dirac; the head likewise; BatchNorm's gammas are frozen at 1.
     */
    static void initialize(Model model, Dataset train) {
        if (train == null) {
            throw new IllegalArgumentException("cifar10-airbench94 computes its whitening layer from the built-in"
                    + " CIFAR-10 training images; it cannot train from --dataset");
        }
        if (train.channels() != 3 || train.height() != 32 || train.width() != 32) {
            throw new IllegalArgumentException("cifar10-airbench94 needs 3x32x32 images, got " + train.channels() + "x"
                    + train.height() + "x" + train.width());
        }
        float[] variance = new float[3];
        for (int c = 0; c < 3; c++) {
            variance[c] = CIFAR_STD[c] * CIFAR_STD[c];
        }
        for (Buffer b : model.buffers()) {
            if (b.name().equals("0.batchnorm2d.running_mean")) {
                b.value().copyFrom(CIFAR_MEAN);
            } else if (b.name().equals("0.batchnorm2d.running_var")) {
                b.value().copyFrom(variance);
            }
        }
        model.freeze("0.batchnorm2d.");

        int n = Math.min(WHITENING_IMAGES, train.size());
        int plane = 32 * 32;
        float[] images = new float[n * 3 * plane];
        float[] pixels = train.subset(0, n).images();   // floats of the first n only, not the whole set
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < 3; c++) {
                int at = (i * 3 + c) * plane;
                for (int j = 0; j < plane; j++) {
                    images[at + j] = (pixels[at + j] - CIFAR_MEAN[c]) / CIFAR_STD[c];
                }
            }
        }
        Initializers.whitening(model.parameter("1.conv2d.weight"), images, n, 3, 32, 32, WHITENING_EPS);
        model.freeze("1.conv2d.weight");

        for (Parameter p : model.parameters()) {
            String name = p.name();
            if (name.endsWith(".conv2d.weight") && !name.equals("1.conv2d.weight")) {
                pytorchDefault(p);
                Initializers.dirac(p, true);
            } else if (name.endsWith(".linear.weight")) {
                pytorchDefault(p);
            } else if (name.endsWith(".batchnorm2d.weight") && !name.startsWith("0.")) {
                model.freeze(name);
            }
        }
    }

    /**
     * Rescales Glorot-uniform weights {@code U(±sqrt(6 / (fanIn + fanOut)))} to PyTorch's default
     * {@code U(±1/sqrt(fanIn))} (kaiming_uniform with a = sqrt 5): the same draws, another bound.
     */
    private static void pytorchDefault(Parameter p) {
        var s = p.value().shape();
        long out = s.dim(0);
        long fanIn = s.size() / out;
        long receptive = s.rank() == 4 ? (long) s.dim(2) * s.dim(3) : 1;
        double glorot = Initializers.glorotLimit(fanIn, out * receptive);
        float factor = (float) (1 / Math.sqrt(fanIn) / glorot);
        float[] w = p.value().toFloatArray();
        for (int i = 0; i < w.length; i++) {
            w[i] *= factor;
        }
        p.value().copyFrom(w);
    }

    /**
     * airbench's optimizer for a run of {@code stepsPerEpoch * epochs} steps at batch {@code batch}.
     *
     * <p>airbench sums the loss over the batch and runs PyTorch's Nesterov SGD with
     * {@code lr = 11.5 / k}, {@code weight_decay = (0.0153 * B / k) / lr} per group, {@code k = 1024
     * (1 + 1 / (1 - momentum))}, and BatchNorm biases at 64x the rate. Ingot's loss is the mean, whose
     * gradient is 1/B of the sum's, so the same steps are {@code lr_mean = lr * B} and a coupled
     * decay of {@code weight_decay / B} (the decay term {@code wd * p} is added to the gradient
     * before momentum, as PyTorch does). The rate follows {@code 0.2 -> 1} over the first
     * {@code floor(0.23 T)} steps then {@code 1 -> 0.07} (airbench's get_lr), per step. The whitening
     * bias stops training after 3 epochs. Around it all, airbench's lookahead: every 5 steps
     * {@code a = d a + (1 - d) p; p = a} with {@code d = 0.95^5 (t / T)^3}, and at step T {@code p = a}.
     */
    static Optimizer optimizer(int stepsPerEpoch, int epochs, int batch) {
        long total = (long) stepsPerEpoch * epochs;
        double kilostep = 1024 * (1 + 1 / (1 - (double) MOMENTUM));
        double lrSum = LR_PER_1024 / kilostep;
        double wdSum = WEIGHT_DECAY_PER_1024 * batch / kilostep;
        float lr = (float) (lrSum * batch);
        float decayOthers = (float) (wdSum / lrSum / batch);
        float decayBiases = (float) (wdSum / (lrSum * BIAS_SCALER) / batch);
        long warm = Math.max(1, (long) (total * 0.23));
        LearningRateSchedule schedule = total > warm
                ? LearningRateSchedule.piecewiseLinear(lr, new long[] {0, warm, total}, new float[] {0.2f, 1f, 0.07f})
                : LearningRateSchedule.constant(lr);
        ParameterGroups groups = ParameterGroups.of(List.of(new ParameterGroup("norm_biases",
                p -> p.name().endsWith(".batchnorm2d.bias"), BIAS_SCALER, decayBiases)), decayOthers);
        Optimizer o = new SGD(new SgdSpec(lr, MOMENTUM, true), schedule, groups, WeightDecay.COUPLED);
        o = new FreezeAfterSteps(o, "1.conv2d.bias", (long) WHITEN_BIAS_EPOCHS * stepsPerEpoch);
        double peak = Math.pow(0.95, 5);
        return new ExponentialMovingAverage(o, "airbench lookahead 0.95^5 (t/" + total + ")^3",
                t -> t == total && t % 5 != 0 ? 1.0 : peak * Math.pow((double) t / total, 3), 5, total, true);
    }
}
