package dev.ingot.models;

import dev.ingot.core.Shape;
import dev.ingot.data.Augmentation;
import dev.ingot.data.Dataset;
import dev.ingot.nn.Model;
import dev.ingot.nn.Optimizer;
import dev.ingot.nn.TestTimeAugmentation;

import java.util.function.Supplier;

/**
 * A named model recipe: its architecture, the dataset it trains on, and how it trains (epochs,
 * batch size, augmentation, optimizer). Each call of {@link #newModel()} and {@link #newOptimizer}
 * makes fresh, unbuilt objects.
 *
 * @param name         registry name, e.g. {@code "mnist-cnn"}
 * @param dataset      the dataset name {@link dev.ingot.data.Datasets#load} knows, e.g. {@code "mnist"}
 * @param inputShape   one image, {@code (C, H, W)}
 * @param description  one line: what it is and where it comes from
 * @param epochs       how many epochs the original trains for
 * @param batchSize    the original's batch size
 * @param augmentation what the training images go through
 * @param architecture makes the layers
 * @param optimizer    makes the optimizer for a run of a given length (a schedule may depend on it)
 * @param labelSmoothing the loss' label smoothing, in [0, 1)
 * @param testTimeAugmentation how validation and the final test score view each image
 * @param initialization what the recipe does to the built model before training (data-dependent
 *                     init, freezing); runs on resume too, before the checkpoint's weights are restored
 */
public record ReferenceModel(String name, String dataset, Shape inputShape, String description, int epochs,
                             int batchSize, Augmentation augmentation, Supplier<? extends Model> architecture,
                             OptimizerFactory optimizer, float labelSmoothing, TestTimeAugmentation testTimeAugmentation,
                             Initialization initialization) {

    /** Makes the built model ready for training, given the training images (airbench's whitening init). */
    @FunctionalInterface
    public interface Initialization {
        Initialization NONE = (model, train) -> { };

        void initialize(Model model, Dataset train);
    }

    public ReferenceModel {
        if (!(labelSmoothing >= 0 && labelSmoothing < 1)) {
            throw new IllegalArgumentException(name + ": label smoothing must be in [0, 1), got " + labelSmoothing);
        }
        if (testTimeAugmentation == null || initialization == null) {
            throw new IllegalArgumentException(name + ": test-time augmentation and initialization must not be null"
                    + " (TestTimeAugmentation.none(), Initialization.NONE)");
        }
    }

    /** A recipe without label smoothing, test-time augmentation or an initialization step. */
    public ReferenceModel(String name, String dataset, Shape inputShape, String description, int epochs,
                          int batchSize, Augmentation augmentation, Supplier<? extends Model> architecture,
                          OptimizerFactory optimizer) {
        this(name, dataset, inputShape, description, epochs, batchSize, augmentation, architecture, optimizer, 0f,
                TestTimeAugmentation.none(), Initialization.NONE);
    }

    /** Makes a recipe's optimizer, given the run's steps per epoch and total epochs. */
    @FunctionalInterface
    public interface OptimizerFactory {
        Optimizer make(int stepsPerEpoch, int epochs);
    }

    /** A Keras-seed recipe: batch 32 (Keras' default), no augmentation, an optimizer without a schedule. */
    public ReferenceModel(String name, String dataset, Shape inputShape, String description, int epochs,
                          Supplier<? extends Model> architecture, Supplier<Optimizer> optimizer) {
        this(name, dataset, inputShape, description, epochs, 32, Augmentation.none(), architecture,
                (steps, total) -> optimizer.get());
    }

    /** Runs the recipe's {@link #initialization} on a built model. */
    public void initialize(Model built, Dataset train) {
        initialization.initialize(built, train);
    }

    /** A new, unbuilt model with this architecture. */
    public Model newModel() {
        return architecture.get();
    }

    /** A new optimizer for a run of {@code epochs} epochs of {@code stepsPerEpoch} steps. */
    public Optimizer newOptimizer(int stepsPerEpoch, int epochs) {
        if (stepsPerEpoch < 1 || epochs < 1) {
            throw new IllegalArgumentException("a run needs at least 1 step per epoch and 1 epoch, got "
                    + stepsPerEpoch + " and " + epochs);
        }
        return optimizer.make(stepsPerEpoch, epochs);
    }

    /**
     * A new optimizer for this recipe's own run on {@code trainImages} images (its epochs and batch
     * size); where only its kind matters (evaluation, benchmarks), any size will do.
     */
    public Optimizer newOptimizer(int trainImages) {
        return newOptimizer(Math.max(1, (trainImages + batchSize - 1) / batchSize), epochs);
    }

    /** A new optimizer with this recipe's hyper-parameters, for a run of its own epochs on 50,000 images. */
    public Optimizer newOptimizer() {
        return newOptimizer(50_000);
    }
}
