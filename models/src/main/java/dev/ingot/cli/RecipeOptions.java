package dev.ingot.cli;

import dev.ingot.core.spec.AdamSpec;
import dev.ingot.core.spec.CrossEntropySpec;
import dev.ingot.core.spec.SgdSpec;
import dev.ingot.data.Dataset;
import dev.ingot.models.ReferenceModel;
import dev.ingot.nn.Adam;
import dev.ingot.nn.CrossEntropyLoss;
import dev.ingot.nn.ExponentialMovingAverage;
import dev.ingot.nn.GradientClipping;
import dev.ingot.nn.LearningRateSchedule;
import dev.ingot.nn.Optimizer;
import dev.ingot.nn.ParameterGroups;
import dev.ingot.nn.SGD;
import dev.ingot.nn.TestTimeAugmentation;
import dev.ingot.nn.WeightDecay;
import picocli.CommandLine.Option;

/**
 * The training-recipe options of {@code ingot train} (a picocli mixin): optimizer, schedule, weight
 * decay, label smoothing, class weights, EMA, gradient clipping and test-time augmentation. Left out, the model's own recipe
 * applies; a resumed run must be given the same options (the checkpoint's optimizer state and
 * configuration must match).
 */
final class RecipeOptions {
    private static final Choices<String> OPTIMIZERS = Choices.names("--optimizer", "sgd", "nesterov", "adam",
            "adam-pytorch", "adamw");
    private static final Choices<String> SCHEDULES = Choices.names("--lr-schedule", "constant", "cosine", "step",
            "triangular", "one-cycle");
    private static final Choices<String> CLASS_WEIGHTS = Choices.names("--class-weights", "none", "balanced");
    private static final Choices<String> TTA = Choices.names("--tta", "none", "mirror", "mirror-translate");

    @Option(names = "--optimizer", paramLabel = "NAME",
            description = "sgd, nesterov, adam (Keras' form), adam-pytorch or adamw (default: the model's own)")
    String optimizer;

    @Option(names = "--learning-rate", paramLabel = "LR",
            description = "peak learning rate for --optimizer (default 0.1 for sgd and nesterov, 0.001 for the Adams)")
    Float learningRate;

    @Option(names = "--momentum", paramLabel = "M", defaultValue = "0.9",
            description = "momentum of sgd and nesterov (default ${DEFAULT-VALUE})")
    float momentum;

    @Option(names = "--lr-schedule", paramLabel = "NAME", defaultValue = "constant",
            description = "constant, cosine, step (x0.1 after each third of the run), triangular"
                    + " (airbench: 0.2 -> 1 at 23% -> 0) or one-cycle (PyTorch OneCycleLR), stepped per batch over"
                    + " the whole run (default ${DEFAULT-VALUE})")
    String schedule;

    @Option(names = "--warmup-steps", paramLabel = "N", defaultValue = "0",
            description = "linear warm-up of the learning rate over the first N steps (default none)")
    long warmupSteps;

    @Option(names = "--weight-decay", paramLabel = "WD", defaultValue = "0",
            description = "weight decay of weights (none on biases and BatchNorm); decoupled (p -= lr*wd*p) for"
                    + " adamw and nesterov, coupled (g += wd*p) for sgd and the Adams (default ${DEFAULT-VALUE})")
    float weightDecay;

    @Option(names = "--label-smoothing", paramLabel = "EPS",
            description = "label smoothing of the cross-entropy, in [0, 1) (default: the model's own, 0.2 for"
                    + " cifar10-airbench94, else 0)")
    Float labelSmoothing;

    @Option(names = "--class-weights", paramLabel = "KIND", defaultValue = "none",
            description = "none, or balanced: each class weighted N / (C * count), against class imbalance"
                    + " (default ${DEFAULT-VALUE})")
    String classWeights;

    @Option(names = "--ema", paramLabel = "DECAY", defaultValue = "0",
            description = "evaluate on an exponential moving average of the weights with this decay, e.g. 0.999"
                    + " (default 0: off)")
    float emaDecay;

    @Option(names = "--ema-every", paramLabel = "N", defaultValue = "1",
            description = "update the --ema average every N steps (default ${DEFAULT-VALUE})")
    int emaEvery;

    @Option(names = "--clip-grad-norm", paramLabel = "MAX", defaultValue = "0",
            description = "clip the gradients to this global L2 norm (default 0: off)")
    float clipGradNorm;

    @Option(names = "--tta", paramLabel = "KIND",
            description = "test-time augmentation of validation and the final test score: none, mirror, or"
                    + " mirror-translate (airbench: + 1-pixel shifts, reflect padding) (default: the model's own,"
                    + " mirror-translate for cifar10-airbench94, else none)")
    String tta;

    /** The test-time augmentation {@code --tta} names, or the recipe's own without it. */
    TestTimeAugmentation testTimeAugmentation(ReferenceModel recipe) {
        if (tta == null) {
            return recipe.testTimeAugmentation();
        }
        return testTimeAugmentation();
    }

    /** The test-time augmentation {@code --tta} names (none without it). */
    TestTimeAugmentation testTimeAugmentation() {
        return tta == null ? TestTimeAugmentation.none() : TestTimeAugmentation.named(TTA.parse(tta));
    }

