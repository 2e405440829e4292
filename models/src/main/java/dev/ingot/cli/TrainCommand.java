package dev.ingot.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ingot.core.Backend;
import dev.ingot.core.Backends;
import dev.ingot.data.DataDir;
import dev.ingot.data.Dataset;
import dev.ingot.data.Datasets;
import dev.ingot.data.Split;
import dev.ingot.distributed.DistributedTraining;
import dev.ingot.models.ReferenceModel;
import dev.ingot.models.ReferenceModels;
import dev.ingot.nn.EpochMetrics;
import dev.ingot.nn.EvaluationReport;
import dev.ingot.nn.History;
import dev.ingot.nn.Model;
import dev.ingot.nn.Trainer;
import dev.ingot.nn.TrainingListener;
import dev.ingot.nn.TrainingProgress;
import dev.ingot.nn.checkpoint.Checkpoint;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code ingot train}: trains a reference model on its dataset, validating on the test set after
 * every epoch as the Keras originals do ({@code validation_data=(test_images, test_labels)}), and
 * writes into the output folder {@code checkpoint.safetensors} (after every epoch, atomically),
 * {@code metrics.json} and {@code training-curves.png}. {@code --resume} continues the run whose
 * checkpoint is in the output folder; Ctrl-C stops after the current step and saves a checkpoint to
 * resume from.
 */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Train a reference model on its dataset, validating on the test set after every epoch (as the"
                + " Keras originals do), and write a checkpoint, metrics.json and training curves into the output folder.")
final class TrainCommand implements Callable<Integer> {
    static final String CHECKPOINT = "checkpoint.safetensors";
    static final String METRICS = "metrics.json";
    static final String CURVES = "training-curves.png";
    @ParentCommand
    IngotCli cli;

    static final String VALIDATION = "the test set after every epoch, as the Keras originals do"
            + " (validation_data=(test_images, test_labels))";
    static final String IMAGE_VALIDATION = "the dataset's validation images after every epoch";

    @Option(names = "--model", required = true, paramLabel = "NAME",
            description = "mnist-mlp, mnist-cnn, cifar10-cnn, cifar10-resnet20 or cifar10-airbench94")
    String model;

    @Option(names = "--epochs", paramLabel = "N",
            description = "total epochs of the run (default: the original's: 5 for the MNIST models, 10 for cifar10-cnn,"
                    + " 50 for cifar10-resnet20, 10 for cifar10-airbench94)")
    Integer epochs;

    @Option(names = "--batch-size", paramLabel = "B",
            description = "images per step (default: the recipe's: 32, Keras' default, for the Keras models; 128 for"
                    + " cifar10-resnet20, 1024 for cifar10-airbench94)")
    Integer batchSize;

    @Option(names = "--backend", paramLabel = "NAME", defaultValue = "auto",
            description = "cpu, cuda or auto (the best available; default)")
    String backend;

    @Option(names = "--seed", paramLabel = "S",
            description = "seed of the initial weights, data order and dropout masks (default 42)")
    Long seed;

    @Option(names = "--output", required = true, paramLabel = "DIR",
            description = "folder for checkpoint.safetensors, metrics.json and training-curves.png")
    Path output;

    @Option(names = "--data-dir", paramLabel = "D",
            description = "dataset folder (default: $INGOT_DATA_DIR, else ~/.ingot/datasets)")
    String dataDir;

    @Option(names = "--resume", description = "continue the run whose checkpoint is in the output folder")
    boolean resume;

    @Option(names = "--limit-train", paramLabel = "N", description = "train on the first N training images only")
    Integer limitTrain;

    @Option(names = "--no-validation", description = "skip the per-epoch validation (the test set is scored once at the end)")
    boolean noValidation;

    @Option(names = "--checkpoint-every", paramLabel = "STEPS", defaultValue = "0",
            description = "also save a checkpoint every STEPS steps (default 0: after each epoch only)")
    int checkpointEvery;

    @Option(names = "--no-download", description = "fail instead of downloading a missing dataset")
    boolean noDownload;

    @Option(names = "--init-weights", paramLabel = "FILE",
            description = "start from these weights instead of a random initialisation: a PyTorch state dict as"
                    + " .safetensors (torchvision names; cifar10-resnet20 has the CIFAR ResNet's) or an Ingot checkpoint")
    Path initWeights;

