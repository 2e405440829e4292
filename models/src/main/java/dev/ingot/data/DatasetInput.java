package dev.ingot.data;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.LongFunction;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * The bytes of one dataset file, decompressed, read front to back with the byte offset always
 * known, so that every problem can be reported as "file F, byte offset X, expected Y".
 *
 * <p>Any {@link IOException} while reading (a truncated or damaged gzip stream, a short tar
 * entry) becomes a {@link CorruptDatasetException} at the offset reached.
 */
final class DatasetInput implements AutoCloseable {
    private static final int BUFFER_BYTES = 1 << 16;

    /** {@code k / 255f} for every byte value k: pixels scaled to [0, 1] exactly as Keras' {@code x / 255}. */
    private static final float[] UNIT_PIXELS = new float[256];

    static {
        for (int k = 0; k < 256; k++) {
            UNIT_PIXELS[k] = k / 255f;
        }
    }

    private final InputStream in;
    private final String file;
    private final String where;
    private final boolean owned;
    private long offset;
    private String expectation = "";
    private LongFunction<String> locate = at -> "";

    private DatasetInput(InputStream in, String file, String where, boolean owned) {
        this.in = in;
        this.file = file;
        this.where = where;
        this.owned = owned;
    }

    /** {@code folder/name}, else {@code folder/name.gz}, else {@code null}. */
    static Path find(Path folder, String name) {
        Path plain = folder.resolve(name);
        if (Files.isRegularFile(plain)) {
            return plain;
        }
        Path gz = folder.resolve(name + ".gz");
        return Files.isRegularFile(gz) ? gz : null;
    }

    /** Opens a plain file, or a gzip file when its name ends in {@code .gz}. */
    static DatasetInput open(Path path) {
        String file = path.toString();
        InputStream raw;
        try {
            raw = new BufferedInputStream(Files.newInputStream(path), BUFFER_BYTES);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open dataset file " + file + ": " + e, e);
        }
        if (!file.endsWith(".gz")) {
            return new DatasetInput(raw, file, "of the file", true);
        }
        try {
            return new DatasetInput(new GZIPInputStream(raw, BUFFER_BYTES), file, "of the decompressed data", true);
        } catch (IOException e) {
            closeQuietly(raw);
            String problem = e instanceof ZipException
                    ? "the name ends in .gz but the file is not gzip-compressed (" + e.getMessage()
                      + "); expected the gzip magic bytes 1f 8b"
                    : "cannot read the gzip header: " + e;
            throw new CorruptDatasetException(file, 0, "of the file", problem, e);
        }
    }

    /**
     * Reads {@code in} (already decompressed, e.g. a tar entry) without taking ownership: closing
     * the result leaves {@code in} open.
     */
    static DatasetInput borrow(InputStream in, String file, String where) {
        return new DatasetInput(in, file, where, false);
    }

    String file() {
        return file;
    }

    long offset() {
        return offset;
    }

    /**
     * Says what the whole data should be (e.g. "10008 bytes: 8-byte header + 10000 labels") and
     * which item an offset falls in (e.g. " (in record 17 of 10000)"), for reports of damaged
     * streams, which otherwise only know where they broke.
     */
    void expect(String whole, LongFunction<String> locate) {
        this.expectation = "; expected " + whole;
        this.locate = locate;
    }

    /** A corruption report at {@code at}, worded with this input's file name and offset kind. */
    CorruptDatasetException corrupt(long at, String problem) {
        return new CorruptDatasetException(file, at, where, problem, null);
    }

    /**
     * Reads up to {@code length} bytes into {@code buffer[0, length)}, stopping early only at the end
     * of the data.
     *
     * @return the number of bytes read; less than {@code length} means the data ended
     */
    int read(byte[] buffer, int length) {
        return read(buffer, 0, length);
    }

    /** {@link #read(byte[], int)} into {@code buffer[from, from + length)}. */
    int read(byte[] buffer, int from, int length) {
        int total = 0;
        try {
            while (total < length) {
                int n = in.read(buffer, from + total, length - total);
                if (n < 0) {
                    break;
                }
                total += n;
                offset += n;
            }
        } catch (IOException e) {
            throw new CorruptDatasetException(file, offset, where, "the data is truncated or damaged here" + locate.apply(offset) + " (" + e + ")"
                    + expectation, e);
        }
        return total;
    }

    /** Reads a big-endian unsigned 32-bit integer; a value above 2^31-1 is reported as corrupt. */
    int readInt(String what) {
        byte[] b = new byte[4];
        long at = offset;
        int n = read(b, 4);
        if (n < 4) {
            throw corrupt(at + n, "the data ends while reading the " + what + " (a 4-byte big-endian integer at offset "
                    + at + ")");
        }
        long value = ((b[0] & 0xFFL) << 24) | ((b[1] & 0xFFL) << 16) | ((b[2] & 0xFFL) << 8) | (b[3] & 0xFFL);
        if (value > Integer.MAX_VALUE) {
            throw corrupt(at, "the " + what + " is " + value + ", larger than any real dataset");
        }
        return (int) value;
    }

    /** Checks that the data ends here; {@code expectation} says what the whole file should have been. */
    void expectEnd(String expectation) {
        int extra;
        try {
            extra = in.read();
        } catch (IOException e) {
            throw new CorruptDatasetException(file, offset, where,
                    "the data is damaged after its last expected byte (" + e + ")" + expectation, e);
        }
        if (extra >= 0) {
            throw corrupt(offset, "unexpected extra data after the last expected byte; " + expectation);
        }
    }

    /** {@code dst[dstOff + i] = src[srcOff + i] / 255} for {@code i < n}, bytes read as unsigned. */
    static void toUnitRange(byte[] src, int srcOff, float[] dst, int dstOff, int n) {
        for (int i = 0; i < n; i++) {
            dst[dstOff + i] = UNIT_PIXELS[src[srcOff + i] & 0xFF];
        }
    }

    @Override
    public void close() {
        if (owned) {
            closeQuietly(in);
        }
    }

    private static void closeQuietly(InputStream s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // Nothing was written; a failing close of an input cannot lose data.
        }
    }
}
