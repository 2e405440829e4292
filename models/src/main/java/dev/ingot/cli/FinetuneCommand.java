package dev.ingot.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ingot.core.Backend;
import dev.ingot.core.Backends;
import dev.ingot.core.Shape;
import dev.ingot.core.spec.AdamSpec;
import dev.ingot.data.Augmentation;
import dev.ingot.data.DataDir;
import dev.ingot.data.Dataset;
import dev.ingot.data.Datasets;
import dev.ingot.data.Split;
import dev.ingot.nn.Adam;
import dev.ingot.nn.CrossEntropyLoss;
import dev.ingot.nn.EpochMetrics;
import dev.ingot.nn.EvaluationReport;
import dev.ingot.nn.Graph;
import dev.ingot.nn.History;
import dev.ingot.nn.Parameter;
import dev.ingot.nn.Trainer;
import dev.ingot.nn.TrainingListener;
import dev.ingot.nn.checkpoint.Checkpoint;
import dev.ingot.transfer.Architectures;
import dev.ingot.transfer.InitialWeights;
import dev.ingot.transfer.ParameterGroups;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ingot finetune}: PyTorch weights (or an Ingot checkpoint of the same architecture) in, a
 * new head for the dataset's classes, then the two-stage recipe Keras' transfer-learning guide gives:
 * <ol>
 *   <li>the backbone frozen (its BatchNorms in inference mode), the head trained with Adam at
 *       {@code --lr} for {@code --head-epochs};</li>
 *   <li>everything unfrozen, the backbone at {@code --lr x --backbone-lr-scale} and the head at
 *       {@code --lr} (two parameter groups) for {@code --epochs}.</li>
 * </ol>
 * Writes what {@code train} writes: checkpoint.safetensors, metrics.json, training-curves.png.
 *
 * <p>The data is a built-in dataset ({@code --dataset cifar10}, the default) or, as for
 * {@code ingot train --dataset}, an image folder or pack streamed through the same
 * {@link ImageDatasetOptions} (the same {@code --image-size}, {@code --augment}, {@code --workers},
 * ... options and loaders); images are resized to the architecture's usual size
 * ({@link Architectures#defaultImageSize}) unless {@code --image-size} says otherwise.
 */
@Command(name = "finetune", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Fine-tune PyTorch weights on a dataset: new head, frozen-backbone stage, then all layers.")
final class FinetuneCommand implements Callable<Integer> {
    private static final String HEAD = "fc.";

    @Option(names = "--weights", required = true, paramLabel = "FILE",
            description = "PyTorch state dict (.safetensors, F32/F16/BF16), or a checkpoint of ingot train/finetune")
    Path weights;

    @Option(names = "--arch", required = true, paramLabel = "NAME", description = "resnet18, resnet34, resnet50, cifar-resnet20, ...")
    String arch;

    /** --dataset PATH (folder or pack) or a built-in name, --image-size, --augment, --workers, ... as for train. */
    @picocli.CommandLine.Mixin
    ImageDatasetOptions images = new ImageDatasetOptions();

    @Option(names = "--data-dir", paramLabel = "D", description = "dataset folder (default: $INGOT_DATA_DIR, else ~/.ingot/datasets)")
    String dataDir;

    @Option(names = "--head-epochs", paramLabel = "N", defaultValue = "1", description = "epochs with the backbone frozen (default 1)")
    int headEpochs;

    @Option(names = "--epochs", paramLabel = "N", defaultValue = "1", description = "epochs with every layer trained (default 1)")
    int epochs;

    @Option(names = "--lr", paramLabel = "R", defaultValue = "0.001", description = "Adam learning rate of the head (default 1e-3)")
    float lr;

    @Option(names = "--backbone-lr-scale", paramLabel = "S", defaultValue = "0.1",
            description = "the backbone's learning rate is lr x S in the second stage (default 0.1)")
    float backboneScale;

    @Option(names = "--batch-size", paramLabel = "B", defaultValue = "64", description = "default 64")
    int batchSize;

    @Option(names = "--limit-train", paramLabel = "N", description = "train on the first N training images only")
    Integer limitTrain;

    @Option(names = "--limit-test", paramLabel = "N", description = "score the first N test images only")
    Integer limitTest;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "42", description = "default 42")
    long seed;

    @Option(names = "--backend", paramLabel = "NAME", defaultValue = "auto", description = "cpu, cuda or auto (default)")
    String backend;

    @Option(names = "--output", required = true, paramLabel = "DIR", description = "folder for the checkpoint, metrics and curves")
    Path output;

    @Option(names = "--no-download", description = "fail instead of downloading a missing dataset")
    boolean noDownload;

    @Override
    public Integer call() throws IOException {
        if (headEpochs < 0 || epochs < 0 || headEpochs + epochs < 1) {
            throw new IllegalArgumentException("--head-epochs and --epochs must be >= 0 with at least one epoch in all");
        }
        if (!(lr > 0) || !(backboneScale > 0)) {
            throw new IllegalArgumentException("--lr and --backbone-lr-scale must be positive");
        }
        if (!Files.isRegularFile(weights)) {
            throw new IllegalArgumentException("--weights: " + weights + " is not a file");
        }
        long start = System.nanoTime();
        PrintStream out = System.out;
        int defaultSize = Architectures.defaultImageSize(arch);
        String builtIn = builtInName(images.dataset);
        if (builtIn != null) {
            images.dataset = null;   // a name, not a path: the built-in arrays
        }
        images.requireDatasetFor();
        if (images.enabled() && (limitTrain != null || limitTest != null)) {
            throw new IllegalArgumentException("--limit-train and --limit-test apply to the built-in datasets, not to"
                    + " --dataset " + images.dataset);
        }
        String dataset = builtIn != null ? builtIn : images.dataset.toAbsolutePath().toString();
        Files.createDirectories(output);
        ImageDatasetOptions.Pipelines pipelines = images.enabled()
                ? images.open(3, defaultSize, batchSize, seed, Augmentation.none(), out) : null;
        try {
            Dataset train = null;
            Dataset test = null;
            if (pipelines == null) {
                Path data = DataDir.resolve(dataDir);
                train = limit(Datasets.load(builtIn, Split.TRAIN, data, !noDownload), limitTrain, "--limit-train");
                test = limit(Datasets.load(builtIn, Split.TEST, data, !noDownload), limitTest, "--limit-test");
                if (images.pipelinesBuiltIn()) {
                    pipelines = images.wrap(train, test, batchSize, seed, out);
                }
            }
            return run(start, out, dataset, train, test, pipelines);
        } finally {
            if (pipelines != null) {
                pipelines.close();
            }
        }
    }

    private Integer run(long start, PrintStream out, String dataset, Dataset train, Dataset test,
                        ImageDatasetOptions.Pipelines pipelines) throws IOException {
        int classes = pipelines != null ? pipelines.train().classes().size() : train.classes().size();
        Shape input = pipelines != null
                ? Shape.of(pipelines.train().channels(), pipelines.train().height(), pipelines.train().width())
                : Shape.of(train.channels(), train.height(), train.width());
        int trainSize = pipelines != null ? pipelines.train().datasetSize() : train.size();
        int testSize = pipelines != null ? pipelines.validation().datasetSize() : test.size();
        try (Backend b = Backends.get(backend);
             Graph net = Architectures.create(arch, classes)) {
            net.build(b, input, seed);
            InitialWeights.Loaded loaded = InitialWeights.load(weights, net, true);
            if (!loaded.head().equals(HEAD)) {
                throw new IllegalStateException(arch + "'s classifier is '" + loaded.head() + "', not '" + HEAD + "'");
            }
            out.printf(Locale.ROOT, "%s from %s (%s): %d tensors loaded, new %d-class head '%s' (%s), %s%n", arch,
                    weights, loaded.format(), loaded.tensors(), classes, HEAD, dataset, b.description());
            List<String> backbone = net.parameters().stream().map(Parameter::name).filter(n -> !n.startsWith(HEAD)).toList();
            List<EpochMetrics> all = new ArrayList<>();
            Trainer last = null;
            Map<String, String> optimizerConfig = new LinkedHashMap<>();
            try {
                if (headEpochs > 0) {
                    net.freeze(backbone.toArray(String[]::new));
                    Trainer t = new Trainer(net, new CrossEntropyLoss(), new Adam(AdamSpec.withLearningRate(lr)), seed);
                    last = t;
                    long trainable = net.trainableParameters().stream().mapToLong(Parameter::size).sum();
                    out.printf(Locale.ROOT, "stage 1: backbone frozen (BatchNorm in inference mode), %,d trainable"
                            + " parameters, Adam lr %g, %d epoch(s)%n", trainable, lr, headEpochs);
                    History h = pipelines != null
                            ? t.fit(pipelines.train(), headEpochs, pipelines.validation(), printer(out, "head"))
                            : t.fit(train, headEpochs, batchSize, test, printer(out, "head"));
                    all.addAll(h.epochs());
                    optimizerConfig.put("stage1", t.optimizer().config().toString());
                    net.unfreeze(backbone.toArray(String[]::new));
                }
                if (epochs > 0) {
                    Trainer t = new Trainer(net, new CrossEntropyLoss(), new ParameterGroups(HEAD,
                            new Adam(AdamSpec.withLearningRate(lr)), new Adam(AdamSpec.withLearningRate(lr * backboneScale))),
                            seed + 1);
                    if (last != null) {
                        last.close();
                    }
                    last = t;
                    out.printf(Locale.ROOT, "stage 2: every layer, head lr %g, backbone lr %g, %d epoch(s)%n", lr,
                            lr * backboneScale, epochs);
                    History h = pipelines != null
                            ? t.fit(pipelines.train(), epochs, pipelines.validation(), printer(out, "all"))
                            : t.fit(train, epochs, batchSize, test, printer(out, "all"));
                    int offset = all.size();
                    for (EpochMetrics m : h.epochs()) {
                        all.add(new EpochMetrics(m.epoch() + offset, m.trainLoss(), m.trainAccuracy(), m.validationLoss(),
                                m.validationAccuracy(), m.imagesPerSecond(), m.seconds()));
                    }
                    optimizerConfig.put("stage2", t.optimizer().config().toString());
                }
                History history = new History(all);
                EvaluationReport report = pipelines != null ? last.evaluate(pipelines.validation())
                        : last.evaluate(test, batchSize);
                Map<String, String> meta = new LinkedHashMap<>();
                meta.put(NetworkOptions.KEY_ARCH, arch);
                meta.put(NetworkOptions.KEY_CLASSES, Integer.toString(classes));
                meta.put("ingot.dataset", dataset);
                meta.put("ingot.init_weights", weights.toString());
                // both stages (the checkpoint's own progress is the last stage's trainer)
                meta.put(NetworkOptions.KEY_EPOCHS_TRAINED, Integer.toString(headEpochs + epochs));
                if (pipelines != null) {   // what predict and evaluate need to prepare images the same way
                    meta.put("ingot.image_size", Integer.toString(pipelines.train().height()));
                    meta.put("ingot.transforms", pipelines.train().transforms().spec());
                }
                Checkpoint.save(output.resolve("checkpoint.safetensors"), last, meta);
                ObjectNode settings = MetricsFile.settings("finetune " + arch, dataset, b.name(), b.description(), seed,
                        batchSize, headEpochs + epochs, trainSize, testSize, net.parameterCount(), optimizerConfig,
                        pipelines != null && images.enabled() ? "the dataset's validation images after every epoch"
                                : "test set after every epoch");
                double seconds = (System.nanoTime() - start) / 1e9;
                MetricsFile.write(output.resolve("metrics.json"), settings, history, report, seconds, true);
                String wrote = "checkpoint.safetensors and metrics.json";
                try {
                    TrainingCurves.write(output.resolve("training-curves.png"), history, "finetune " + arch);
                    wrote = "checkpoint.safetensors, metrics.json and training-curves.png";
                } catch (IOException | RuntimeException | LinkageError e) {
                    System.err.println("ingot finetune: warning: training-curves.png not written: " + e.getMessage());
                }
                out.print("test set: " + report.format());
                out.printf(Locale.ROOT, "%nwrote %s in %s (%.1f s)%n", wrote, output, seconds);
                return 0;
            } finally {
                if (last != null) {
                    last.close();
                }
            }
        }
    }

    /**
     * {@code --dataset} as a built-in dataset's name ({@code cifar10} when not given), or null when it
     * is a path: an existing file or folder is always a path, so a folder called {@code cifar10}
     * in the working directory is read as images.
     */
    static String builtInName(Path dataset) {
        if (dataset == null) {
            return "cifar10";
        }
        if (Files.exists(dataset)) {
            return null;
        }
        String name = dataset.toString();
        try {
            Datasets.source(name);
            return name;
        } catch (IllegalArgumentException notBuiltIn) {
            throw new IllegalArgumentException("--dataset " + dataset + ": no such image folder or pack, and not a"
                    + " built-in dataset (" + String.join(", ", Datasets.names()) + ")");
        }
    }

    private static Dataset limit(Dataset d, Integer n, String option) {
        if (n == null) {
            return d;
        }
        if (n < 1 || n > d.size()) {
            throw new IllegalArgumentException(option + " must be within 1.." + d.size() + ", got " + n);
        }
        return d.subset(0, n);
    }

    private static TrainingListener printer(PrintStream out, String stage) {
        return new TrainingListener() {
            @Override
            public void epochFinished(EpochMetrics m, EvaluationReport validation) {
                out.printf(Locale.ROOT, "[%s] epoch %d: train loss %.4f, accuracy %.2f%%; test loss %.4f, accuracy %.2f%%"
                                + " (%.1f s, %.0f images/s)%n", stage, m.epoch(), m.trainLoss(), 100 * m.trainAccuracy(),
                        m.validationLoss(), 100 * m.validationAccuracy(), m.seconds(), m.imagesPerSecond());
            }
        };
    }
}
