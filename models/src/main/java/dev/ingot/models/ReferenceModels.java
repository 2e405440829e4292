package dev.ingot.models;

import dev.ingot.core.Shape;
import dev.ingot.core.spec.AdamSpec;
import dev.ingot.core.spec.SgdSpec;
import dev.ingot.data.Augmentation;
import dev.ingot.nn.Adam;
import dev.ingot.nn.Conv2d;
import dev.ingot.nn.Dropout;
import dev.ingot.nn.Flatten;
import dev.ingot.nn.Linear;
import dev.ingot.nn.MaxPool2d;
import dev.ingot.nn.LearningRateSchedule;
import dev.ingot.nn.ReLU;
import dev.ingot.nn.SGD;
import dev.ingot.nn.Sequential;
import dev.ingot.nn.TestTimeAugmentation;

import java.util.List;
import java.util.Locale;

/**
 * The registry of reference models by name. The first three are the Keras examples they are named
 * after, line for line, trained with Adam (learning rate 1e-3, Keras defaults otherwise) on sparse
 * categorical cross-entropy from logits, with pixels scaled to [0, 1]. {@code cifar10-resnet20} is
 * He et al. 2016's CIFAR ResNet-20 with a modern short recipe ({@link #RESNET20_RECIPE});
 * {@code cifar10-airbench94} is Keller Jordan's airbench94 network and recipe ({@link Airbench}).
 */
public final class ReferenceModels {
    private ReferenceModels() {
    }

    /**
     * The TensorFlow "beginner" quickstart:
     * <pre>
     * tf.keras.models.Sequential([
     *   tf.keras.layers.Flatten(input_shape=(28, 28)),
     *   tf.keras.layers.Dense(128, activation='relu'),
     *   tf.keras.layers.Dropout(0.2),
     *   tf.keras.layers.Dense(10)
     * ])
     * </pre>
     */
    public static Sequential mnistMlp() {
        return new Sequential(
                new Flatten(),
                new Linear(128), new ReLU(),
                new Dropout(0.2f),
                new Linear(10));
    }

    /**
     * The TensorFlow CNN tutorial's network on MNIST's 28x28x1 images:
     * <pre>
     * model = models.Sequential()
     * model.add(layers.Conv2D(32, (3, 3), activation='relu', input_shape=(28, 28, 1)))
     * model.add(layers.MaxPooling2D((2, 2)))
     * model.add(layers.Conv2D(64, (3, 3), activation='relu'))
     * model.add(layers.MaxPooling2D((2, 2)))
     * model.add(layers.Conv2D(64, (3, 3), activation='relu'))
     * model.add(layers.Flatten())
     * model.add(layers.Dense(64, activation='relu'))
     * model.add(layers.Dense(10))
     * </pre>
     */
    public static Sequential mnistCnn() {
        return convStack();
    }

    /**
     * The TensorFlow CNN tutorial, on CIFAR-10's 32x32x3 images: the same layers as
     * {@link #mnistCnn()} with {@code input_shape=(32, 32, 3)}.
     */
    public static Sequential cifar10Cnn() {
        return convStack();
    }

    private static Sequential convStack() {
        return new Sequential(
                new Conv2d(32, 3), new ReLU(),
                new MaxPool2d(2),
                new Conv2d(64, 3), new ReLU(),
                new MaxPool2d(2),
                new Conv2d(64, 3), new ReLU(),
                new Flatten(),
                new Linear(64), new ReLU(),
                new Linear(10));
    }

    /** How cifar10-resnet20 trains, in one line for help texts and metrics. */
    public static final String RESNET20_RECIPE = "SGD momentum 0.9, weight decay 5e-4, learning rate 0.1 with a"
            + " 1-epoch linear warm-up then cosine to 0 per batch, batch 128, pad-4 crop + flip";

