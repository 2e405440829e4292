package dev.ingot.cli;

import dev.ingot.data.BadImagePolicy;
import dev.ingot.data.ImageFolder;
import dev.ingot.data.ImageLoader;
import dev.ingot.data.ImagePack;
import dev.ingot.data.ImageRecords;
import dev.ingot.data.ImageTransforms;
import dev.ingot.data.PackedImages;
import dev.ingot.data.image.TurboJpeg;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The options of {@code ingot train} that take an image dataset from disk instead of a built-in
 * one: {@code --dataset} (an image folder or a packed file), {@code --image-size},
 * {@code --augment}, {@code --workers}, {@code --bad-images}, {@code --validation-split},
 * {@code --balance-classes}. Used as a picocli mixin so the train command stays small.
 */
final class ImageDatasetOptions {
    /** {@code --bad-images}, which {@code ingot pack} takes too. */
    static final Choices<BadImagePolicy> BAD_IMAGES = Choices.of("--bad-images", BadImagePolicy.class);

    @Option(names = "--dataset", paramLabel = "PATH",
            description = "train on an image folder (PATH/<class>/<image>, or PATH/train + PATH/val|test) or a file"
                    + " written by `ingot pack`, instead of the model's built-in dataset")
    Path dataset;

    @Option(names = "--image-size", paramLabel = "N",
            description = "with --dataset: images are resized (shorter side) and centre-cropped to N x N"
                    + " (default: the model's input size)")
    Integer imageSize;

    @Option(names = "--augment", paramLabel = "SPEC",
            description = "training transforms (after the resize with --dataset; on a built-in dataset too), e.g. pad-crop:4,hflip or"
                    + " random-resized-crop:224,hflip,jitter:0.4,normalize:imagenet (resize, center-crop,"
                    + " random-resized-crop, hflip, alternating-flip (airbench's: one coin per image, reversed on odd"
                    + " epochs), rotate, jitter, pad-crop, translate (reflect padding), normalize)")
    String augment;

    @Option(names = "--workers", paramLabel = "N", defaultValue = "2",
            description = "with --dataset or --augment: decoding/transform threads (default 2); results do not depend on it")
    int workers;

    @Option(names = "--bad-images", paramLabel = "fail|skip", defaultValue = "fail",
            description = "with --dataset: stop at an unreadable image (default), or skip it with a warning")
    String badImages;

    @Option(names = "--validation-split", paramLabel = "F", defaultValue = "0",
            description = "with --dataset and no train/ val/ folders: hold out this fraction (seeded) for validation")
    double validationSplit;

    @Option(names = "--balance-classes",
            description = "draw training images with a weighted sampler that balances the classes")
    boolean balanceClasses;

    /** The opened training and validation pipelines (validation may be null); closes both. */
    record Pipelines(ImageLoader train, ImageLoader validation, AutoCloseable resources) implements AutoCloseable {
        @Override
        public void close() {
            try {
                train.close();
                if (validation != null) {
                    validation.close();
                }
            } finally {
                try {
                    resources.close();
                } catch (Exception e) {
                    throw new IllegalStateException("cannot close the dataset: " + e.getMessage(), e);
                }
            }
        }
    }

    boolean enabled() {
        return dataset != null;
    }