    @Option(names = "--new-head", description = "with --init-weights: keep the classifier (the last layer) freshly"
            + " initialised instead of loading it, for weights trained on other classes")
    boolean newHead;

    @Option(names = "--no-progress", description = "no progress bar (it is also off when the output is not a terminal)")
    boolean noProgress;

    @Option(names = "--no-curves", description = "do not draw " + CURVES + " (metrics.json holds the same numbers)")
    boolean noCurves;

    /** Whether a curves warning was printed already (once per run is enough). */
    private boolean curvesWarned;

    @Option(names = "--distributed", paramLabel = "KIND", defaultValue = "none",
            description = "none (default); mpi: data-parallel over the ranks of an mpirun/srun job, --batch-size being"
                    + " the global batch; nccl: the same with gradients reduced on the GPU by NCCL")
    String distributed;

    @Option(names = "--collective-timeout", paramLabel = "SECONDS", defaultValue = "300",
            description = "with --distributed: stop every rank when one waits this long for the others (default 300)")
    double collectiveTimeout;

    @Option(names = "--bucket-cap-mb", paramLabel = "MB", defaultValue = "0.25",
            description = "with --distributed: the largest bucket of gradients all-reduced in one call, in MiB"
                    + " (default 0.25; PyTorch DDP's bucket_cap_mb)")
    double bucketCapMb;

    @Option(names = "--no-gradient-overlap", description = "with --distributed: all-reduce the gradients after the"
            + " whole backward pass instead of bucket by bucket during it")
    boolean noGradientOverlap;

    /** Whether this process writes the run's files: always, except on ranks other than 0 of a distributed run. */
    private boolean writer = true;

    @picocli.CommandLine.Mixin
    ImageDatasetOptions images = new ImageDatasetOptions();

    @Mixin
    RecipeOptions recipeOptions = new RecipeOptions();

    @Override
    public Integer call() throws IOException {
        if (distributed.equals("none")) {
            return train(null);
        }
        if (!(bucketCapMb > 0) || bucketCapMb > 2048) { // checked before MPI starts: every rank fails alike
            throw new IllegalArgumentException("--bucket-cap-mb must be in (0, 2048], got " + bucketCapMb);
        }
        try (DistributedTraining dist = DistributedTraining.open(distributed, collectiveTimeout)) {
            try {
                return train(dist);
            } catch (RuntimeException | IOException | Error e) {
                dist.abortOthers(e); // the other ranks would otherwise wait in their next collective
                throw e;
            }
        }
    }

