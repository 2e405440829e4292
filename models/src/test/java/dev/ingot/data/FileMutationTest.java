package dev.ingot.data;

import dev.ingot.core.Shape;
import dev.ingot.data.image.ImageDecoding;
import dev.ingot.data.image.UInt8Image;
import dev.ingot.nn.checkpoint.CorruptCheckpointException;
import dev.ingot.nn.checkpoint.SafeTensors;
import dev.ingot.nn.checkpoint.StoredTensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Mutation tests over every file format we read: small real files (MNIST's and CIFAR-10's own first
 * records, a checkpoint) damaged at random, seeded: a flipped bit, a byte overwritten, deleted or
 * inserted, the file cut short or extended. Reading each damaged file must either fail with the
 * format's typed exception naming the file and a byte offset, or give exactly (bit for bit) what
 * an independent decoder finds in the damaged bytes: a damaged pixel of a format without a
 * checksum is data, not an error, but nothing else may change. A checkpoint, which is
 * checksummed throughout, must always fail.
 */
class FileMutationTest {
    private static final int MUTATIONS_PER_FILE = Integer.getInteger("ingot.test.mutations", 300);
    private static final Map<String, Long> OUTCOMES = new TreeMap<>();

    @TempDir
    Path tmp;

    @AfterAll
    static void report() {
        Map<String, Long> byClass = new TreeMap<>();
        OUTCOMES.forEach((k, v) -> byClass.merge(k.substring(k.indexOf(": ") + 2), v, Long::sum));
        System.out.println("file mutations: " + OUTCOMES.values().stream().mapToLong(Long::longValue).sum()
                + " damaged files read, outcomes " + byClass + "; per file " + OUTCOMES);
    }

