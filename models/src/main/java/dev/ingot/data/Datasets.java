package dev.ingot.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Loads the built-in datasets by name from a data folder, downloading a missing one on request.
 *
 * <pre>{@code
 * Path dir = DataDir.resolve(cliDataDir);                       // --data-dir, $INGOT_DATA_DIR, ~/.ingot/datasets
 * Dataset train = Datasets.load("mnist", Split.TRAIN, dir, true);
 * Dataset test = Datasets.load("mnist", Split.TEST, dir, true);
 * }</pre>
 */
public final class Datasets {
    private static final List<String> MNIST_CLASSES = List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");
    /** As listed in https://github.com/zalandoresearch/fashion-mnist ("Labels"). */
    private static final List<String> FASHION_CLASSES = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
            "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");
    private static final int MNIST_SIDE = 28;

    private Datasets() {
    }

    /** The names {@link #load} accepts. */
    public static List<String> names() {
        return List.of("mnist", "fashion-mnist", "cifar10");
    }

    /** Where the named dataset comes from ({@code "cifar-10"} is accepted for {@code "cifar10"}). */
    public static DatasetSource source(String name) {
        String key = name == null ? "" : name.strip().toLowerCase(Locale.ROOT);
        return switch (key) {
            case "mnist" -> DatasetSource.MNIST;
            case "fashion-mnist", "fashion_mnist", "fashionmnist" -> DatasetSource.FASHION_MNIST;
            case "cifar10", "cifar-10" -> DatasetSource.CIFAR10;
            default -> throw new IllegalArgumentException("unknown dataset '" + name + "'; known: " + names());
        };
    }

    /**
     * Loads one split of a dataset from {@code dataDir/<folder>/}.
     *
     * @param name     {@code "mnist"}, {@code "fashion-mnist"} or {@code "cifar10"}
     * @param download whether to download missing files (with a {@link DatasetDownloader#DatasetDownloader() default downloader})
     * @throws MissingDatasetException  if files are missing and cannot be (or may not be) downloaded
     * @throws CorruptDatasetException  if a file is damaged; the message names the file and byte offset
     */
    public static Dataset load(String name, Split split, Path dataDir, boolean download) {
        return load(name, split, dataDir, download ? new DatasetDownloader() : null);
    }

    /** {@link #load(String, Split, Path, boolean)} with a given downloader, or none ({@code null}). */
    public static Dataset load(String name, Split split, Path dataDir, DatasetDownloader downloader) {
        DatasetSource source = source(name);
        if (split == null || dataDir == null) {
            throw new IllegalArgumentException("Datasets.load: split and dataDir must not be null, got " + split + ", " + dataDir);
        }
        Path folder = dataDir.toAbsolutePath().normalize().resolve(source.folder());
        return source == DatasetSource.CIFAR10
                ? loadCifar10(split, folder, downloader)
                : loadIdx(source, split, folder, downloader);
    }

    private static Dataset loadIdx(DatasetSource source, Split split, Path folder, DatasetDownloader downloader) {
        List<RemoteFile> absent = new ArrayList<>();
        for (RemoteFile file : source.files()) {
            if (findIdx(folder, file) == null) {
                absent.add(file);
            }
        }
        String prefix = split == Split.TRAIN ? "train-" : "t10k-";
        boolean splitAbsent = absent.stream().anyMatch(f -> f.name().startsWith(prefix));
        if (splitAbsent) {
            fetchOrFail(source, split, folder, absent, downloader);
        }
        Path imagesFile = findIdx(folder, fileNamed(source, prefix + "images-idx3-ubyte.gz"));
        Path labelsFile = findIdx(folder, fileNamed(source, prefix + "labels-idx1-ubyte.gz"));
        int count = split == Split.TRAIN ? 60_000 : 10_000;
        byte[] images;
        int[] labels;
        try (DatasetInput in = DatasetInput.open(imagesFile)) {
            images = IdxReader.readImages(in, count, MNIST_SIDE, MNIST_SIDE);
        }
        try (DatasetInput in = DatasetInput.open(labelsFile)) {
            labels = IdxReader.readLabels(in, count, 10);
        }
        List<String> classes = source == DatasetSource.MNIST ? MNIST_CLASSES : FASHION_CLASSES;
        return Dataset.ofPixels(source.dataset() + "-" + split.label(), 1, MNIST_SIDE, MNIST_SIDE, images, labels, classes);
    }

    /** The file as published ({@code .gz}), else its decompressed twin, else {@code null}. */
    private static Path findIdx(Path folder, RemoteFile file) {
        String gz = file.name();
        return DatasetInput.find(folder, gz.substring(0, gz.length() - ".gz".length()));
    }

    private static RemoteFile fileNamed(DatasetSource source, String name) {
        return source.files().stream().filter(f -> f.name().equals(name)).findFirst().orElseThrow();
    }

    private static Dataset loadCifar10(Split split, Path folder, DatasetDownloader downloader) {
        if (Cifar10Reader.holdsBatches(folder, split)) {
            return Cifar10Reader.readFolder(folder, split);
        }
        Path extracted = folder.resolve(Cifar10Reader.EXTRACTED_FOLDER);
        if (Cifar10Reader.holdsBatches(extracted, split)) {
            return Cifar10Reader.readFolder(extracted, split);
        }
        Path tarball = folder.resolve(Cifar10Reader.TARBALL);
        if (!Files.isRegularFile(tarball)) {
            fetchOrFail(DatasetSource.CIFAR10, split, folder, DatasetSource.CIFAR10.files(), downloader);
        }
        return Cifar10Reader.readTarball(tarball, split);
    }

    private static void fetchOrFail(DatasetSource source, Split split, Path folder, List<RemoteFile> absent,
                                    DatasetDownloader downloader) {
        if (downloader == null) {
            throw MissingDatasetException.of(source, folder, absent, "Dataset '" + source.dataset() + "' ("
                    + split.label() + " split) is not in " + folder + ", and downloading is off.", List.of(), null);
        }
        downloader.download(source, folder, absent);
    }
}
