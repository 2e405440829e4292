package dev.ingot.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Damaged files, made small in a temporary folder: each must be reported with the file, the byte
 * offset and what was expected, never read as garbage.
 */
class CorruptFilesTest {
    @TempDir
    Path tmp;

    /** An IDX3 image file: magic, count, rows, cols, then pixel bytes (pixel k of image i is (i + k) & 0xFF). */
    static byte[] idxImages(int magic, int count, int rows, int cols, int imagesPresent) {
        ByteBuffer b = ByteBuffer.allocate(16 + imagesPresent * rows * cols);
        b.putInt(magic).putInt(count).putInt(rows).putInt(cols);
        for (int i = 0; i < imagesPresent; i++) {
            for (int k = 0; k < rows * cols; k++) {
                b.put((byte) (i + k));
            }
        }
        return b.array();
    }

    static byte[] idxLabels(int magic, int count, byte... labels) {
        ByteBuffer b = ByteBuffer.allocate(8 + labels.length);
        b.putInt(magic).putInt(count).put(labels);
        return b.array();
    }

    static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (OutputStream gz = new GZIPOutputStream(out)) {
            gz.write(data);
        }
        return out.toByteArray();
    }

    private Path write(String name, byte[] bytes) throws IOException {
        return Files.write(tmp.resolve(name), bytes);
    }

    private static float[] readImages(Path file, int expectedCount, int rows, int cols) {
        try (DatasetInput in = DatasetInput.open(file)) {
            return unit(IdxReader.readImages(in, expectedCount, rows, cols));
        }
    }

    /** The bytes as the float values they stand for, {@code p / 255f}. */
    static float[] unit(byte[] pixels) {
        float[] out = new float[pixels.length];
        for (int i = 0; i < pixels.length; i++) {
            out[i] = (pixels[i] & 0xFF) / 255f;
        }
        return out;
    }

    private static int[] readLabels(Path file, int expectedCount) {
        try (DatasetInput in = DatasetInput.open(file)) {
            return IdxReader.readLabels(in, expectedCount, 10);
        }
    }

    private static void assertReport(CorruptDatasetException e, Path file, long offset, String... fragments) {
        assertEquals(file.toString(), e.file(), e.getMessage());
        assertEquals(offset, e.offset(), e.getMessage());
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("byte offset " + offset + " "), e.getMessage());
        for (String fragment : fragments) {
            assertTrue(e.getMessage().contains(fragment), "expected '" + fragment + "' in: " + e.getMessage());
        }
    }

    @Test
    void aSoundSmallIdxFileReadsBack() throws IOException {
        Path images = write("img.gz", gzip(idxImages(2051, 3, 2, 2, 3)));
        Path labels = write("lab", idxLabels(2049, 3, (byte) 9, (byte) 0, (byte) 4));
        float[] pixels = readImages(images, 3, 2, 2);
        assertEquals(12, pixels.length);
        assertEquals(2 / 255f, pixels[4 + 1 + 0]);   // image 1, pixel 1: (1 + 1) / 255
        assertArrayEquals(new int[] {9, 0, 4}, readLabels(labels, -1));
    }

    @Test
    void badMagicIsReportedAtOffsetZero() throws IOException {
        Path file = write("images.gz", gzip(idxImages(2049, 3, 2, 2, 3)));
        CorruptDatasetException e = assertThrows(CorruptDatasetException.class, () -> readImages(file, -1, 2, 2));
        assertReport(e, file, 0, "of the decompressed data", "0x00000801", "that is an IDX label file",
                "expected 0x00000803 (2051)");
    }

    @Test
    void gzipDataUnderAPlainNameGetsAHint() throws IOException {
        Path file = write("t10k-labels-idx1-ubyte", gzip(idxLabels(2049, 1, (byte) 1)));
        CorruptDatasetException e = assertThrows(CorruptDatasetException.class, () -> readLabels(file, -1));
        assertReport(e, file, 0, "of the file", "looks gzip-compressed", "give the file a .gz name");
    }

    @Test
    void aGzNameOnAPlainFileIsReported() throws IOException {
        Path file = write("labels.gz", idxLabels(2049, 1, (byte) 1));
        CorruptDatasetException e = assertThrows(CorruptDatasetException.class, () -> readLabels(file, -1));
        assertReport(e, file, 0, "of the file", "not gzip-compressed", "1f 8b");
    }

    @Test
    void aCountThatPromisesMoreImagesThanThereAreNamesTheIncompleteImage() throws IOException {
        // Header says 5 images of 3x3, only 2 and a half are there.
        byte[] whole = idxImages(2051, 5, 3, 3, 3);
        Path file = write("images.gz", gzip(Arrays.copyOf(whole, 16 + 2 * 9 + 4)));
        CorruptDatasetException e = assertThrows(CorruptDatasetException.class, () -> readImages(file, -1, 3, 3));
        assertReport(e, file, 16 + 2 * 9 + 4, "of the decompressed data", "image 2 of 5 is incomplete",
                "expected 61 bytes in all");
    }

    @Test
    void aCountThatDisagreesWithTheExpectedOneIsReportedAtItsField() throws IOException {
        Path file = write("images", idxImages(2051, 4, 2, 2, 4));
        CorruptDatasetException e = assertThrows(CorruptDatasetException.class, () -> readImages(file, 5, 2, 2));
        assertReport(e, file, 4, "image count is 4, expected 5");
    }

    @Test
    void wrongImageDimensionsAreReportedAtTheRowField() throws IOException {
        Path file = write("images", idxImages(2051, 1, 28, 27, 1));
        CorruptDatasetException e = assertThrows(CorruptDatasetException.class, () -> readImages(file, -1, 28, 28));
        assertReport(e, file, 8, "28x27", "expected 28x28");
    }

    @Test
    void extraBytesAfterTheLastImageAreReported() throws IOException {
        byte[] whole = idxImages(2051, 2, 2, 2, 2);
        Path file = write("images", Arrays.copyOf(whole, whole.length + 3));
        CorruptDatasetException e = assertThrows(CorruptDatasetException.class, () -> readImages(file, -1, 2, 2));
        assertReport(e, file, whole.length, "unexpected extra data", "expected exactly 24 bytes");
    }

    @Test
    void aLabelOutOfRangeIsReportedAtItsByte() throws IOException {
        Path file = write("labels", idxLabels(2049, 4, (byte) 1, (byte) 2, (byte) 10, (byte) 3));
        CorruptDatasetException e = assertThrows(CorruptDatasetException.class, () -> readLabels(file, -1));
        assertReport(e, file, 8 + 2, "label 2 is 10, expected 0..9");
    }

    @Test
    void aTruncatedHeaderIsReported() throws IOException {
        Path file = write("labels", new byte[] {0, 0, 8, 1, 0, 0});
        CorruptDatasetException e = assertThrows(CorruptDatasetException.class, () -> readLabels(file, -1));
        assertReport(e, file, 6, "the data ends while reading the label count");
    }

    @Test
    void aTruncatedGzipStreamIsReportedWithTheDecompressedOffset() throws IOException {
        // Incompressible-ish pixels so that cutting the gzip file in half cuts the data in half.
        byte[] raw = idxImages(2051, 50, 28, 28, 50);
        java.util.Random random = new java.util.Random(1);
        for (int i = 16; i < raw.length; i++) {
            raw[i] = (byte) random.nextInt(256);
        }
        byte[] gz = gzip(raw);
        Path file = write("train-images-idx3-ubyte.gz", Arrays.copyOf(gz, gz.length / 2));
        CorruptDatasetException e = assertThrows(CorruptDatasetException.class, () -> readImages(file, -1, 28, 28));
        assertEquals(file.toString(), e.file());
        assertTrue(e.offset() > 16 && e.offset() < raw.length, "offset " + e.offset());
        assertTrue(e.getMessage().contains("of the decompressed data"), e.getMessage());
        assertTrue(e.getMessage().contains("Unexpected end of ZLIB input stream"), e.getMessage());
        long image = (e.offset() - 16) / 784;
        assertTrue(e.getMessage().contains("(in image " + image + " of 50)"), e.getMessage());
    }

    @Test
    void aCifarFileWithATruncatedRecordNamesTheRecord() throws IOException {
        byte[] records = new byte[3 * 3073];
        Path file = write("test_batch.bin", Arrays.copyOf(records, 2 * 3073 + 1000));
        CorruptDatasetException e = assertThrows(CorruptDatasetException.class, () -> {
            try (DatasetInput in = DatasetInput.open(file)) {
                Cifar10Reader.readBatch(in, 3, new byte[3 * 3072], new int[3], 0);
            }
        });
        assertReport(e, file, 2 * 3073 + 1000, "record 2 of 3 is truncated (1000 of its 3073 bytes are there)",
                "expected 9219 bytes in all");
    }

    @Test
    void aCifarFileThatEndsBetweenRecordsSaysHowManyItHas() throws IOException {
        Path file = write("data_batch_1.bin.gz", gzip(new byte[2 * 3073]));
        CorruptDatasetException e = assertThrows(CorruptDatasetException.class, () -> {
            try (DatasetInput in = DatasetInput.open(file)) {
                Cifar10Reader.readBatch(in, 3, new byte[3 * 3072], new int[3], 0);
            }
        });
        assertReport(e, file, 2 * 3073, "of the decompressed data", "ends after record 1; expected 3 records");
    }

    @Test
    void aCifarLabelOutOfRangeNamesTheRecord() throws IOException {
        byte[] records = new byte[3 * 3073];
        records[3073] = 11;
        Path file = write("test_batch.bin", records);
        CorruptDatasetException e = assertThrows(CorruptDatasetException.class, () -> {
            try (DatasetInput in = DatasetInput.open(file)) {
                Cifar10Reader.readBatch(in, 3, new byte[3 * 3072], new int[3], 0);
            }
        });
        assertReport(e, file, 3073, "record 1 has label 11, expected 0..9");
    }

    @Test
    void aCifarRecordPutsItsPlanesInChwOrder() throws IOException {
        byte[] record = new byte[3073];
        record[0] = 7;
        record[1] = (byte) 255;            // R plane, pixel (0, 0)
        record[1 + 1024 + 33] = (byte) 51; // G plane, pixel (1, 1)
        record[1 + 2048 + 1023] = 102;     // B plane, pixel (31, 31)
        Path file = write("one.bin", record);
        byte[] bytes = new byte[3072];
        int[] labels = new int[1];
        try (DatasetInput in = DatasetInput.open(file)) {
            Cifar10Reader.readBatch(in, 1, bytes, labels, 0);
        }
        float[] images = unit(bytes);
        assertEquals(7, labels[0]);
        assertEquals(1f, images[0]);
        assertEquals(51 / 255f, images[1024 + 32 + 1]);
        assertEquals(102 / 255f, images[2048 + 31 * 32 + 31]);
    }

    @Test
    void aClassNameFileWithoutTenNamesIsReported() throws IOException {
        Path file = write("batches.meta.txt", "a\nb\n\nc\n".getBytes(StandardCharsets.UTF_8));
        CorruptDatasetException e = assertThrows(CorruptDatasetException.class, () -> {
            try (DatasetInput in = DatasetInput.open(file)) {
                Cifar10Reader.readClassNames(in);
            }
        });
        assertReport(e, file, 0, "found 3 class names [a, b, c], expected 10");
    }

    @Test
    void aDamagedCifarBatchInTheDataFolderFailsTheLoad() throws IOException {
        Path folder = Files.createDirectories(tmp.resolve("data/cifar-10"));
        Path file = Files.write(folder.resolve("test_batch.bin.gz"), gzip(new byte[5 * 3073 + 17]));
        CorruptDatasetException e = assertThrows(CorruptDatasetException.class,
                () -> Datasets.load("cifar10", Split.TEST, tmp.resolve("data"), false));
        assertReport(e, file, 5 * 3073 + 17, "record 5 of 10000 is truncated");
    }
}
