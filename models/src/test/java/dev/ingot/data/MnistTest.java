package dev.ingot.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Reads the real MNIST files from the shared data folder. */
class MnistTest {

    @Test
    void trainSplitHasTheCanonicalShapeLabelsAndPixelRange() {
        Path data = SharedData.require("mnist");
        Dataset train = Datasets.load("mnist", Split.TRAIN, data, false);

        assertEquals("mnist-train", train.name());
        assertEquals(60_000, train.size());
        assertEquals(1, train.channels());
        assertEquals(28, train.height());
        assertEquals(28, train.width());
        assertEquals(60_000 * 784, train.images().length);
        assertArrayEquals(new int[] {5, 0, 4, 1, 9}, java.util.Arrays.copyOf(train.labels(), 5));
        // Known class balance of the MNIST training set.
        assertArrayEquals(new int[] {5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949}, train.labelCounts());
        assertPixelsAreBytesOver255(train.images());
    }

    @Test
    void testSplitHasTenThousandImages() {
        Path data = SharedData.require("mnist");
        Dataset test = Datasets.load("mnist", Split.TEST, data, false);

        assertEquals("mnist-test", test.name());
        assertEquals(10_000, test.size());
        assertArrayEquals(new int[] {7, 2, 1, 0, 4}, java.util.Arrays.copyOf(test.labels(), 5));
        assertEquals(java.util.List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9"), test.classes());
        assertPixelsAreBytesOver255(test.images());
    }

    @Test
    void uncompressedFilesReadTheSameAsGzipped(@TempDir Path tmp) throws IOException {
        Path data = SharedData.require("mnist");
        Path mnist = Files.createDirectories(tmp.resolve("mnist"));
        for (String name : new String[] {"t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"}) {
            try (InputStream in = new GZIPInputStream(Files.newInputStream(data.resolve("mnist").resolve(name + ".gz")))) {
                Files.copy(in, mnist.resolve(name));
            }
        }
        Dataset plain = Datasets.load("mnist", Split.TEST, tmp, false);
        Dataset gz = Datasets.load("mnist", Split.TEST, data, false);
        assertArrayEquals(gz.images(), plain.images());
        assertArrayEquals(gz.labels(), plain.labels());
    }

    @Test
    void aHeaderCountThatDisagreesWithTheSplitNamesFileAndOffset(@TempDir Path tmp) throws IOException {
        Path data = SharedData.require("mnist");
        Path mnist = Files.createDirectories(tmp.resolve("mnist"));
        Files.copy(data.resolve("mnist/t10k-images-idx3-ubyte.gz"), mnist.resolve("t10k-images-idx3-ubyte.gz"));
        byte[] labels;
        try (InputStream in = new GZIPInputStream(Files.newInputStream(data.resolve("mnist/t10k-labels-idx1-ubyte.gz")))) {
            labels = in.readAllBytes();
        }
        labels[7] = (byte) 0x0f;   // the big-endian count at offset 4: 10000 = 0x2710 becomes 9999 = 0x270f
        Path file = mnist.resolve("t10k-labels-idx1-ubyte");
        Files.write(file, labels);

        CorruptDatasetException e = assertThrows(CorruptDatasetException.class,
                () -> Datasets.load("mnist", Split.TEST, tmp, false));
        assertEquals(file.toString(), e.file());
        assertEquals(4, e.offset());
        assertTrue(e.getMessage().contains("label count is 9999, expected 10000"), e.getMessage());
        assertTrue(e.getMessage().contains("at byte offset 4 of the file"), e.getMessage());
    }

    @Test
    void fashionMnistAbsentWithoutDownloadSaysWhereToPutWhichFiles(@TempDir Path tmp) {
        MissingDatasetException e = assertThrows(MissingDatasetException.class,
                () -> Datasets.load("fashion-mnist", Split.TRAIN, tmp, false));
        String m = e.getMessage();
        assertTrue(m.contains("downloading is off"), m);
        for (String name : new String[] {"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
                "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"}) {
            assertTrue(m.contains(tmp.resolve("fashion-mnist").resolve(name).toString()), m);
            assertTrue(m.contains("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/" + name), m);
        }
        assertTrue(m.contains("MD5 8d4fb7e6c68d591d4c3dfef9ec88bf0d"), m);
        assertEquals(4, e.missingFiles().size());
    }

    /** Every pixel is k/255 for an integer k in 0..255, and both ends occur. */
    static void assertPixelsAreBytesOver255(float[] pixels) {
        float min = Float.MAX_VALUE;
        float max = -Float.MAX_VALUE;
        for (float p : pixels) {
            min = Math.min(min, p);
            max = Math.max(max, p);
        }
        assertEquals(0f, min);
        assertEquals(1f, max);
        for (int i = 0; i < pixels.length; i += 97) {
            int k = Math.round(pixels[i] * 255f);
            assertEquals(k / 255f, pixels[i], "pixel " + i);
        }
    }
}
