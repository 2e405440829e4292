package dev.ingot.data;

import dev.ingot.data.image.ImageDecoding;
import dev.ingot.data.image.UInt8Image;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * One split of a packed file ({@link ImagePack}) served as {@link ImageRecords}: the shards are
 * memory-mapped (the page cache holds what the OS can spare, the heap holds nothing), each record
 * is checked against its CRC32C when read, and a damaged shard is reported by file and record.
 * Owns the mappings: {@link #close()} unmaps them.
 */
public final class PackedImages implements ImageRecords, AutoCloseable {
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);

    private final String name;
    private final List<String> classes;
    private final Arena arena = Arena.ofShared();
    private final Path[] files;
    private final MemorySegment[] shards;
    private final int[] firstRecord;   // cumulative record counts, one more entry than shards
    private final long[][] offsets;
    private final int[] labels;
    /** Per shard: whether it is format 2 (a record's CRC covers its number, header and payload) or 1 (payload only). */
    private final boolean[] checksHeaders;

    private PackedImages(Path manifest, String split) {
        ImagePack.Manifest m = ImagePack.Manifest.read(manifest);
        List<Map.Entry<Path, Integer>> list = m.shards().get(split);
        if (list == null) {
            throw new IllegalArgumentException("pack " + manifest + " has no split '" + split + "' (it has "
                    + m.shards().keySet() + ")");
        }
        this.name = manifest.getFileName() + "/" + split;
        this.classes = List.copyOf(m.classes());
        files = new Path[list.size()];
        shards = new MemorySegment[list.size()];
        firstRecord = new int[list.size() + 1];
        offsets = new long[list.size()][];
        checksHeaders = new boolean[list.size()];
        try {
            for (int s = 0; s < list.size(); s++) {
                Path file = list.get(s).getKey();
                files[s] = file;
                try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                    shards[s] = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
                }
                offsets[s] = readIndex(s, list.get(s).getValue());
                firstRecord[s + 1] = firstRecord[s] + offsets[s].length;
            }
            labels = new int[firstRecord[list.size()]];
            for (int s = 0; s < shards.length; s++) {
                for (int r = 0; r < offsets[s].length; r++) {
                    int label = Short.toUnsignedInt(shards[s].get(SHORT, offsets[s][r] + 8));
                    if (label >= classes.size()) {
                        throw corrupt(s, r, offsets[s][r] + 8, "label " + label + " is outside 0.." + (classes.size() - 1));
                    }
                    labels[firstRecord[s] + r] = label;
                }
            }
        } catch (IOException e) {
            arena.close();
            throw new UncheckedIOException("cannot map pack " + manifest + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /** Opens split {@code split} (e.g. "train") of the pack whose manifest is {@code manifest}. */
    public static PackedImages open(Path manifest, String split) {
        return new PackedImages(manifest, split);
    }

    /** The split names the pack holds, in manifest order. */
    public static List<String> splits(Path manifest) {
        return List.copyOf(ImagePack.Manifest.read(manifest).shards().keySet());
    }

    private long[] readIndex(int s, int expected) {
        MemorySegment seg = shards[s];
        long size = seg.byteSize();
        long magic = size < 20 ? 0 : seg.get(LONG, 0);
        if (magic != ImagePack.SHARD_MAGIC && magic != ImagePack.SHARD_MAGIC_1) {
            throw corrupt(s, -1, 0, "not a pack shard (no INGOTPK2 or INGOTPK1 magic)");
        }
        checksHeaders[s] = magic == ImagePack.SHARD_MAGIC;
        if (seg.get(LONG, size - 8) != ImagePack.INDEX_MAGIC) {
            throw corrupt(s, -1, size - 8, "the record index is missing (no INGOTIX1 magic at the end: truncated?)");
        }
        int n = seg.get(INT, size - 12);
        if (n != expected || n < 0 || 12L + 8L * n > size - 8) {
            throw corrupt(s, -1, size - 12, "the index counts " + n + " records, the manifest " + expected);
        }
        long[] o = new long[n];
        long table = size - 12 - 8L * n;
        for (int r = 0; r < n; r++) {
            o[r] = seg.get(LONG, table + 8L * r);
            if (o[r] < 8 || o[r] + ImagePack.RECORD_HEADER > table) {
                throw corrupt(s, r, table + 8L * r, "record offset " + o[r] + " is outside the data");
            }
        }
        return o;
    }

    private CorruptDatasetException corrupt(int shard, int record, long offset, String problem) {
        return new CorruptDatasetException(files[shard].toString(), offset, "of the shard",
                (record >= 0 ? "record " + record + ": " : "") + problem, null);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int size() {
        return labels.length;
    }

    @Override
    public List<String> classes() {
        return classes;
    }

    @Override
    public int label(int index) {
        return labels[index];
    }

    private int shardOf(int index) {
        int lo = 0, hi = shards.length - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (firstRecord[mid] <= index) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return lo;
    }

    @Override
    public String source(int index) {
        int s = shardOf(index);
        return files[s] + " record " + (index - firstRecord[s]);
    }

    @Override
    public UInt8Image read(int index, int channels, int minShorterSide, ImageDecoding decoder) {
        if (index < 0 || index >= labels.length) {
            throw new IndexOutOfBoundsException("record " + index + " of '" + name + "' (" + labels.length + " records)");
        }
        int s = shardOf(index);
        int r = index - firstRecord[s];
        MemorySegment seg = shards[s];
        long at = offsets[s][r];
        int length = seg.get(INT, at);
        int crc = seg.get(INT, at + 4);
        int h = Short.toUnsignedInt(seg.get(SHORT, at + 10));
        int w = Short.toUnsignedInt(seg.get(SHORT, at + 12));
        int c = seg.get(ValueLayout.JAVA_BYTE, at + 14);
        if (length < 0 || length != (long) h * w * c || at + ImagePack.RECORD_HEADER + length > seg.byteSize()) {
            throw corrupt(s, r, at, "payload of " + length + " bytes does not match " + h + "x" + w + "x" + c);
        }
        byte[] pixels = new byte[length];
        MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, at + ImagePack.RECORD_HEADER, pixels, 0, length);
        int actual;
        if (checksHeaders[s]) {
            byte[] header = new byte[ImagePack.RECORD_HEADER];
            MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, at, header, 0, header.length);
            actual = ImagePack.recordCrc(r, header, pixels);
        } else {
            CRC32C check = new CRC32C();
            check.update(pixels);
            actual = (int) check.getValue();
        }
        if (actual != crc) {
            throw corrupt(s, r, at + ImagePack.RECORD_HEADER, String.format("CRC32C of the %d-byte payload%s is %08x,"
                    + " the record says %08x (the shard is damaged; pack the folder again)", length,
                    checksHeaders[s] ? " and its header" : "", actual, crc));
        }
        UInt8Image image = new UInt8Image(h, w, c, pixels);
        return c == channels ? image : ImageTransform.convertChannels(image, channels);
    }

    /** Unmaps the shards. */
    @Override
    public void close() {
        arena.close();
    }
}