    /**
     * The ResNet-20 recipe's optimizer: SGD with momentum 0.9 and coupled weight decay 5e-4 (He et
     * al. use 1e-4 over 164 epochs; a 50-epoch run regularises harder), peak learning rate 0.1 at
     * batch 128 (He et al.'s), a one-epoch linear warm-up and a per-batch cosine decay to 0.
     */
    static SGD resnet20Optimizer(int stepsPerEpoch, int epochs) {
        long total = (long) stepsPerEpoch * epochs;
        long warmup = Math.min(stepsPerEpoch, Math.max(1, total / 10));
        LearningRateSchedule schedule = LearningRateSchedule.cosine(0.1f, Math.max(1, total - warmup), 0f)
                .withWarmup(warmup);
        return new SGD(new SgdSpec(0.1f, 0.9f, false), 5e-4f, schedule);
    }

    /** How cifar10-airbench94 trains, in one line for help texts and metrics. */
    public static final String AIRBENCH94_RECIPE = "Nesterov SGD momentum 0.85 (airbench's lr 11.5 and wd 0.0153 per"
            + " 1024 examples, BatchNorm biases at 64x), triangular schedule 0.2 -> 1 -> 0.07, batch 1024, label"
            + " smoothing 0.2, reflect translate 2 + alternating flip, lookahead EMA every 5 steps, TTA mirror-translate";

    private static final List<ReferenceModel> ALL = List.of(
            new ReferenceModel("mnist-mlp", "mnist", Shape.of(1, 28, 28),
                    "Flatten, Dense 128 ReLU, Dropout 0.2, Dense 10 (TensorFlow beginner quickstart)", 5,
                    ReferenceModels::mnistMlp, () -> new Adam(AdamSpec.keras())),
            new ReferenceModel("mnist-cnn", "mnist", Shape.of(1, 28, 28),
                    "3 conv 3x3 (32, 64, 64) ReLU with 2 max-pools, Dense 64 ReLU, Dense 10 (TensorFlow CNN tutorial, MNIST)", 5,
                    ReferenceModels::mnistCnn, () -> new Adam(AdamSpec.keras())),
            new ReferenceModel("cifar10-cnn", "cifar10", Shape.of(3, 32, 32),
                    "3 conv 3x3 (32, 64, 64) ReLU with 2 max-pools, Dense 64 ReLU, Dense 10 (TensorFlow CNN tutorial)", 10,
                    ReferenceModels::cifar10Cnn, () -> new Adam(AdamSpec.keras())),
            new ReferenceModel("cifar10-resnet20", "cifar10", Shape.of(3, 32, 32),
                    "ResNet-20 (He et al. 2016: 3x3 blocks, 16/32/64 channels, BatchNorm, projection shortcuts):"
                            + " " + RESNET20_RECIPE, 50, 128, Augmentation.cifarStandard(),
                    ResNets::resnet20, ReferenceModels::resnet20Optimizer),
            new ReferenceModel("cifar10-airbench94", "cifar10", Shape.of(3, 32, 32),
                    "airbench94 (Jordan 2024: whitening conv, 3 conv groups 64/256/256 with BatchNorm and GELU):"
                            + " " + AIRBENCH94_RECIPE, Airbench.EPOCHS, Airbench.BATCH,
                    Augmentation.airbench(Airbench.TRANSLATE), Airbench::airbench94,
                    (steps, epochs) -> Airbench.optimizer(steps, epochs, Airbench.BATCH), Airbench.LABEL_SMOOTHING,
                    TestTimeAugmentation.mirrorTranslate(), Airbench::initialize));


    /** Every reference model, in a fixed order. */
    public static List<ReferenceModel> all() {
        return ALL;
    }

    /** The names, for help texts and error messages. */
    public static List<String> names() {
        return ALL.stream().map(ReferenceModel::name).toList();
    }

    /** The model called {@code name} (case-insensitive), or an exception listing the names there are. */
    public static ReferenceModel get(String name) {
        if (name == null) {
            throw new IllegalArgumentException("model name must not be null; known models: " + names());
        }
        for (ReferenceModel m : ALL) {
            if (m.name().equals(name.toLowerCase(Locale.ROOT))) {
                return m;
            }
        }
        throw new IllegalArgumentException("no model called '" + name + "'; known models: " + names());
    }
}