    private Integer train(DistributedTraining dist) throws IOException {
        long start = System.nanoTime();
        writer = dist == null || dist.writes();
        PrintStream out = writer ? System.out : DistributedTraining.SILENT;
        ReferenceModel recipe = ReferenceModels.get(model);
        if (Files.exists(output) && !Files.isDirectory(output)) {
            throw new IllegalArgumentException("--output " + output + " is a file, not a folder");
        }
        if (checkpointEvery < 0) {
            throw new IllegalArgumentException("--checkpoint-every must be 0 (off) or a number of steps, got "
                    + checkpointEvery);
        }
        try {
            Files.createDirectories(output);
        } catch (IOException e) {
            throw new IllegalArgumentException("--output " + output + " cannot be created: " + IngotCli.describe(e), e);
        }
        Path checkpointFile = output.resolve(CHECKPOINT);
        if (initWeights != null && resume) {
            throw new IllegalArgumentException("--init-weights starts a new run from those weights; --resume continues"
                    + " the run in " + output + " from its checkpoint: give one of them");
        }
        if (newHead && initWeights == null) {
            throw new IllegalArgumentException("--new-head goes with --init-weights FILE");
        }
        if (initWeights != null && !Files.isRegularFile(initWeights)) {
            throw new IllegalArgumentException("--init-weights: " + initWeights + " is not a file");
        }
        Checkpoint checkpoint = resume ? readForResume(checkpointFile, recipe) : null;
        long runSeed = checkpoint != null ? checkpoint.seed() : seed != null ? seed : 42L;
        TrainingProgress resumed = checkpoint != null ? checkpoint.progress() : null;
        int runBatch = resumed != null && resumed.batchSize() > 0 ? resumed.batchSize()
                : batchSize != null ? batchSize : recipe.batchSize();
        int runEpochs = epochs != null ? epochs : recipe.epochs();
        if (checkpoint != null) {
            requireSame("--seed", seed, runSeed);
            requireSame("--batch-size", batchSize == null ? null : (long) batchSize, runBatch);
        }
        if (runEpochs < 1 || runBatch < 1) {
            throw new IllegalArgumentException("--epochs and --batch-size must be at least 1, got " + runEpochs + " and "
                    + runBatch);
        }
        if (!resume && Files.exists(checkpointFile)) {
            throw new IllegalArgumentException(checkpointFile + " exists: add --resume to continue that run, or choose"
                    + " another --output folder");
        }
        // --dataset: batches stream from an image folder or pack through ImageLoaders instead of the built-in arrays.
        images.requireDatasetFor();
        if (images.enabled() && limitTrain != null) {
            throw new IllegalArgumentException("--limit-train applies to the built-in datasets, not to --dataset");
        }
        ImageDatasetOptions.Pipelines pipelines = images.enabled() ? images.open(recipe.inputShape().dim(0),
                recipe.inputShape().dim(1), runBatch, runSeed, recipe.augmentation(), out) : null;
        Path data = pipelines != null ? null : DataDir.requireFolder(DataDir.resolve(dataDir), "--data-dir");
        Dataset train = pipelines != null ? null : Datasets.load(recipe.dataset(), Split.TRAIN, data, !noDownload);
        Dataset test = pipelines != null ? null : Datasets.load(recipe.dataset(), Split.TEST, data, !noDownload);
        if (limitTrain != null) {
            if (limitTrain < 1 || limitTrain > train.size()) {
                throw new IllegalArgumentException("--limit-train must be within 1.." + train.size() + ", got "
                        + limitTrain);
            }
            train = train.subset(0, limitTrain);
        }
        if (pipelines == null && images.pipelinesBuiltIn()) {
            pipelines = images.wrap(train, test, runBatch, runSeed, out);
        }
        int trainSize = pipelines != null ? pipelines.train().datasetSize() : train.size();
        int testSize = pipelines != null ? pipelines.validation().datasetSize() : test.size();
        if (resumed != null && resumed.trainImages() > 0 && resumed.trainImages() != trainSize) {
            throw new IllegalArgumentException("the checkpoint's run trained on " + resumed.trainImages()
                    + " images but this one has " + trainSize + " (use the same --limit-train or --dataset)");
        }

        try (Backend b = Backends.get(backend);
             Model net = initialWeights(initialized(recipe, ImageDatasetOptions.model(recipe, pipelines).build(b,
                     ImageDatasetOptions.inputShape(recipe, pipelines), runSeed), train), out);
             Trainer trainer = new Trainer(net, recipeOptions.loss(train, recipe),
                     recipeOptions.optimizer(recipe, (trainSize + runBatch - 1) / runBatch, runEpochs), runSeed)) {
            trainer.augmentation(recipe.augmentation());
            trainer.testTimeAugmentation(recipeOptions.testTimeAugmentation(recipe));
            if (checkpoint != null) {
                checkpoint.restore(trainer);
            }
            if (dist != null) {
                dist.attach(trainer, net, Math.max(4, (long) (bucketCapMb * (1 << 20))), !noGradientOverlap);
                out.println(dist.description());
            }
            out.printf(Locale.ROOT, "%s on %s: %,d training images, %,d test images, batch size %d, seed %d%n",
                    recipe.name(), b.description(), trainSize, testSize, runBatch, runSeed);
            out.print(net.summary());
            String validation = noValidation ? "none" : images.enabled() ? IMAGE_VALIDATION : VALIDATION;
            out.println("validation: " + (noValidation ? "none per epoch; the test set is scored at the end" : validation));
            if (checkpoint != null) {
                out.printf(Locale.ROOT, "resuming %s at epoch %d, step %d%n", checkpointFile,
                        resumed.epoch() + 1, resumed.step());
            }
            // An image folder or pack is named by its path: the recipe's own dataset was not what trained.
            String dataset = images.enabled() ? images.dataset.toAbsolutePath().toString() : recipe.dataset();
            ObjectNode settings = MetricsFile.settings(recipe.name(), dataset, b.name(), b.description(), runSeed,
                    runBatch, runEpochs, trainSize, testSize, net.parameterCount(), trainer.optimizer().config(),
                    validation);
            Map<String, String> meta = new LinkedHashMap<>();
            meta.put("ingot.model", recipe.name());
            meta.put("ingot.dataset", dataset);
            if (pipelines != null) {   // what `ingot evaluate` needs to prepare images the same way
                meta.put("ingot.image_size", Integer.toString(pipelines.train().height()));
                meta.put("ingot.transforms", pipelines.train().transforms().spec());
                meta.put("ingot.classes", Integer.toString(pipelines.train().classes().size()));
            }
            meta.put("ingot.backend", b.name());
            if (initWeights != null) {
                meta.put("ingot.init_weights", initWeights.toAbsolutePath().toString());
            }
            boolean bar = !noProgress && System.console() != null && System.console().isTerminal();
            ProgressDisplay display = new ProgressDisplay(out, bar, runBatch, trainSize);
            if (pipelines != null) {
                display.pipelineRate(pipelines.train()::currentPipelineImagesPerSecond);
            }
            Checkpointing hooks = new Checkpointing(display, trainer, checkpointFile, meta, settings, start);

            // Ctrl-C (or kill): finish the step, save, say so, then let the JVM exit.
            Thread stopper = new Thread(() -> {
                trainer.requestStop();
                try {
                    if (!cli.awaitFinished(120)) {
                        System.err.println("ingot train: no checkpoint saved after the interrupt;"
                                + " --resume continues from the last periodic one");
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "ingot-train-interrupt");
            Runtime.getRuntime().addShutdownHook(stopper);
            try {
                History history;
                try {
                    history = pipelines != null
                            ? trainer.fit(pipelines.train(), runEpochs, noValidation ? null : pipelines.validation(), hooks)
                            : trainer.fit(train, runEpochs, runBatch, noValidation ? null : test, hooks);
                } finally {
                    display.closeBar();
                }
                if (history.epochs().size() < runEpochs) {
                    if (writer) {
                        Checkpoint.save(checkpointFile, trainer, meta);
                        MetricsFile.write(output.resolve(METRICS), settings, history, null, seconds(start), false);
                    }
                    out.printf("stopped at epoch %d, step %d; checkpoint saved: continue with --resume%n",
                            trainer.progress().epoch() + 1, trainer.progress().step());
                    return 130;
                }
                EvaluationReport report = hooks.lastValidation() != null ? hooks.lastValidation()
                        : pipelines != null ? trainer.evaluate(pipelines.validation()) : trainer.evaluate(test, runBatch);
                boolean curves = false;
                if (writer) {
                    Checkpoint.save(checkpointFile, trainer, meta);
                    MetricsFile.write(output.resolve(METRICS), settings, history, report, seconds(start), true);
                    curves = writeCurves(output.resolve(CURVES), history, recipe.name());
                }
                if (dist != null) {
                    out.println(dist.reduceSummary());
                }
                out.println();
                out.print("test set: " + report.format());
                out.printf(Locale.ROOT, "%nwrote %s in %s (%.1f s)%n", curves
                        ? CHECKPOINT + ", " + METRICS + " and " + CURVES : CHECKPOINT + " and " + METRICS, output,
                        seconds(start));
                return 0;
            } finally {
                removeHook(stopper);
                if (pipelines != null) {
                    pipelines.close();
                }
            }
        }
    }

    /**
     * Draws the training curves unless {@code --no-curves}. A picture is never worth a training run:
     * where it cannot be drawn (a Java runtime without {@code java.desktop}, as the small jlinked one
     * for GPU machines; a full disk) the run goes on with a warning on stderr, printed once.
     *
     * @return whether the PNG was written
     */
    private boolean writeCurves(Path png, History history, String title) {
        if (noCurves) {
            return false;
        }
        String problem = null;
        if (ModuleLayer.boot().findModule("java.desktop").isEmpty()) {
            problem = "this Java runtime has no java.desktop module (AWT), which drawing needs";
        } else {
            try {
                TrainingCurves.write(png, history, title);
                return true;
            } catch (IOException | RuntimeException | LinkageError e) {
                // LinkageError: AWT classes that fail to load or link (a headless runtime missing its native part)
                problem = e.getClass().getSimpleName() + ": " + e.getMessage();
            }
        }
        if (!curvesWarned) {
            curvesWarned = true;
            System.err.println("ingot train: warning: " + png.getFileName() + " not written (" + problem
                    + "); training goes on, metrics.json holds the same numbers; --no-curves skips the picture");
        }
        return false;
    }

    /** The built model with {@code --init-weights} loaded into it, if given; closed if that fails. */
    /**
     * The recipe's initialisation (airbench's whitening and Dirac weights), run before --init-weights
     * and --resume, which overwrite what it sets with what the user gave.
     */
    private static Model initialized(ReferenceModel recipe, Model built, Dataset train) {
        try {
            recipe.initialize(built, train);
            return built;
        } catch (RuntimeException e) {
            built.close();
            throw e;
        }
    }

    private Model initialWeights(Model built, PrintStream out) throws IOException {
        if (initWeights == null) {
            return built;
        }
        try {
            out.println(dev.ingot.transfer.InitialWeights.load(initWeights, built, newHead).describe(initWeights));
            return built;
        } catch (RuntimeException | IOException e) {
            built.close();
            throw e;
        }
    }

    private static Checkpoint readForResume(Path file, ReferenceModel recipe) throws IOException {
        if (!Files.exists(file)) {
            throw new IllegalArgumentException("--resume: there is no " + file + " to resume from");
        }
        Checkpoint c = Checkpoint.read(file);
        String saved = c.require("ingot.model");
        if (!saved.equals(recipe.name())) {
            throw new IllegalArgumentException("--resume: " + file + " is a checkpoint of " + saved + ", not of "
                    + recipe.name());
        }
        warnIfUnchecked(c);
        return c;
    }

    /** One line on stderr for a checkpoint of an earlier version, whose metadata had no checksum. */
    static void warnIfUnchecked(Checkpoint c) {
        if (!c.headerChecked()) {
            System.err.println("ingot: warning: " + c.file() + " is a " + Checkpoint.FORMAT_UNCHECKED_HEADER
                    + " file from an earlier version: its weights are checksummed but its header (seed, progress,"
                    + " history) is not; saving it again adds the header checksum");
        }
    }

    private static void requireSame(String option, Long given, long saved) {
        if (given != null && given != saved) {
            throw new IllegalArgumentException("--resume: " + option + " " + given + " differs from the checkpoint's "
                    + saved + "; leave it out to continue with the checkpoint's value");
        }
    }

    private static void removeHook(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // The JVM is exiting (Ctrl-C): the hook is running and waits for our checkpoint.
        }
    }

    private static double seconds(long start) {
        return (System.nanoTime() - start) / 1e9;
    }

    /**
     * The listener {@code fit} calls: shows progress, and after each epoch (and every
     * {@code --checkpoint-every} steps) saves the checkpoint, metrics and curves, so that a crash
     * loses at most that much work.
     */
    private final class Checkpointing implements TrainingListener {
        private final ProgressDisplay display;
        private final Trainer trainer;
        private final Path file;
        private final Map<String, String> meta;
        private final ObjectNode settings;
        private final long start;
        private EvaluationReport lastValidation;

        Checkpointing(ProgressDisplay display, Trainer trainer, Path file, Map<String, String> meta,
                      ObjectNode settings, long start) {
            this.display = display;
            this.trainer = trainer;
            this.file = file;
            this.meta = meta;
            this.settings = settings;
            this.start = start;
        }

        EvaluationReport lastValidation() {
            return lastValidation;
        }

        @Override
        public void epochStarted(int epoch, int epochs, int steps, int firstStep) {
            display.epochStarted(epoch, epochs, steps, firstStep);
        }

        @Override
        public void stepFinished(int epoch, int step, int steps, long images, double loss, double accuracy) {
            display.stepFinished(epoch, step, steps, images, loss, accuracy);
            if (checkpointEvery > 0 && trainer.progress().globalStep() % checkpointEvery == 0 && step < steps) {
                save(false);
            }
        }

        @Override
        public void validationStarted(int epoch) {
            display.validationStarted(epoch);
        }

        @Override
        public void epochFinished(EpochMetrics metrics, EvaluationReport validation) {
            display.epochFinished(metrics, validation);
            lastValidation = validation;
            save(true);
        }

        private void save(boolean curves) {
            if (!writer) {
                return; // rank 0 alone writes: a checkpoint is never written by two processes
            }
            try {
                Checkpoint.save(file, trainer, meta);
                MetricsFile.write(output.resolve(METRICS), settings, trainer.history(), null, seconds(start), false);
                if (curves) {
                    writeCurves(output.resolve(CURVES), trainer.history(), model);
                }
            } catch (IOException e) {
                throw new java.io.UncheckedIOException("cannot save the checkpoint to " + file + ": " + e.getMessage(), e);
            }
        }
    }
}
