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

import java.io.IOException;
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
            description = "a checkpoint.safetensors written by ingot train")
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
            description = "score on the val/ (or test/) images of this image folder or pack (default: the folder the run"
                    + " trained on with --dataset, else the model's test set)")
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
        ReferenceModel recipe = ReferenceModels.get(c.require("ingot.model"));
        // A run trained through the image pipeline is scored the same way: its folder (or --dataset), size and normalisation.
        String trainedOn = c.metadata().getOrDefault("ingot.dataset", recipe.dataset());
        Path images = dataset != null ? dataset : trainedOn.equals(recipe.dataset()) ? null : Path.of(trainedOn);
        Dataset test = images != null ? null : Datasets.load(recipe.dataset(), Split.TEST, DataDir.requireFolder(DataDir.resolve(dataDir), "--data-dir"), !noDownload);
        java.util.List<AutoCloseable> owned = new java.util.ArrayList<>();
        dev.ingot.data.ImageLoader imageTest = images != null || c.metadata().containsKey("ingot.transforms")
                ? ImageDatasetOptions.evaluationLoader(images, test, c.metadata(), recipe.inputShape().dim(0),
                recipe.inputShape().dim(1), batchSize, workers, owned) : null;
        if (imageTest != null) {
            owned.add(imageTest);
        }
        String testName = imageTest != null ? imageTest.name() : test.name();
        try (Backend b = Backends.get(backend);
             Model net = ImageDatasetOptions.model(recipe, c.metadata()).build(b,
                     ImageDatasetOptions.inputShape(recipe, c.metadata()), 0);
             Trainer trainer = new Trainer(net, new CrossEntropyLoss(), recipe.newOptimizer(), 0)) {
            c.restoreWeights(net);
            trainer.testTimeAugmentation(TestTimeAugmentation.named(tta));
            long t0 = System.nanoTime();
            EvaluationReport report = imageTest != null ? trainer.evaluate(imageTest) : trainer.evaluate(test, batchSize);
            double s = (System.nanoTime() - t0) / 1e9;
            System.out.printf(Locale.ROOT, "%s (%s, %d epochs trained) on %s, %s:%n", recipe.name(), checkpoint,
                    c.progress().epoch(), testName, b.description());
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
}
