package dev.ingot.data;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * Reads the binary version of CIFAR-10 (Krizhevsky 2009; https://www.cs.toronto.edu/~kriz/cifar.html).
 * A batch file is 10000 records without a header; a record is 1 label byte (0..9) and 3072 pixel
 * bytes: the 32x32 red plane, then green, then blue, each row-major. That is already CHW, so a
 * record's pixels land in the NCHW image array unchanged.
 *
 * <p>Three layouts are read: the batch files in a folder, plain or gzipped ({@code data_batch_1.bin}
 * or {@code data_batch_1.bin.gz}); the same inside {@code cifar-10-batches-bin/}; and the
 * distributed {@code cifar-10-binary.tar.gz}, streamed through Commons Compress without extracting
 * anything to disk.
 */
final class Cifar10Reader {
    static final int CHANNELS = 3;
    static final int SIDE = 32;
    static final int PIXEL_BYTES = CHANNELS * SIDE * SIDE;
    static final int RECORD_BYTES = 1 + PIXEL_BYTES;
    static final int RECORDS_PER_FILE = 10_000;
    static final int CLASS_COUNT = 10;
    static final List<String> TRAIN_FILES =
            List.of("data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin");
    static final List<String> TEST_FILES = List.of("test_batch.bin");
    static final String META_FILE = "batches.meta.txt";
    static final String TARBALL = "cifar-10-binary.tar.gz";
    static final String EXTRACTED_FOLDER = "cifar-10-batches-bin";
    /** The names in the distributed batches.meta.txt, used when a folder lacks that file. */
    static final List<String> CLASSES =
            List.of("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck");

    /** Records converted per read: ~300 KB, a few stream calls per file. */
    private static final int CHUNK_RECORDS = 100;

    private Cifar10Reader() {
    }

    static List<String> filesOf(Split split) {
        return split == Split.TRAIN ? TRAIN_FILES : TEST_FILES;
    }

    /** Whether {@code folder} holds every batch file of {@code split}, plain or gzipped. */
    static boolean holdsBatches(Path folder, Split split) {
        return filesOf(split).stream().allMatch(name -> DatasetInput.find(folder, name) != null);
    }

    /** Reads a split from batch files in {@code folder} (see {@link #holdsBatches}). */
    static Dataset readFolder(Path folder, Split split) {
        List<String> names = filesOf(split);
        byte[] images = new byte[names.size() * RECORDS_PER_FILE * PIXEL_BYTES];
        int[] labels = new int[names.size() * RECORDS_PER_FILE];
        for (int f = 0; f < names.size(); f++) {
            Path file = DatasetInput.find(folder, names.get(f));
            if (file == null) {
                throw new IllegalStateException("CIFAR-10 batch file " + folder.resolve(names.get(f)) + "[.gz] is missing");
            }
            try (DatasetInput in = DatasetInput.open(file)) {
                readBatch(in, RECORDS_PER_FILE, images, labels, f * RECORDS_PER_FILE);
            }
        }
        Path meta = DatasetInput.find(folder, META_FILE);
        List<String> classes = CLASSES;
        if (meta != null) {
            try (DatasetInput in = DatasetInput.open(meta)) {
                classes = readClassNames(in);
            }
        }
        return Dataset.ofPixels("cifar10-" + split.label(), CHANNELS, SIDE, SIDE, images, labels, classes);
    }

    /** Reads a split from the distributed tarball, streaming it once. */
    static Dataset readTarball(Path tarball, Split split) {
        List<String> names = filesOf(split);
        byte[] images = new byte[names.size() * RECORDS_PER_FILE * PIXEL_BYTES];
        int[] labels = new int[names.size() * RECORDS_PER_FILE];
        boolean[] found = new boolean[names.size()];
        List<String> classes = CLASSES;
        String archive = tarball.toString();
        try (InputStream file = new BufferedInputStream(Files.newInputStream(tarball), 1 << 16)) {
            GZIPInputStream gunzip;
            try {
                gunzip = new GZIPInputStream(file, 1 << 16);
            } catch (IOException e) {
                throw new CorruptDatasetException(archive, 0, "of the file",
                        "not a gzip-compressed tar archive (" + e.getMessage() + "); expected the gzip magic bytes 1f 8b", e);
            }
            TarArchiveInputStream tar = new TarArchiveInputStream(gunzip);
            while (true) {
                TarArchiveEntry entry;
                try {
                    entry = tar.getNextEntry();
                } catch (IOException e) {
                    throw new CorruptDatasetException(archive, tar.getBytesRead(), "of the decompressed tar stream",
                            "cannot read the next tar entry header: " + e, e);
                }
                if (entry == null) {
                    break;
                }
                String base = baseName(entry.getName());
                String described = archive + "!" + entry.getName();
                int index = names.indexOf(base);
                if (entry.isFile() && index >= 0) {
                    long expected = (long) RECORDS_PER_FILE * RECORD_BYTES;
                    if (entry.getSize() != expected) {
                        throw new CorruptDatasetException(described, 0, "of the tar entry", "the tar header says the entry has "
                                + entry.getSize() + " bytes, expected " + expected + " (" + RECORDS_PER_FILE
                                + " records of " + RECORD_BYTES + " bytes)", null);
                    }
                    try (DatasetInput in = DatasetInput.borrow(tar, described, "of the tar entry")) {
                        readBatch(in, RECORDS_PER_FILE, images, labels, index * RECORDS_PER_FILE);
                    }
                    found[index] = true;
                } else if (entry.isFile() && base.equals(META_FILE)) {
                    try (DatasetInput in = DatasetInput.borrow(tar, described, "of the tar entry")) {
                        classes = readClassNames(in);
                    }
                }
            }
            for (int f = 0; f < names.size(); f++) {
                if (!found[f]) {
                    throw new CorruptDatasetException(archive, tar.getBytesRead(), "of the decompressed tar stream",
                            "the archive ends without an entry " + EXTRACTED_FOLDER + "/" + names.get(f)
                                    + ", which the " + split.label() + " split needs", null);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + archive + ": " + e, e);
        }
        return Dataset.ofPixels("cifar10-" + split.label(), CHANNELS, SIDE, SIDE, images, labels, classes);
    }

    /**
     * Reads {@code records} records into {@code images}/{@code labels} from record index
     * {@code first} on, and checks that the data ends exactly after them.
     */
    static void readBatch(DatasetInput in, int records, byte[] images, int[] labels, int first) {
        long expectedBytes = (long) records * RECORD_BYTES;
        in.expect(expectedBytes + " bytes in all (" + records + " records of " + RECORD_BYTES + " bytes)",
                at -> " (in record " + at / RECORD_BYTES + " of " + records + ")");
        byte[] chunk = new byte[CHUNK_RECORDS * RECORD_BYTES];
        for (int r0 = 0; r0 < records; r0 += CHUNK_RECORDS) {
            int n = Math.min(CHUNK_RECORDS, records - r0);
            long chunkStart = in.offset();
            int got = in.read(chunk, n * RECORD_BYTES);
            if (got < n * RECORD_BYTES) {
                long end = chunkStart + got;
                long record = end / RECORD_BYTES;
                String what = end % RECORD_BYTES == 0
                        ? "the data ends after record " + (record - 1) + "; expected " + records + " records"
                        : "record " + record + " of " + records + " is truncated (" + (end % RECORD_BYTES) + " of its "
                          + RECORD_BYTES + " bytes are there)";
                throw in.corrupt(end, what + "; expected " + expectedBytes + " bytes in all (" + records + " records of "
                        + RECORD_BYTES + " bytes: 1 label + " + PIXEL_BYTES + " pixels)");
            }
            for (int i = 0; i < n; i++) {
                int record = r0 + i;
                int label = chunk[i * RECORD_BYTES] & 0xFF;
                if (label >= CLASS_COUNT) {
                    throw in.corrupt(chunkStart + (long) i * RECORD_BYTES, "record " + record + " has label " + label
                            + ", expected 0.." + (CLASS_COUNT - 1));
                }
                labels[first + record] = label;
                System.arraycopy(chunk, i * RECORD_BYTES + 1, images, (first + record) * PIXEL_BYTES, PIXEL_BYTES);
            }
        }
        in.expectEnd("expected exactly " + expectedBytes + " bytes (" + records + " records of " + RECORD_BYTES + " bytes)");
    }

    /** The class names of {@code batches.meta.txt}: one per line, blank lines ignored, exactly ten. */
    static List<String> readClassNames(DatasetInput in) {
        byte[] bytes = new byte[4096];
        int n = in.read(bytes, bytes.length);
        if (n == bytes.length) {
            throw in.corrupt(n, "the class-name file is longer than " + bytes.length + " bytes; expected "
                    + CLASS_COUNT + " short lines");
        }
        List<String> names = new ArrayList<>();
        for (String line : new String(bytes, 0, n, StandardCharsets.UTF_8).split("\r?\n")) {
            if (!line.isBlank()) {
                names.add(line.strip());
            }
        }
        if (names.size() != CLASS_COUNT) {
            throw in.corrupt(0, "found " + names.size() + " class names " + names + ", expected " + CLASS_COUNT
                    + ", one per line");
        }
        return List.copyOf(names);
    }

    private static String baseName(String entryName) {
        int slash = entryName.lastIndexOf('/');
        return slash < 0 ? entryName : entryName.substring(slash + 1);
    }
}