    /** Whether any option changes the model's own optimizer. */
    private boolean customOptimizer() {
        return optimizer != null || learningRate != null || !schedule.equals("constant") || warmupSteps != 0
                || weightDecay != 0;
    }

    /** The run's optimizer: the model's own, or the one these options describe, with EMA and clipping around it. */
    Optimizer optimizer(ReferenceModel recipe, int stepsPerEpoch, int epochs) {
        Optimizer o = customOptimizer() ? fromOptions((long) stepsPerEpoch * epochs)
                : recipe.newOptimizer(stepsPerEpoch, epochs);
        if (clipGradNorm < 0) {
            throw new IllegalArgumentException("--clip-grad-norm must be 0 (off) or positive, got " + clipGradNorm);
        }
        if (clipGradNorm > 0) {
            o = new GradientClipping(o, clipGradNorm);
        }
        if (!(emaDecay >= 0 && emaDecay < 1)) {
            throw new IllegalArgumentException("--ema must be 0 (off) or a decay in (0, 1), got " + emaDecay);
        }
        if (emaEvery < 1) {
            throw new IllegalArgumentException("--ema-every must be at least 1, got " + emaEvery);
        }
        if (emaDecay > 0) {
            o = new ExponentialMovingAverage(o, emaDecay, emaEvery, false);
        }
        return o;
    }

    private Optimizer fromOptions(long totalSteps) {
        String name = optimizer == null ? "sgd" : OPTIMIZERS.parse(optimizer);
        boolean adam = name.startsWith("adam");
        float lr = learningRate != null ? learningRate : adam ? 1e-3f : 0.1f;
        if (!(lr > 0) || !Float.isFinite(lr)) {
            throw new IllegalArgumentException("--learning-rate must be positive, got " + lr);
        }
        if (!(weightDecay >= 0) || !Float.isFinite(weightDecay)) {
            throw new IllegalArgumentException("--weight-decay must be 0 or positive, got " + weightDecay);
        }
        if (warmupSteps < 0 || warmupSteps >= totalSteps) {
            throw new IllegalArgumentException("--warmup-steps must be within 0.." + (totalSteps - 1)
                    + " (the run has " + totalSteps + " steps), got " + warmupSteps);
        }
        long afterWarmup = totalSteps - warmupSteps;
        LearningRateSchedule s = switch (SCHEDULES.parse(schedule)) {
            case "constant" -> LearningRateSchedule.constant(lr);
            case "cosine" -> LearningRateSchedule.cosine(lr, afterWarmup, 0f);
            case "step" -> LearningRateSchedule.stepDecay(lr, Math.max(1, (afterWarmup + 2) / 3), 0.1f);
            case "triangular" -> LearningRateSchedule.triangular(lr, Math.max(2, afterWarmup), 0.23, 0.2f, 0f);
            default -> LearningRateSchedule.oneCycle(lr, Math.max(2, afterWarmup), 0.3); // "one-cycle"
        };
        if (warmupSteps > 0) {
            s = s.withWarmup(warmupSteps);
        }
        ParameterGroups groups = ParameterGroups.noDecayOnBiasesAndNorms(weightDecay);
        return switch (name) {
            case "sgd" -> new SGD(new SgdSpec(lr, momentum, false), s, groups, WeightDecay.COUPLED);
            case "nesterov" -> new SGD(new SgdSpec(lr, momentum, true), s, groups, WeightDecay.DECOUPLED);
            case "adam" -> new Adam(AdamSpec.withLearningRate(lr), Adam.Form.KERAS, s, groups, WeightDecay.COUPLED);
            case "adam-pytorch" -> new Adam(new AdamSpec(lr, 0.9f, 0.999f, 1e-8f), Adam.Form.PYTORCH, s, groups,
                    WeightDecay.COUPLED);
            default -> new Adam(new AdamSpec(lr, 0.9f, 0.999f, 1e-8f), Adam.Form.PYTORCH, s, groups,
                    WeightDecay.DECOUPLED);
        };
    }

    /** The loss, with the recipe's label smoothing unless {@code --label-smoothing} is given. */
    CrossEntropyLoss loss(Dataset train, ReferenceModel recipe) {
        return loss(train, labelSmoothing != null ? labelSmoothing : recipe.labelSmoothing());
    }

    /** The loss, with label smoothing (0 without the option) and class weights (balanced from {@code train}'s labels). */
    CrossEntropyLoss loss(Dataset train) {
        return loss(train, labelSmoothing != null ? labelSmoothing : 0f);
    }

    private CrossEntropyLoss loss(Dataset train, float labelSmoothing) {
        if (!(labelSmoothing >= 0 && labelSmoothing < 1)) {
            throw new IllegalArgumentException("--label-smoothing must be in [0, 1), got " + labelSmoothing);
        }
        float[] weights = null;
        if (CLASS_WEIGHTS.parse(classWeights).equals("balanced")) {
            if (train == null) {
                throw new IllegalArgumentException("--class-weights balanced counts the labels of a built-in"
                        + " dataset; with --dataset give none");
            }
            weights = CrossEntropyLoss.balancedClassWeights(train.labels(), train.classes().size());
        }
        return new CrossEntropyLoss(new CrossEntropySpec(labelSmoothing, weights));
    }
}
