package dev.ingot.nn;

import dev.ingot.core.Backend;
import dev.ingot.core.Shape;
import dev.ingot.core.Tensor;
import dev.ingot.core.spec.BatchNormSpec;

import java.util.List;
import java.util.SplittableRandom;

/**
 * Batch normalisation over the channels of images, PyTorch's {@code BatchNorm2d} (defaults
 * {@code eps=1e-5, momentum=0.1}; Keras' {@code BatchNormalization()} is
 * {@code new BatchNorm2d(new BatchNormSpec(1e-3f, 0.01f))}, see {@link BatchNormSpec}).
 * Parameters {@code weight} (gamma, ones) and {@code bias} (beta, zeros) of shape {@code (C)};
 * buffers {@code running_mean} (zeros) and {@code running_var} (ones): PyTorch's state-dict names.
 *
 * <pre>
 *   training:  y = gamma * (x - mean_batch) / sqrt(var_batch + eps) + beta, running statistics updated
 *              backward: the fused batchNorm2dBackward (dx, dgamma, dbeta in one kernel)
 *   inference: y = gamma * (x - running_mean) / sqrt(running_var + eps) + beta
 * </pre>
 *
 * <p>Frozen (both gamma and beta frozen, {@link Model#freeze}) it runs in inference mode even in a
 * training pass and leaves the running statistics alone, as Keras does for a layer with
 * {@code trainable=False} (the usual fine-tuning choice); its backward pass is then the inference
 * form's {@code dx = dy * gamma / sqrt(running_var + eps)}, which is the inference kernel applied to
 * dy with a zero mean and shift.
 */
public final class BatchNorm2d implements Layer {
    private final BatchNormSpec spec;
    private final LayerState state = new LayerState("batchnorm2d");
    private Parameter gamma;
    private Parameter beta;
    private Tensor runningMean;
    private Tensor runningVar;
    private Tensor saveMean;
    private Tensor saveInvStd;
    private boolean inferencePass;

    /** PyTorch's defaults: epsilon 1e-5, momentum 0.1. */
    public BatchNorm2d() {
        this(BatchNormSpec.DEFAULT);
    }

    public BatchNorm2d(BatchNormSpec spec) {
        if (spec == null) {
            throw new IllegalArgumentException("BatchNorm2d spec must not be null (BatchNormSpec.DEFAULT for PyTorch's)");
        }
        this.spec = spec;
    }

    @Override
    public String kind() {
        return "batchnorm2d";
    }

    @Override
    public Shape build(Backend backend, Shape inputShape, SplittableRandom random) {
        if (inputShape.rank() != 3) {
            throw new IllegalArgumentException("batchnorm2d: input must be images (C, H, W) per sample, got shape "
                    + inputShape);
        }
        state.build(backend, inputShape, inputShape);
        Shape c = Shape.of(inputShape.dim(0));
        gamma = Parameter.withZeroGradient("weight", fill(backend, c, 1f));
        beta = Parameter.withZeroGradient("bias", backend.zeros(c));
        runningMean = backend.zeros(c).detach();
        runningVar = fill(backend, c, 1f);
        saveMean = backend.zeros(c).detach();
        saveInvStd = backend.zeros(c).detach();
        return inputShape;
    }

    private static Tensor fill(Backend backend, Shape shape, float value) {
        Tensor t = backend.zeros(shape).detach();
        backend.fill(t, value);
        return t;
    }

    /** Whether this layer runs in inference mode in training passes too (gamma and beta both frozen). */
    private boolean frozen() {
        return gamma.frozen() && beta.frozen();
    }

    @Override
    public Tensor forward(Tensor input, Mode mode) {
        inferencePass = !mode.training() || frozen();
        if (inferencePass) {
            return state.forward(input, mode, (b, x, y) -> b.batchNorm2dForwardInference(x, gamma.value(),
                    beta.value(), runningMean, runningVar, spec, y));
        }
        return state.forward(input, mode, (b, x, y) -> b.batchNorm2dForwardTraining(x, gamma.value(), beta.value(),
                spec, runningMean, runningVar, y, saveMean, saveInvStd));
    }

    @Override
    public Tensor backward(Tensor dy, boolean inputGradient) {
        Tensor x = state.checkBackward(dy);
        Backend b = state.backend();
        if (inferencePass) {
            if (!inputGradient) {
                return null;
            }
            Tensor zeros = state.cache.get("zeros", gamma.value().shape());
            Tensor dx = state.cache.get("dx", x.shape());
            b.batchNorm2dForwardInference(dy, gamma.value(), zeros, zeros, runningVar, spec, dx);
            return dx;
        }
        Tensor dx = inputGradient ? state.cache.get("dx", x.shape()) : null;
        b.batchNorm2dBackward(x, dy, gamma.value(), saveMean, saveInvStd, dx, gamma.grad(), beta.grad());
        return dx;
    }

    @Override
    public List<Parameter> parameters() {
        return gamma == null ? List.of() : List.of(gamma, beta);
    }

    @Override
    public List<Buffer> buffers() {
        return runningMean == null ? List.of()
                : List.of(new Buffer("running_mean", runningMean), new Buffer("running_var", runningVar));
    }

    public BatchNormSpec spec() {
        return spec;
    }

    @Override
    public String describe() {
        return "BatchNorm2d(eps " + spec.epsilon() + ", momentum " + spec.momentum() + ")";
    }

    @Override
    public void close() {
        state.close();
        for (Tensor t : new Tensor[] {runningMean, runningVar, saveMean, saveInvStd}) {
            if (t != null) {
                t.close();
            }
        }
        if (gamma != null) {
            gamma.close();
            beta.close();
        }
    }
}
