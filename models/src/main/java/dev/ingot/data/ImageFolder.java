package dev.ingot.data;

import dev.ingot.data.image.ImageDecodeException;
import dev.ingot.data.image.ImageDecoding;
import dev.ingot.data.image.UInt8Image;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * A folder of images, one sub-folder per class: {@code root/<class>/<file>} (files may sit deeper
 * in the class folder), the layout of torchvision's {@code ImageFolder} and Keras'
 * {@code image_dataset_from_directory}. Classes are the sub-folder names in sorted order, files are
 * visited in sorted path order, so label numbers and indices are the same on every machine.
 *
 * <p>Only the file list is held in memory; each {@link #read} loads and decodes one file. Files
 * whose extension is not an image's ({@link #EXTENSIONS}) and hidden files are left out with one
 * warning that counts them; zero-byte image files are caught while scanning and handled by the
 * {@link BadImagePolicy}; damaged files are found when decoded.
 */
public final class ImageFolder implements ImageRecords {
    /** The extensions read as images (lower case): what TurboJPEG and {@code javax.imageio} decode. */
    public static final Set<String> EXTENSIONS = Set.of("jpg", "jpeg", "jpe", "jfif", "png", "bmp", "gif", "tif",
            "tiff", "wbmp");

    private final String name;
    private final List<String> classes;
    private final Path[] files;
    private final int[] labels;

    private ImageFolder(String name, List<String> classes, Path[] files, int[] labels) {
        this.name = name;
        this.classes = List.copyOf(classes);
        this.files = files;
        this.labels = labels;
    }

    /** The train and validation sets of a folder; {@code validation} is null when there is none. */
    public record Splits(ImageFolder train, ImageFolder validation) {
    }

    /**
     * Opens an image dataset folder. With {@code train/} and one of {@code val/}, {@code validation/}
     * or {@code test/} inside, those are the splits (the validation classes must be among the
     * training classes, and take the training labels). Otherwise {@code root} itself holds the
     * class folders, and {@code validationFraction} of its files (chosen by a shuffle seeded with
     * {@code seed}, as Keras' {@code validation_split} with a seed does) become the validation set;
     * 0 means no validation set.
     */
    public static Splits open(Path root, double validationFraction, long seed, BadImagePolicy policy,
                              Consumer<String> warnings) {
        if (!Files.isDirectory(root)) {
            throw new IllegalArgumentException("image folder " + root + " is not a folder"
                    + (Files.exists(root) ? "" : " (it does not exist)"));
        }
        if (!(validationFraction >= 0 && validationFraction < 1)) {
            throw new IllegalArgumentException("validation fraction must be within [0, 1), got " + validationFraction);
        }
        Path train = root.resolve("train");
        if (Files.isDirectory(train)) {
            ImageFolder t = scan(train, root.getFileName() + "/train", null, policy, warnings);
            for (String v : List.of("val", "validation", "test")) {
                Path dir = root.resolve(v);
                if (Files.isDirectory(dir)) {
                    return new Splits(t, scan(dir, root.getFileName() + "/" + v, t.classes, policy, warnings));
                }
            }
            return new Splits(t, null);
        }
        ImageFolder all = scan(root, String.valueOf(root.getFileName()), null, policy, warnings);
        if (validationFraction == 0) {
            return new Splits(all, null);
        }
        int n = all.size();
        int validation = (int) Math.round(n * validationFraction);
        if (validation < 1 || validation >= n) {
            throw new IllegalArgumentException("a validation fraction of " + validationFraction + " of " + n
                    + " images leaves " + validation + " for validation and " + (n - validation) + " for training");
        }
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        SplitMix64 random = SplitMix64.of(seed, VALIDATION_SPLIT_PURPOSE, 0, 0);
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        int[] val = Arrays.copyOfRange(order, 0, validation);
        int[] tr = Arrays.copyOfRange(order, validation, n);
        Arrays.sort(val);
        Arrays.sort(tr);
        return new Splits(all.subset(tr, all.name + "/train-split"), all.subset(val, all.name + "/validation-split"));
    }

    /** Stream id of the seeded validation split. */
    static final long VALIDATION_SPLIT_PURPOSE = 0x76_61_6c_73_70_6cL;

    /**
     * Scans {@code root/<class>/...}. {@code classes} fixes the class list (a validation folder takes
     * the training set's); null infers it from the sub-folders, sorted.
     */
    public static ImageFolder scan(Path root, String name, List<String> classes, BadImagePolicy policy,
                                   Consumer<String> warnings) {
        List<String> found = new ArrayList<>();
        try (Stream<Path> children = Files.list(root)) {
            children.filter(Files::isDirectory).map(p -> p.getFileName().toString()).filter(s -> !s.startsWith("."))
                    .sorted().forEach(found::add);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list image folder " + root + ": " + e.getMessage(), e);
        }
        if (found.isEmpty()) {
            throw new IllegalArgumentException("image folder " + root + " has no class folders: expected "
                    + root + "/<class>/<image file>, e.g. " + root + "/cat/0001.jpg");
        }
        List<String> names = classes == null ? found : classes;
        for (String f : found) {
            if (!names.contains(f)) {
                throw new IllegalArgumentException("image folder " + root + " has class folder '" + f
                        + "' that the training set does not have (its classes: " + names + ")");
            }
        }
        List<Path> files = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        List<String> ignored = new ArrayList<>();
        int ignoredCount = 0;
        for (String c : found) {
            Path dir = root.resolve(c);
            int label = names.indexOf(c);
            List<Path> inClass;
            // Symbolic links are followed, as torchvision's os.walk(followlinks=True): ImageNet-style trees
            // often link class folders or files in from elsewhere.
            try (Stream<Path> walk = Files.walk(dir, FileVisitOption.FOLLOW_LINKS)) {
                inClass = walk.filter(Files::isRegularFile).sorted().toList();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot list class folder " + dir + ": " + e.getMessage(), e);
            }
            int before = files.size();
            for (Path file : inClass) {
                String fileName = file.getFileName().toString();
                if (fileName.startsWith(".") || !EXTENSIONS.contains(extension(fileName))) {
                    ignoredCount++;
                    if (ignored.size() < 5) {
                        ignored.add(file.toString());
                    }
                    continue;
                }
                long bytes;
                try {
                    bytes = Files.size(file);
                } catch (IOException e) {
                    bytes = -1;
                }
                if (bytes <= 0) {
                    String why = bytes == 0 ? "the file is empty (0 bytes)" : "its size cannot be read";
                    if (policy == BadImagePolicy.FAIL) {
                        throw new UnreadableImageException(file.toString(), why
                                + " (skip such files with the SKIP bad-image policy, --bad-images skip)", null);
                    }
                    warnings.accept("skipping image " + file + ": " + why);
                    continue;
                }
                files.add(file);
                labels.add(label);
            }
            if (files.size() == before) {
                throw new IllegalArgumentException("class folder " + dir + " has no image files (extensions "
                        + EXTENSIONS.stream().sorted().toList() + ")");
            }
        }
        if (ignoredCount > 0) {
            warnings.accept("image folder " + root + ": ignored " + ignoredCount + " file(s) that are not images by"
                    + " their extension or are hidden, e.g. " + String.join(", ", ignored));
        }
        return new ImageFolder(name, names, files.toArray(Path[]::new), labels.stream().mapToInt(Integer::intValue).toArray());
    }

    private static String extension(String fileName) {
        int dot = fileName.lastIndexOf('.');
        return dot < 0 ? "" : fileName.substring(dot + 1).toLowerCase(Locale.ROOT);
    }

    /** The records at {@code indices}, in that order. */
    public ImageFolder subset(int[] indices, String subsetName) {
        Path[] f = new Path[indices.length];
        int[] l = new int[indices.length];
        for (int i = 0; i < indices.length; i++) {
            f[i] = files[indices[i]];
            l[i] = labels[indices[i]];
        }
        return new ImageFolder(subsetName, classes, f, l);
    }

    /** The file of record {@code index}. */
    public Path file(int index) {
        return files[index];
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int size() {
        return files.length;
    }

    @Override
    public List<String> classes() {
        return classes;
    }

    @Override
    public int label(int index) {
        return labels[index];
    }

    @Override
    public String source(int index) {
        return files[index].toString();
    }

    /** The file's bytes as stored. */
    public byte[] encoded(int index) {
        try {
            return Files.readAllBytes(files[index]);
        } catch (IOException e) {
            throw new UnreadableImageException(files[index].toString(), "cannot read the file: " + e, e);
        }
    }

    @Override
    public UInt8Image read(int index, int channels, int minShorterSide, ImageDecoding decoder) {
        byte[] bytes = encoded(index);
        try {
            return decoder.decode(bytes, channels, minShorterSide);
        } catch (ImageDecodeException e) {
            throw new UnreadableImageException(files[index].toString(), e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return "ImageFolder[" + name + ": " + size() + " images, " + classes.size() + " classes]";
    }
}