    /**
     * Opens the dataset as loaders producing {@code channels x size x size} batches, prints what it
     * found and how JPEGs are decoded.
     */
    Pipelines open(int channels, int modelSize, int batchSize, long seed, dev.ingot.data.Augmentation recipeAugmentation,
                   PrintStream out) {
        int size = imageSize != null ? imageSize : modelSize;
        if (size <= 0) {
            throw new IllegalArgumentException("--image-size must be positive, got " + size);
        }
        BadImagePolicy policy = BAD_IMAGES.parse(badImages);
        ImageRecords train;
        ImageRecords validation;
        List<AutoCloseable> owned = new ArrayList<>();
        if (ImagePack.isPack(dataset)) {
            List<String> splits = PackedImages.splits(dataset);
            PackedImages t = PackedImages.open(dataset, splits.contains("train") ? "train" : splits.getFirst());
            owned.add(t);
            train = t;
            String v = splits.stream().filter(s -> List.of("val", "validation", "test").contains(s)).findFirst().orElse(null);
            PackedImages p = v == null ? null : PackedImages.open(dataset, v);
            if (p != null) {
                owned.add(p);
            }
            validation = p;
        } else {
            ImageFolder.Splits s = ImageFolder.open(dataset, validationSplit, seed, policy,
                    message -> System.err.println("warning: " + message));
            train = s.train();
            validation = s.validation();
        }
        if (validation == null) {
            throw new IllegalArgumentException("--dataset " + dataset + " has no validation images: add val/ (or test/)"
                    + " beside train/, or hold some out with --validation-split 0.1");
        }
        ImageTransforms evaluation = ImageTransforms.evaluation(size);
        // Without --augment the recipe's own augmentation applies (cifar10-resnet20: pad 4, crop, flip; airbench94:
        // reflect translate 2, alternating flip), as in-memory.
        String spec = augment != null ? augment : specOf(recipeAugmentation);
        ImageTransforms training = evaluation.then(ImageTransforms.parse(spec));
        ImageTransforms validationTransforms = evaluation.withNormalization(training.mean(), training.std());
        ImageLoader trainLoader = ImageLoader.builder(train, channels, size, size).batchSize(batchSize).seed(seed)
                .transforms(training).workers(workers).badImages(policy)
                .sampleWeights(balanceClasses ? ImageLoader.balancedWeights(train) : null).build();
        ImageLoader validationLoader = validation == null ? null
                : ImageLoader.builder(validation, channels, size, size).batchSize(batchSize).shuffle(false).seed(seed)
                .transforms(validationTransforms).workers(workers).badImages(policy).build();
        out.printf(Locale.ROOT, "dataset %s: %,d training images%s, %d classes, %dx%dx%d, %d workers, JPEG: %s%n",
                dataset, train.size(), validation == null ? " (no validation set)"
                        : String.format(Locale.ROOT, ", %,d validation images", validation.size()),
                train.classes().size(), channels, size, size, workers,
                TurboJpeg.available() ? "TurboJPEG" : "javax.imageio (TurboJPEG " + TurboJpeg.status() + ")");
        out.println("training transforms: " + training.spec() + (balanceClasses ? ", class-balanced sampling" : ""));
        return new Pipelines(trainLoader, validationLoader, () -> {
            for (AutoCloseable c : owned) {
                c.close();
            }
        });
    }

    /** A recipe's in-memory augmentation as pipeline transforms. */
    static String specOf(dev.ingot.data.Augmentation a) {
        List<String> steps = new ArrayList<>();
        if (a.randomCrop()) {
            steps.add((a.reflectPadding() ? "translate:" : "pad-crop:") + a.cropPadding());
        }
        if (a.horizontalFlip()) {
            steps.add(a.alternatingFlip() ? "alternating-flip" : "hflip");
        }
        return String.join(",", steps);
    }

    /** Unused-option check: most image options need --dataset; --augment also works on the built-in sets. */
    void requireDatasetFor() {
        if (dataset == null && (imageSize != null || validationSplit != 0)) {
            throw new IllegalArgumentException("--image-size and --validation-split apply to --dataset PATH only");
        }
    }

    /** Whether a built-in dataset should go through the image pipeline (for --augment or --balance-classes). */
    boolean pipelinesBuiltIn() {
        return dataset == null && (augment != null || balanceClasses);
    }

    /**
     * A built-in dataset through the image pipeline, so {@code --augment} and {@code --balance-classes}
     * apply to it: its bytes (uint8, a quarter of the float arrays) served by {@link InMemoryImages}.
     * Without transforms the batches equal the plain loader's, bit for bit.
     */
    Pipelines wrap(dev.ingot.data.Dataset train, dev.ingot.data.Dataset test, int batchSize, long seed, PrintStream out) {
        ImageRecords t = dev.ingot.data.InMemoryImages.of(train);
        ImageRecords v = dev.ingot.data.InMemoryImages.of(test);
        ImageTransforms training = ImageTransforms.parse(augment);
        ImageTransforms validationTransforms = ImageTransforms.none().withNormalization(training.mean(), training.std());
        ImageLoader trainLoader = ImageLoader.builder(t, train.channels(), train.height(), train.width())
                .batchSize(batchSize).seed(seed).transforms(training).workers(workers)
                .sampleWeights(balanceClasses ? ImageLoader.balancedWeights(t) : null).build();
        ImageLoader validationLoader = ImageLoader.builder(v, test.channels(), test.height(), test.width())
                .batchSize(batchSize).shuffle(false).seed(seed).transforms(validationTransforms).workers(workers).build();
        out.println("training transforms: " + training.spec() + (balanceClasses ? ", class-balanced sampling" : "")
                + " (" + workers + " workers)");
        return new Pipelines(trainLoader, validationLoader, () -> { });
    }

