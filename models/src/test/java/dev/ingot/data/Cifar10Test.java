package dev.ingot.data;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.zip.Deflater;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Reads the real CIFAR-10 batches from the shared data folder, in each accepted layout. */
class Cifar10Test {
    private static final List<String> CLASSES =
            List.of("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck");

    @Test
    void testBatchFromGzippedFilesHasAThousandOfEachClass() {
        Path data = SharedData.require("cifar-10");
        Dataset test = Datasets.load("cifar10", Split.TEST, data, false);

        assertEquals("cifar10-test", test.name());
        assertEquals(10_000, test.size());
        assertEquals(3, test.channels());
        assertEquals(32, test.height());
        assertEquals(32, test.width());
        assertEquals(CLASSES, test.classes());
        int[] thousand = new int[10];
        Arrays.fill(thousand, 1000);
        assertArrayEquals(thousand, test.labelCounts());
        MnistTest.assertPixelsAreBytesOver255(test.images());
    }

    @Test
    void trainBatchesHaveThePublishedLabelCountsPerFile() {
        Path data = SharedData.require("cifar-10");
        Dataset train = Datasets.load("cifar10", Split.TRAIN, data, false);

        assertEquals(50_000, train.size());
        // Per file, in label order 0..9, from shared/data/README.md.
        int[][] expected = {
                {1005, 974, 1032, 1016, 999, 937, 1030, 1001, 1025, 981},
                {984, 1007, 1010, 995, 1010, 988, 1008, 1026, 987, 985},
                {994, 1042, 965, 997, 990, 1029, 978, 1015, 961, 1029},
                {1003, 963, 1041, 976, 1004, 1021, 1004, 981, 1024, 983},
                {1014, 1014, 952, 1016, 997, 1025, 980, 977, 1003, 1022}};
        for (int f = 0; f < 5; f++) {
            int[] counts = new int[10];
            for (int i = f * 10_000; i < (f + 1) * 10_000; i++) {
                counts[train.labels()[i]]++;
            }
            assertArrayEquals(expected[f], counts, "data_batch_" + (f + 1));
        }
    }

    @Test
    void tarballAndExtractedFolderReadTheSameAsTheGzippedBatches(@TempDir Path tmp) throws IOException {
        Path data = SharedData.require("cifar-10");
        byte[] testBatch;
        try (InputStream in = new GZIPInputStream(Files.newInputStream(data.resolve("cifar-10/test_batch.bin.gz")))) {
            testBatch = in.readAllBytes();
        }
        byte[] meta = Files.readAllBytes(data.resolve("cifar-10/batches.meta.txt"));
        Dataset reference = Datasets.load("cifar10", Split.TEST, data, false);

        // The distributed layout, cut down to the test split: the tarball's own folder name and a
        // file the reader must skip.
        Path fromTar = Files.createDirectories(tmp.resolve("tar/cifar-10"));
        writeTarGz(fromTar.resolve("cifar-10-binary.tar.gz"), List.of(
                new Entry("cifar-10-batches-bin/readme.html", "<html></html>".getBytes(StandardCharsets.US_ASCII)),
                new Entry("cifar-10-batches-bin/batches.meta.txt", meta),
                new Entry("cifar-10-batches-bin/test_batch.bin", testBatch)));
        Dataset tar = Datasets.load("cifar10", Split.TEST, tmp.resolve("tar"), false);
        assertArrayEquals(reference.images(), tar.images());
        assertArrayEquals(reference.labels(), tar.labels());
        assertEquals(CLASSES, tar.classes());

        // The same archive lacks the training batches: named as missing from the archive.
        CorruptDatasetException e = assertThrows(CorruptDatasetException.class,
                () -> Datasets.load("cifar10", Split.TRAIN, tmp.resolve("tar"), false));
        assertTrue(e.getMessage().contains(fromTar.resolve("cifar-10-binary.tar.gz").toString()), e.getMessage());
        assertTrue(e.getMessage().contains("without an entry cifar-10-batches-bin/data_batch_1.bin"), e.getMessage());

        // The extracted folder, plain .bin, without batches.meta.txt (the built-in names are used).
        Path extracted = Files.createDirectories(tmp.resolve("dir/cifar-10/cifar-10-batches-bin"));
        Files.write(extracted.resolve("test_batch.bin"), testBatch);
        Dataset dir = Datasets.load("cifar10", Split.TEST, tmp.resolve("dir"), false);
        assertArrayEquals(reference.images(), dir.images());
        assertArrayEquals(reference.labels(), dir.labels());
        assertEquals(CLASSES, dir.classes());
    }

    @Test
    void aTruncatedTarballNamesTheEntryAndOffset(@TempDir Path tmp) throws IOException {
        Path data = SharedData.require("cifar-10");
        byte[] testBatch;
        try (InputStream in = new GZIPInputStream(Files.newInputStream(data.resolve("cifar-10/test_batch.bin.gz")))) {
            testBatch = in.readAllBytes();
        }
        Path folder = Files.createDirectories(tmp.resolve("cifar-10"));
        Path tarball = folder.resolve("cifar-10-binary.tar.gz");
        writeTarGz(tarball, List.of(new Entry("cifar-10-batches-bin/test_batch.bin", testBatch)));
        byte[] whole = Files.readAllBytes(tarball);
        Files.write(tarball, Arrays.copyOf(whole, whole.length / 2));

        CorruptDatasetException e = assertThrows(CorruptDatasetException.class,
                () -> Datasets.load("cifar10", Split.TEST, tmp, false));
        assertEquals(tarball + "!cifar-10-batches-bin/test_batch.bin", e.file());
        assertTrue(e.offset() > 0 && e.offset() < testBatch.length, "offset " + e.offset());
        assertTrue(e.getMessage().contains("of the tar entry"), e.getMessage());
        assertTrue(e.getMessage().contains("(in record " + e.offset() / 3073 + " of 10000)"), e.getMessage());
    }

    @Test
    void missingWithoutDownloadNamesTheTarballAndTheOtherLayouts(@TempDir Path tmp) {
        MissingDatasetException e = assertThrows(MissingDatasetException.class,
                () -> Datasets.load("cifar10", Split.TEST, tmp, false));
        String m = e.getMessage();
        assertTrue(m.contains(tmp.resolve("cifar-10/cifar-10-binary.tar.gz").toString()), m);
        assertTrue(m.contains("https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz"), m);
        assertTrue(m.contains("MD5 c32a1d4ab5d03f1284b67883e8d87530"), m);
        assertTrue(m.contains("cifar-10-batches-bin/"), m);
    }

    record Entry(String name, byte[] bytes) {
    }

    /** A gzipped tar like the distributed one (fast compression: the test is about layout, not size). */
    static void writeTarGz(Path file, List<Entry> entries) throws IOException {
        try (OutputStream out = Files.newOutputStream(file);
             GZIPOutputStream gz = new GZIPOutputStream(out, 1 << 16) {
                 {
                     def.setLevel(Deflater.BEST_SPEED);
                 }
             };
             TarArchiveOutputStream tar = new TarArchiveOutputStream(gz)) {
            for (Entry entry : entries) {
                TarArchiveEntry header = new TarArchiveEntry(entry.name());
                header.setSize(entry.bytes().length);
                tar.putArchiveEntry(header);
                tar.write(entry.bytes());
                tar.closeArchiveEntry();
            }
        }
    }
}