    private static byte[] gunzip(byte[] gz) throws IOException {
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(gz))) {
            return in.readAllBytes();
        }
    }

    private static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (OutputStream gz = new GZIPOutputStream(out)) {
            gz.write(data);
        }
        return out.toByteArray();
    }

    private static byte[] mutate(byte[] clean, SplittableRandom r) {
        byte[] b = clean.clone();
        int at = r.nextInt(b.length);
        return switch (r.nextInt(6)) {
            case 0 -> {
                b[at] ^= (byte) (1 << r.nextInt(8));
                yield b;
            }
            case 1 -> {
                b[at] = (byte) r.nextInt(256);
                yield b;
            }
            case 2 -> Arrays.copyOf(b, at);                         // cut short
            case 3 -> {                                             // extended
                byte[] longer = Arrays.copyOf(b, b.length + 1 + r.nextInt(16));
                for (int i = b.length; i < longer.length; i++) {
                    longer[i] = (byte) r.nextInt(256);
                }
                yield longer;
            }
            case 4 -> {                                             // a byte deleted
                byte[] shorter = new byte[b.length - 1];
                System.arraycopy(b, 0, shorter, 0, at);
                System.arraycopy(b, at + 1, shorter, at, b.length - at - 1);
                yield shorter;
            }
            default -> {                                            // a byte inserted
                byte[] longer = new byte[b.length + 1];
                System.arraycopy(b, 0, longer, 0, at);
                longer[at] = (byte) r.nextInt(256);
                System.arraycopy(b, at, longer, at + 1, b.length - at);
                yield longer;
            }
        };
    }

    /** What a reader returned, flattened for a bit-exact comparison. */
    private record Decoded(float[] pixels, int[] labels) {
    }

    /**
     * Writes {@code mutations} damaged copies of {@code clean} and reads each with {@code reader};
     * {@code independent} decodes the damaged bytes (decompressed when {@code gz}) or returns null
     * where the format says they are invalid.
     */
    private void mutateAndRead(String name, byte[] clean, boolean gz, long seed, Function<Path, Decoded> reader,
                               Function<byte[], Decoded> independent) throws IOException {
        SplittableRandom r = new SplittableRandom(seed);
        Path file = tmp.resolve(name);
        for (int i = 0; i < MUTATIONS_PER_FILE; i++) {
            byte[] damaged = mutate(clean, r);
            Files.write(file, damaged);
            Decoded expected;
            try {
                expected = independent.apply(gz ? gunzip(damaged) : damaged);
            } catch (IOException e) {
                expected = null; // not even a valid gzip stream
            }
            String what = name + " mutation " + i + " (seed " + seed + ")";
            Decoded actual;
            try {
                actual = reader.apply(file);
            } catch (CorruptDatasetException e) {
                assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains("byte offset "),
                        what + ": " + e.getMessage());
                assertTrue(e.offset() >= 0, what + ": " + e.getMessage());
                OUTCOMES.merge(name + ": typed rejection", 1L, Long::sum);
                continue;
            } catch (RuntimeException | Error e) {
                throw new AssertionError(what + ": untyped failure " + e, e);
            }
            if (expected == null) {
                fail(what + ": read without complaint, but the damaged bytes are not a valid file");
            }
            assertArrayEquals(expected.labels(), actual.labels(), what + ": labels");
            assertEquals(expected.pixels().length, actual.pixels().length, what);
            for (int k = 0; k < expected.pixels().length; k++) {
                if (Float.floatToRawIntBits(expected.pixels()[k]) != Float.floatToRawIntBits(actual.pixels()[k])) {
                    fail(what + ": pixel " + k + " is " + actual.pixels()[k] + ", the bytes say " + expected.pixels()[k]);
                }
            }
            OUTCOMES.merge(name + ": " + (Arrays.equals(damaged, clean) ? "unchanged" : "read, bit-exact"), 1L, Long::sum);
        }
    }

    // ---------------------------------------------------------------- independent decoders

    private static int intAt(byte[] b, int at) {
        return ByteBuffer.wrap(b, at, 4).getInt();
    }

    private static Decoded idxImages(byte[] b) {
        if (b.length < 16 || intAt(b, 0) != 2051 || intAt(b, 8) != 28 || intAt(b, 12) != 28) {
            return null;
        }
        long count = intAt(b, 4);
        if (count < 0 || 16 + count * 784 != b.length) {
            return null;
        }
        float[] pixels = new float[(int) count * 784];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (b[16 + i] & 0xFF) / 255f;
        }
        return new Decoded(pixels, new int[0]);
    }

    private static Decoded idxLabels(byte[] b) {
        if (b.length < 8 || intAt(b, 0) != 2049) {
            return null;
        }
        long count = intAt(b, 4);
        if (count < 0 || 8 + count != b.length) {
            return null;
        }
        int[] labels = new int[(int) count];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = b[8 + i] & 0xFF;
            if (labels[i] > 9) {
                return null;
            }
        }
        return new Decoded(new float[0], labels);
    }

    private static Decoded cifar(byte[] b, int records) {
        if (b.length != records * 3073) {
            return null;
        }
        float[] pixels = new float[records * 3072];
        int[] labels = new int[records];
        for (int r = 0; r < records; r++) {
            labels[r] = b[r * 3073] & 0xFF;
            if (labels[r] > 9) {
                return null;
            }
            for (int k = 0; k < 3072; k++) {
                pixels[r * 3072 + k] = (b[r * 3073 + 1 + k] & 0xFF) / 255f;
            }
        }
        return new Decoded(pixels, labels);
    }

    // ---------------------------------------------------------------- the files

    private static byte[] realFile(String sub, String name) throws IOException {
        return gunzip(Files.readAllBytes(SharedData.require(sub).resolve(sub).resolve(name)));
    }

    @Test
    void mnistIdxFiles() throws IOException {
        int count = 20;
        byte[] images = realFile("mnist", "t10k-images-idx3-ubyte.gz");
        byte[] cleanImages = Arrays.copyOf(images, 16 + count * 784);
        ByteBuffer.wrap(cleanImages).putInt(4, count);
        byte[] labels = realFile("mnist", "t10k-labels-idx1-ubyte.gz");
        byte[] cleanLabels = Arrays.copyOf(labels, 8 + count);
        ByteBuffer.wrap(cleanLabels).putInt(4, count);
        Function<Path, Decoded> readImages = f -> {
            try (DatasetInput in = DatasetInput.open(f)) {
                return new Decoded(CorruptFilesTest.unit(IdxReader.readImages(in, -1, 28, 28)), new int[0]);
            }
        };
        Function<Path, Decoded> readLabels = f -> {
            try (DatasetInput in = DatasetInput.open(f)) {
                return new Decoded(new float[0], IdxReader.readLabels(in, -1, 10));
            }
        };
        mutateAndRead("images-idx3-ubyte", cleanImages, false, 1, readImages, FileMutationTest::idxImages);
        mutateAndRead("images-idx3-ubyte.gz", gzip(cleanImages), true, 2, readImages, FileMutationTest::idxImages);
        mutateAndRead("labels-idx1-ubyte", cleanLabels, false, 3, readLabels, FileMutationTest::idxLabels);
        mutateAndRead("labels-idx1-ubyte.gz", gzip(cleanLabels), true, 4, readLabels, FileMutationTest::idxLabels);
    }

    @Test
    void cifarBatchFiles() throws IOException {
        int records = 6;
        byte[] clean = Arrays.copyOf(realFile("cifar-10", "test_batch.bin.gz"), records * 3073);
        Function<Path, Decoded> read = f -> {
            try (DatasetInput in = DatasetInput.open(f)) {
                byte[] pixels = new byte[records * 3072];
                int[] labels = new int[records];
                Cifar10Reader.readBatch(in, records, pixels, labels, 0);
                return new Decoded(CorruptFilesTest.unit(pixels), labels);
            }
        };
        mutateAndRead("test_batch.bin", clean, false, 5, read, b -> cifar(b, records));
        mutateAndRead("test_batch.bin.gz", gzip(clean), true, 6, read, b -> cifar(b, records));
    }

    /** CIFAR-10's first test records as {@link ImageRecords} (32x32 RGB, HWC), the input of a real pack. */
    private record CifarRecords(byte[] batch, int first, int count) implements ImageRecords {
        @Override
        public String name() {
            return "cifar-10/test[" + first + ".." + (first + count) + ")";
        }

        @Override
        public int size() {
            return count;
        }

        @Override
        public List<String> classes() {
            return List.of("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck");
        }

        @Override
        public int label(int index) {
            return batch[(first + index) * 3073] & 0xFF;
        }

        @Override
        public String source(int index) {
            return name() + "[" + index + "]";
        }

        @Override
        public UInt8Image read(int index, int channels, int minShorterSide, ImageDecoding decoder) {
            byte[] hwc = new byte[3072];
            int at = (first + index) * 3073 + 1;
            for (int k = 0; k < 1024; k++) {
                for (int c = 0; c < 3; c++) {
                    hwc[k * 3 + c] = batch[at + c * 1024 + k]; // CIFAR stores planes (CHW)
                }
            }
            return new UInt8Image(32, 32, 3, hwc);
        }
    }

    /**
     * Everything a pack serves, flattened for a bit-exact comparison: per split its classes and,
     * per record, the label, the size and the pixels.
     */
    private static byte[] packContents(Path manifest) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ImageDecoding decoder = ImageDecoding.open()) {
            for (String split : PackedImages.splits(manifest)) {
                try (PackedImages pack = PackedImages.open(manifest, split)) {
                    out.writeBytes((split + "|" + pack.classes() + "|" + pack.size() + "\n").getBytes(StandardCharsets.UTF_8));
                    for (int i = 0; i < pack.size(); i++) {
                        UInt8Image image = pack.read(i, 3, 0, decoder);
                        out.writeBytes((pack.label(i) + " " + image.height() + "x" + image.width() + "x" + image.channels()
                                + "\n").getBytes(StandardCharsets.UTF_8));
                        out.writeBytes(image.pixels());
                    }
                }
            }
        }
        return out.toByteArray();
    }

    /**
     * An {@code ingot pack} of real CIFAR-10 records (two splits, several shards): every mutation of
     * the manifest or of a shard must fail with a {@link CorruptDatasetException} naming a file of
     * the pack and a byte offset, or serve exactly the clean contents. Format 2 checksums the
     * manifest and every record's header and payload, so no damaged byte may be served.
     */
    @Test
    void imagePacks() throws IOException {
        byte[] batch = Arrays.copyOf(realFile("cifar-10", "test_batch.bin.gz"), 12 * 3073);
        Map<String, ImageRecords> splits = new LinkedHashMap<>();
        splits.put("train", new CifarRecords(batch, 0, 8));
        splits.put("test", new CifarRecords(batch, 8, 4));
        Path dir = tmp.resolve("pack");
        Path manifest = dir.resolve("cifar.pack");
        // 7,000-byte shards: three 3,088-byte records each, so three train shards and two test shards
        assertEquals(12, ImagePack.write(splits, manifest, 3, ImageTransforms.none(), 7000, m -> { }));
        byte[] clean = packContents(manifest);
        List<Path> files;
        try (var list = Files.list(dir)) {
            files = list.sorted().toList();
        }
        assertEquals(6, files.size(), "a manifest and five shards: " + files);
        SplittableRandom r = new SplittableRandom(8);
        int perFile = Math.max(1, MUTATIONS_PER_FILE / 2);
        for (Path file : files) {
            byte[] original = Files.readAllBytes(file);
            String role = file.equals(manifest) ? "pack manifest" : "pack shard";
            for (int i = 0; i < perFile; i++) {
                byte[] damaged = mutate(original, r);
                Files.write(file, damaged);
                String what = file.getFileName() + " mutation " + i;
                try {
                    byte[] read = packContents(manifest);
                    assertArrayEquals(clean, read, what + ": served without complaint, but not the packed contents");
                    OUTCOMES.merge(role + ": " + (Arrays.equals(damaged, original) ? "unchanged" : "read, bit-exact"), 1L, Long::sum);
                } catch (CorruptDatasetException e) {
                    assertTrue(e.getMessage().contains(dir.toString()) && e.getMessage().contains("byte offset "),
                            what + ": " + e.getMessage());
                    OUTCOMES.merge(role + ": typed rejection", 1L, Long::sum);
                } catch (RuntimeException | Error e) {
                    throw new AssertionError(what + ": untyped failure " + e, e);
                }
            }
            Files.write(file, original);
        }
        assertArrayEquals(clean, packContents(manifest));
    }

    /** ImageIO's RGB pixels (HWC) of {@code bytes}, or null when ImageIO cannot read them or finds another image type than {@code type}. */
    private static byte[] imageIoRgb(byte[] bytes, int type) {
        BufferedImage image;
        try {
            image = ImageIO.read(new ByteArrayInputStream(bytes));
        } catch (IOException | RuntimeException e) {
            return null;
        }
        if (image == null || image.getType() != type) {
            return null;
        }
        byte[] hwc = new byte[image.getHeight() * image.getWidth() * 3];
        for (int y = 0, k = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                int rgb = image.getRGB(x, y);
                hwc[k++] = (byte) (rgb >> 16);
                hwc[k++] = (byte) (rgb >> 8);
                hwc[k++] = (byte) rgb;
            }
        }
        return hwc;
    }

    /**
     * Image folders: a real CIFAR-10 image as PNG and as JPEG, damaged. Neither format has a
     * checksum our decoders check (PNG's chunk CRCs are not verified by ImageIO; JPEG has none), so
     * the promise is: an {@link UnreadableImageException} naming the file, or an image; never
     * another exception, a crash or a hang. For PNG, where ImageIO reads the damaged bytes as the
     * same kind of image, the pixels must be exactly ImageIO's (a lossless format: no decoder may
     * differ). JPEG goes through TurboJPEG where it is installed, whose output no independent
     * decoder reproduces bit for bit, so only the outcome class is held there.
     */
    @Test
    void imageFolderFiles() throws IOException {
        byte[] batch = Arrays.copyOf(realFile("cifar-10", "test_batch.bin.gz"), 2 * 3073);
        Path root = tmp.resolve("tree");
        for (String format : new String[] {"png", "jpg"}) {
            UInt8Image real = new CifarRecords(batch, format.equals("png") ? 0 : 1, 1).read(0, 3, 0, null);
            BufferedImage image = new BufferedImage(32, 32, BufferedImage.TYPE_3BYTE_BGR);
            for (int y = 0; y < 32; y++) {
                for (int x = 0; x < 32; x++) {
                    image.setRGB(x, y, real.at(y, x, 0) << 16 | real.at(y, x, 1) << 8 | real.at(y, x, 2));
                }
            }
            TestImages.write(root.resolve("train/c/" + format + "." + format), TestImages.encode(image, format.equals("png")
                    ? "png" : "jpeg"));
        }
        TestImages.write(root.resolve("test/c/x.png"), Files.readAllBytes(root.resolve("train/c/png.png")));
        ImageFolder folder = ImageFolder.open(root, 0, 0, BadImagePolicy.FAIL, m -> { }).train();
        SplittableRandom r = new SplittableRandom(9);
        int perFile = Math.max(1, MUTATIONS_PER_FILE / 2);
        try (ImageDecoding decoder = ImageDecoding.open()) {
            for (int index = 0; index < folder.size(); index++) {
                Path file = folder.file(index);
                byte[] original = Files.readAllBytes(file);
                boolean png = file.toString().endsWith(".png");
                int type = ImageIO.read(new ByteArrayInputStream(original)).getType();
                String role = png ? "png image" : "jpeg image";
                for (int i = 0; i < perFile; i++) {
                    byte[] damaged = mutate(original, r);
                    Files.write(file, damaged);
                    String what = file.getFileName() + " mutation " + i;
                    UInt8Image got;
                    try {
                        got = folder.read(index, 3, 0, decoder);
                    } catch (UnreadableImageException e) {
                        assertTrue(e.getMessage().contains(file.toString()), what + ": " + e.getMessage());
                        OUTCOMES.merge(role + ": typed rejection", 1L, Long::sum);
                        continue;
                    } catch (RuntimeException | Error e) {
                        throw new AssertionError(what + ": untyped failure " + e, e);
                    }
                    assertEquals(3, got.channels(), what);
                    byte[] expected = png ? imageIoRgb(damaged, type) : null;
                    if (expected != null) {
                        assertArrayEquals(expected, got.pixels(), what + ": not the pixels ImageIO decodes");
                    }
                    OUTCOMES.merge(role + ": " + (Arrays.equals(damaged, original) ? "unchanged"
                            : expected != null ? "read, bit-exact" : "read (no independent decoder)"), 1L, Long::sum);
                }
                Files.write(file, original);
            }
        }
    }

    @Test
    void safetensorsCheckpointsAlwaysFail() throws IOException {
        Map<String, StoredTensor> tensors = new LinkedHashMap<>();
        float[] w = new float[60];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) Math.sin(i);
        }
        tensors.put("0.linear.weight", new StoredTensor(Shape.of(6, 10), w));
        tensors.put("0.linear.bias", new StoredTensor(Shape.of(10), Arrays.copyOf(w, 10)));
        Path cleanFile = tmp.resolve("clean.safetensors");
        SafeTensors.writeStored(cleanFile, Map.of("ingot.model", "m", "ingot.history", "[{\"epoch\":1}]"), tensors);
        byte[] clean = Files.readAllBytes(cleanFile);
        SplittableRandom r = new SplittableRandom(7);
        Path file = tmp.resolve("damaged.safetensors");
        int unchanged = 0;
        for (int i = 0; i < MUTATIONS_PER_FILE; i++) {
            byte[] damaged = mutate(clean, r);
            Files.write(file, damaged);
            if (Arrays.equals(damaged, clean)) {
                unchanged++; // a byte overwritten with itself
                OUTCOMES.merge("safetensors: unchanged", 1L, Long::sum);
                continue;
            }
            try {
                SafeTensors.read(file);
                int first = 0;
                while (first < Math.min(damaged.length, clean.length) && damaged[first] == clean[first]) {
                    first++;
                }
                fail("mutation " + i + ": a damaged checkpoint (" + damaged.length + " bytes, clean " + clean.length
                        + ", first difference at " + first + ") was read without complaint");
            } catch (CorruptCheckpointException e) {
                assertTrue(e.getMessage().startsWith(file + ": corrupt checkpoint at byte offset "), e.getMessage());
                OUTCOMES.merge("safetensors: typed rejection", 1L, Long::sum);
            } catch (RuntimeException e) {
                throw new AssertionError("mutation " + i + ": untyped failure " + e, e);
            }
        }
        assertTrue(unchanged < MUTATIONS_PER_FILE / 10);
        assertEquals(2, SafeTensors.read(cleanFile).tensors().size());
    }
}
