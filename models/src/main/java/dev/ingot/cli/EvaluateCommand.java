package dev.ingot.cli;

import dev.ingot.core.Backend;
import dev.ingot.core.Backends;
import dev.ingot.data.DataDir;
import dev.ingot.data.Dataset;
import dev.ingot.data.Datasets;
import dev.ingot.data.Split;
import dev.ingot.models.ReferenceModel;
import dev.ingot.models.ReferenceModels;
import dev.ingot.nn.CrossEntropyLoss;
import dev.ingot.nn.EvaluationReport;
import dev.ingot.nn.Model;
import dev.ingot.nn.TestTimeAugmentation;
import dev.ingot.nn.Trainer;
import dev.ingot.nn.checkpoint.Checkpoint;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import dev.ingot.core.Shape;
import dev.ingot.core.spec.AdamSpec;
import dev.ingot.data.ImageLoader;
import dev.ingot.nn.Adam;
import dev.ingot.transfer.Architectures;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code ingot evaluate}: scores a checkpoint's weights on the test set of the dataset its model
 * trains on, and prints the accuracy, per-class precision and recall, and the confusion matrix.
 */
@Command(name = "evaluate", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Score a checkpoint on its model's test set: accuracy, per-class precision/recall, confusion matrix.")
final class EvaluateCommand implements Callable<Integer> {

    @Option(names = "--checkpoint", required = true, paramLabel = "FILE",
            description = "a checkpoint.safetensors written by ingot train or ingot finetune")
    Path checkpoint;

    @Option(names = "--backend", paramLabel = "NAME", defaultValue = "auto", description = "cpu, cuda or auto (default)")
    String backend;

    @Option(names = "--data-dir", paramLabel = "D",
            description = "dataset folder (default: $INGOT_DATA_DIR, else ~/.ingot/datasets)")
    String dataDir;

    @Option(names = "--batch-size", paramLabel = "B", defaultValue = "256", description = "images per batch (default 256)")
    int batchSize;

    @Option(names = "--no-download", description = "fail instead of downloading a missing dataset")
    boolean noDownload;

    @Option(names = "--dataset", paramLabel = "PATH",
            description = "score on the val/ (or test/) images of this image folder or pack, or on a built-in dataset's"
                    + " test set (default: the dataset the run trained on)")
    Path dataset;

    @Option(names = "--workers", paramLabel = "N", defaultValue = "2", description = "decoding threads for --dataset (default 2)")
    int workers;

    @Option(names = "--tta", paramLabel = "KIND", defaultValue = "none",
            description = "test-time augmentation: none, mirror, or mirror-translate (airbench: + 1-pixel shifts,"
                    + " reflect padding) (default ${DEFAULT-VALUE})")
    String tta;

    @Override
    public Integer call() throws IOException {
        if (!Files.isRegularFile(checkpoint)) {
            throw new IllegalArgumentException("--checkpoint: " + checkpoint + " is not a file");
        }
        Checkpoint c = Checkpoint.read(checkpoint);
        TrainCommand.warnIfUnchecked(c);
        Map<String, String> meta = c.metadata();
        String arch = meta.get(NetworkOptions.KEY_ARCH);
        ReferenceModel recipe = arch == null ? ReferenceModels.get(c.require("ingot.model")) : null;
        // What the run trained on: a recipe's built-in set by default; a finetune run always records it (a built-in
        // name, or the absolute path of an image folder or pack). --dataset overrides either.
        String trainedOn = recipe != null ? meta.getOrDefault("ingot.dataset", recipe.dataset()) : c.require("ingot.dataset");
        String builtIn;
        Path images;
        if (dataset != null) {
            builtIn = FinetuneCommand.builtInName(dataset);
            images = builtIn == null ? dataset : null;
        } else {
            builtIn = recipe != null && trainedOn.equals(recipe.dataset()) ? trainedOn : isBuiltIn(trainedOn) ? trainedOn : null;
            images = builtIn == null ? Path.of(trainedOn) : null;
        }
        if (recipe != null && builtIn != null && !builtIn.equals(recipe.dataset())) {
            throw new IllegalArgumentException("--dataset " + builtIn + ": " + recipe.name() + " trains on "
                    + recipe.dataset() + "; give an image folder or pack for another dataset");
        }
        Dataset test = images != null ? null
                : Datasets.load(builtIn, Split.TEST, DataDir.requireFolder(DataDir.resolve(dataDir), "--data-dir"), !noDownload);
        // Finetune reads images at the architecture's usual size unless the checkpoint says otherwise.
        int modelSize = recipe != null ? recipe.inputShape().dim(1) : Architectures.defaultImageSize(arch);
        int channels = recipe != null ? recipe.inputShape().dim(0) : 3;
        List<AutoCloseable> owned = new ArrayList<>();
        // A run trained through the image pipeline is scored the same way: its folder (or --dataset), size and normalisation.
        ImageLoader imageTest = images != null || meta.containsKey("ingot.transforms")
                ? ImageDatasetOptions.evaluationLoader(images, test, meta, channels, modelSize, batchSize, workers, owned)
                : null;
        if (imageTest != null) {
            owned.add(imageTest);
        }
        String testName = imageTest != null ? imageTest.name() : test.name();
        Shape input = imageTest != null ? Shape.of(imageTest.channels(), imageTest.height(), imageTest.width())
                : Shape.of(test.channels(), test.height(), test.width());
        if (recipe != null) {
            input = ImageDatasetOptions.inputShape(recipe, meta);
        }
        String name = recipe != null ? recipe.name() : arch;
        try (Backend b = Backends.get(backend);
             Model net = (recipe != null ? ImageDatasetOptions.model(recipe, meta)
                     : Architectures.create(arch, Integer.parseInt(c.require(NetworkOptions.KEY_CLASSES)))).build(b, input, 0);
             Trainer trainer = new Trainer(net, new CrossEntropyLoss(),
                     recipe != null ? recipe.newOptimizer() : new Adam(AdamSpec.withLearningRate(1e-3f)), 0)) {
            c.restoreWeights(net);
            trainer.testTimeAugmentation(TestTimeAugmentation.named(tta));
            long t0 = System.nanoTime();
            EvaluationReport report = imageTest != null ? trainer.evaluate(imageTest) : trainer.evaluate(test, batchSize);
            double s = (System.nanoTime() - t0) / 1e9;
            System.out.printf(Locale.ROOT, "%s (%s, %d epochs trained) on %s, %s:%n", name, checkpoint,
                    meta.containsKey(NetworkOptions.KEY_EPOCHS_TRAINED)
                            ? Integer.parseInt(meta.get(NetworkOptions.KEY_EPOCHS_TRAINED)) : c.progress().epoch(),
                    testName, b.description());
            System.out.print(report.format());
            System.out.printf(Locale.ROOT, "%naccuracy %.2f%% in %.1f s (%,.0f images/s)%n", 100 * report.accuracy(), s,
                    report.images() / s);
            return 0;
        } finally {
            for (AutoCloseable o : owned) {
                try {
                    o.close();
                } catch (Exception e) {
                    System.err.println("warning: closing " + o + ": " + e.getMessage());
                }
            }
        }
    }

    private static boolean isBuiltIn(String name) {
        try {
            Datasets.source(name);
            return true;
        } catch (IllegalArgumentException notBuiltIn) {
            return false;
        }
    }
}
