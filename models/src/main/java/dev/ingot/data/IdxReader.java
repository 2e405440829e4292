package dev.ingot.data;

/**
 * Reads the IDX format of MNIST and Fashion-MNIST (LeCun et al.; http://yann.lecun.com/exdb/mnist/).
 * All integers are big-endian unsigned 32-bit:
 *
 * <pre>
 * images: magic 0x00000803 (2051) | count | rows | cols | count*rows*cols pixel bytes, row-major
 * labels: magic 0x00000801 (2049) | count | count label bytes
 * </pre>
 *
 * The magic's third byte is the element type (0x08 = unsigned byte), the fourth the number of
 * dimensions. Every field, the exact length and every label is checked; a problem is reported with
 * the file and byte offset.
 */
final class IdxReader {
    static final int IMAGES_MAGIC = 0x00000803;
    static final int LABELS_MAGIC = 0x00000801;
    private static final int HEADER_IMAGES = 16;
    private static final int HEADER_LABELS = 8;
    /** Images read per stream call, so a short file is reported with the image it ends in. */
    private static final int CHUNK_IMAGES = 256;

    private IdxReader() {
    }

    /**
     * Reads an IDX3 image file into (count, 1, rows, cols) bytes, as stored (0..255 unsigned).
     *
     * @param expectedCount the number of images the file must hold, or -1 for any positive number
     */
    static byte[] readImages(DatasetInput in, int expectedCount, int rows, int cols) {
        checkMagic(in, IMAGES_MAGIC, "an IDX image file (unsigned bytes, 3 dimensions)");
        int count = readCount(in, "image count", expectedCount);
        long rowsAt = in.offset();
        int fileRows = in.readInt("row count");
        int fileCols = in.readInt("column count");
        if (fileRows != rows || fileCols != cols) {
            throw in.corrupt(rowsAt, "the images are " + fileRows + "x" + fileCols + " (rows x columns), expected "
                    + rows + "x" + cols);
        }
        int imageBytes = rows * cols;
        if ((long) count * imageBytes > Integer.MAX_VALUE - 8) {
            throw in.corrupt(4, "the image count " + count + " times " + imageBytes + " bytes per image is too large");
        }
        long totalBytes = HEADER_IMAGES + (long) count * imageBytes;
        in.expect(totalBytes + " bytes in all (" + HEADER_IMAGES + "-byte header + " + count + " images of "
                + rows + "x" + cols + " bytes)",
                at -> " (in image " + (at - HEADER_IMAGES) / imageBytes + " of " + count + ")");
        byte[] images = new byte[count * imageBytes];
        for (int first = 0; first < count; first += CHUNK_IMAGES) {
            int n = Math.min(CHUNK_IMAGES, count - first);
            int got = in.read(images, first * imageBytes, n * imageBytes);
            if (got < n * imageBytes) {
                int incomplete = first + got / imageBytes;
                throw in.corrupt(in.offset(), "the data ends early: image " + incomplete + " of " + count
                        + " is incomplete; expected " + totalBytes + " bytes in all (" + HEADER_IMAGES
                        + "-byte header + " + count + " images of " + rows + "x" + cols + " bytes)");
            }
        }
        in.expectEnd("expected exactly " + totalBytes + " bytes (" + count + " images of " + rows + "x" + cols + ")");
        return images;
    }

    /**
     * Reads an IDX1 label file.
     *
     * @param expectedCount the number of labels the file must hold, or -1 for any positive number
     * @param classes       labels must lie in {@code [0, classes)}
     */
    static int[] readLabels(DatasetInput in, int expectedCount, int classes) {
        checkMagic(in, LABELS_MAGIC, "an IDX label file (unsigned bytes, 1 dimension)");
        int count = readCount(in, "label count", expectedCount);
        long totalBytes = HEADER_LABELS + (long) count;
        in.expect(totalBytes + " bytes in all (" + HEADER_LABELS + "-byte header + " + count + " labels)",
                at -> " (at label " + (at - HEADER_LABELS) + " of " + count + ")");
        byte[] bytes = new byte[count];
        int got = in.read(bytes, count);
        if (got < count) {
            throw in.corrupt(in.offset(), "the data ends early after " + got + " of " + count
                    + " labels; expected " + totalBytes + " bytes in all");
        }
        int[] labels = new int[count];
        for (int i = 0; i < count; i++) {
            int label = bytes[i] & 0xFF;
            if (label >= classes) {
                throw in.corrupt(HEADER_LABELS + (long) i, "label " + i + " is " + label + ", expected 0.." + (classes - 1));
            }
            labels[i] = label;
        }
        in.expectEnd("expected exactly " + totalBytes + " bytes (" + count + " labels)");
        return labels;
    }

    private static void checkMagic(DatasetInput in, int expected, String what) {
        int magic = in.readInt("magic number");
        if (magic == expected) {
            return;
        }
        String found;
        if ((magic >>> 16) == 0x1f8b) {
            found = "the data looks gzip-compressed (starts with 1f 8b): give the file a .gz name";
        } else if (magic == IMAGES_MAGIC) {
            found = "that is an IDX image file";
        } else if (magic == LABELS_MAGIC) {
            found = "that is an IDX label file";
        } else if ((magic >>> 16) != 0) {
            found = "not an IDX file (an IDX magic number starts with two zero bytes)";
        } else if (((magic >>> 8) & 0xFF) != 0x08) {
            found = "IDX element type 0x" + hex2((magic >>> 8) & 0xFF) + " is not unsigned byte (0x08)";
        } else {
            found = "IDX data with " + (magic & 0xFF) + " dimensions";
        }
        throw in.corrupt(0, "magic number 0x" + String.format("%08x", magic) + " (" + magic + "): " + found
                + "; expected 0x" + String.format("%08x", expected) + " (" + expected + "), " + what);
    }

    private static int readCount(DatasetInput in, String what, int expectedCount) {
        long at = in.offset();
        int count = in.readInt(what);
        if (expectedCount >= 0 && count != expectedCount) {
            throw in.corrupt(at, "the header's " + what + " is " + count + ", expected " + expectedCount);
        }
        if (count <= 0) {
            throw in.corrupt(at, "the header's " + what + " is " + count + ", expected a positive number");
        }
        return count;
    }

    private static String hex2(int b) {
        return String.format("%02x", b);
    }
}
