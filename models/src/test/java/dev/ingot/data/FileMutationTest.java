package dev.ingot.data;

import dev.ingot.core.Shape;
import dev.ingot.nn.checkpoint.CorruptCheckpointException;
import dev.ingot.nn.checkpoint.SafeTensors;
import dev.ingot.nn.checkpoint.StoredTensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
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
        System.out.println("file mutations: " + OUTCOMES.values().stream().mapToLong(Long::longValue).sum()
                + " damaged files read, outcomes " + OUTCOMES);
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
                OUTCOMES.merge("typed rejection", 1L, Long::sum);
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
            OUTCOMES.merge(Arrays.equals(damaged, clean) ? "unchanged" : "read, bit-exact", 1L, Long::sum);
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
                return new Decoded(IdxReader.readImages(in, -1, 28, 28), new int[0]);
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
                float[] pixels = new float[records * 3072];
                int[] labels = new int[records];
                Cifar10Reader.readBatch(in, records, pixels, labels, 0);
                return new Decoded(pixels, labels);
            }
        };
        mutateAndRead("test_batch.bin", clean, false, 5, read, b -> cifar(b, records));
        mutateAndRead("test_batch.bin.gz", gzip(clean), true, 6, read, b -> cifar(b, records));
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
                OUTCOMES.merge("unchanged", 1L, Long::sum);
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
                OUTCOMES.merge("typed rejection", 1L, Long::sum);
            } catch (RuntimeException e) {
                throw new AssertionError("mutation " + i + ": untyped failure " + e, e);
            }
        }
        assertTrue(unchanged < MUTATIONS_PER_FILE / 10);
        assertEquals(2, SafeTensors.read(cleanFile).tensors().size());
    }
}