    /**
     * The evaluation pipeline for a checkpoint trained through images: the validation (or test)
     * records of {@code dataset} (an image folder or pack), or of the built-in {@code builtIn} when
     * {@code dataset} is null, resized and centre-cropped to the training size and normalised as
     * the training transforms were ({@code ingot.image_size}, {@code ingot.transforms} in the
     * checkpoint's metadata).
     */
    static ImageLoader evaluationLoader(Path dataset, dev.ingot.data.Dataset builtIn, java.util.Map<String, String> meta,
                                        int channels, int modelSize, int batchSize, int workers, List<AutoCloseable> owned) {
        ImageTransforms trained = ImageTransforms.parse(meta.getOrDefault("ingot.transforms", ""));
        if (builtIn != null) {
            return ImageLoader.builder(dev.ingot.data.InMemoryImages.of(builtIn), builtIn.channels(), builtIn.height(),
                    builtIn.width()).batchSize(batchSize).shuffle(false).workers(workers)
                    .transforms(ImageTransforms.none().withNormalization(trained.mean(), trained.std())).build();
        }
        int size = meta.containsKey("ingot.image_size") ? Integer.parseInt(meta.get("ingot.image_size")) : modelSize;
        ImageRecords records;
        if (ImagePack.isPack(dataset)) {
            List<String> splits = PackedImages.splits(dataset);
            String v = splits.stream().filter(x -> List.of("val", "validation", "test").contains(x)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("pack " + dataset + " has no val or test split (it has "
                            + splits + ")"));
            PackedImages p = PackedImages.open(dataset, v);
            owned.add(p);
            records = p;
        } else {
            ImageFolder.Splits s = ImageFolder.open(dataset, 0, 0, BadImagePolicy.FAIL,
                    message -> System.err.println("warning: " + message));
            if (s.validation() == null) {
                throw new IllegalArgumentException("--dataset " + dataset + " has no val/ or test/ folder to evaluate on");
            }
            records = s.validation();
        }
        return ImageLoader.builder(records, channels, size, size).batchSize(batchSize).shuffle(false).workers(workers)
                .transforms(ImageTransforms.evaluation(size).withNormalization(trained.mean(), trained.std())).build();
    }

    /**
     * The recipe's model, with its classifier sized to the dataset's classes where the architecture
     * allows it: the CIFAR ResNets (global average pooling, then the dense head) take any class count
     * and image size; other recipes keep their head, and a mismatch is the trainer's clear error.
     */
    static dev.ingot.nn.Model model(dev.ingot.models.ReferenceModel recipe, Pipelines pipelines) {
        return model(recipe, pipelines == null ? -1 : pipelines.train().classes().size());
    }

    /** {@link #model(ReferenceModel, Pipelines)} for a checkpoint, from its {@code ingot.classes}. */
    static dev.ingot.nn.Model model(dev.ingot.models.ReferenceModel recipe, java.util.Map<String, String> meta) {
        return model(recipe, meta.containsKey("ingot.classes") ? Integer.parseInt(meta.get("ingot.classes")) : -1);
    }

    private static dev.ingot.nn.Model model(dev.ingot.models.ReferenceModel recipe, int classes) {
        if (classes > 0 && classes != 10 && recipe.name().equals("cifar10-resnet20")) {
            return dev.ingot.models.ResNets.cifarResNet(3, classes);
        }
        return recipe.newModel();
    }

    /** The model's input: the recipe's channels at the pipeline's image size. */
    static dev.ingot.core.Shape inputShape(dev.ingot.models.ReferenceModel recipe, Pipelines pipelines) {
        dev.ingot.core.Shape shape = recipe.inputShape();
        return pipelines == null ? shape
                : dev.ingot.core.Shape.of(shape.dim(0), pipelines.train().height(), pipelines.train().width());
    }

    /** {@link #inputShape(ReferenceModel, Pipelines)} for a checkpoint, from its {@code ingot.image_size}. */
    static dev.ingot.core.Shape inputShape(dev.ingot.models.ReferenceModel recipe, java.util.Map<String, String> meta) {
        dev.ingot.core.Shape shape = recipe.inputShape();
        if (!meta.containsKey("ingot.image_size")) {
            return shape;
        }
        int size = Integer.parseInt(meta.get("ingot.image_size"));
        return dev.ingot.core.Shape.of(shape.dim(0), size, size);
    }
}
