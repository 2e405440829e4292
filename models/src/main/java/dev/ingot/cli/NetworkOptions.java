package dev.ingot.cli;

import dev.ingot.core.Shape;
import dev.ingot.models.ReferenceModel;
import dev.ingot.models.ReferenceModels;
import dev.ingot.nn.Model;
import dev.ingot.nn.checkpoint.Checkpoint;
import dev.ingot.nn.checkpoint.PyTorchWeights;
import dev.ingot.nn.checkpoint.SafeTensors;
import dev.ingot.nn.checkpoint.StoredTensor;
import dev.ingot.transfer.Architectures;
import dev.ingot.transfer.Predictor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Supplier;
import picocli.CommandLine.Option;

/**
 * Where a trained network comes from, shared by {@code predict} and {@code export}: an Ingot
 * checkpoint ({@code --checkpoint}), or an architecture with a PyTorch state dict
 * ({@code --arch resnet18 --weights FILE.safetensors --classes N}).
 */
final class NetworkOptions {
    /** Checkpoint metadata naming an {@link Architectures} network (written by {@code ingot finetune}). */
    static final String KEY_ARCH = "ingot.arch";
    static final String KEY_CLASSES = "ingot.classes";
    /** Epochs of both finetune stages together (each stage has its own trainer and progress). */
    static final String KEY_EPOCHS_TRAINED = "ingot.epochs_trained";

    @Option(names = "--checkpoint", paramLabel = "FILE", description = "a checkpoint written by ingot train or finetune")
    Path checkpoint;

    @Option(names = "--arch", paramLabel = "NAME", description = "with --weights: resnet18, resnet34, resnet50, cifar-resnet20, ...")
    String arch;

    @Option(names = "--weights", paramLabel = "FILE", description = "with --arch: a PyTorch state dict as .safetensors (F32/F16/BF16)")
    Path weights;

    @Option(names = "--classes", paramLabel = "N", defaultValue = "1000", description = "with --arch: output classes (default 1000)")
    int classes;

    /**
     * A network ready to build.
     *
     * @param name       what to call it in messages
     * @param factory    a fresh unbuilt copy
     * @param weights    loads the trained weights into a built copy
     * @param channels   input channels
     * @param fixedInput the only sample shape it takes, or null for any
     * @param metadata   the checkpoint's metadata (empty for PyTorch weights)
     */
    record Network(String name, Supplier<Model> factory, Predictor.WeightLoader weights, int channels, Shape fixedInput,
                   Map<String, String> metadata) {
    }

    Network resolve() throws IOException {
        if ((checkpoint == null) == (weights == null)) {
            throw new IllegalArgumentException("give either --checkpoint FILE, or --arch NAME --weights FILE --classes N");
        }
        if (checkpoint != null) {
            if (arch != null) {
                throw new IllegalArgumentException("--arch goes with --weights; a --checkpoint names its own model");
            }
            requireFile("--checkpoint", checkpoint);
            Checkpoint c = Checkpoint.read(checkpoint);
            String a = c.metadata().get(KEY_ARCH);
            if (a != null) {
                int k = Integer.parseInt(c.require(KEY_CLASSES));
                return new Network(a + " (" + checkpoint + ")", () -> Architectures.create(a, k), c::restoreWeights, 3,
                        null, c.metadata());
            }
            ReferenceModel recipe = ReferenceModels.get(c.require("ingot.model"));
            // Reference models end in Flatten + Dense (or are ResNets): the input (and head) they were trained with
            // only, which a run on an image folder records (ingot.image_size, ingot.classes).
            Map<String, String> meta = c.metadata();
            return new Network(recipe.name() + " (" + checkpoint + ")", () -> ImageDatasetOptions.model(recipe, meta),
                    c::restoreWeights, recipe.inputShape().dim(0), ImageDatasetOptions.inputShape(recipe, meta), meta);
        }
        if (arch == null) {
            throw new IllegalArgumentException("--weights needs --arch NAME (" + Architectures.NAMES + ")");
        }
        requireFile("--weights", weights);
        Architectures.create(arch, classes).close(); // checks the name and class count now
        Map<String, StoredTensor> dict = SafeTensors.read(weights).tensors();
        return new Network(arch + " (" + weights + ")", () -> Architectures.create(arch, classes),
                m -> PyTorchWeights.load(weights, dict, m), 3, null, Map.of());
    }

    private static void requireFile(String option, Path p) {
        if (!Files.isRegularFile(p)) {
            throw new IllegalArgumentException(option + ": " + p + " is not a file");
        }
    }
}
