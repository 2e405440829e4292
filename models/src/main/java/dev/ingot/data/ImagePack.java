package dev.ingot.data;

import dev.ingot.data.image.ImageDecoding;
import dev.ingot.data.image.UInt8Image;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.zip.CRC32C;

/**
 * Writes an image dataset as a packed file for fast repeated epochs (in the spirit of FFCV's
 * {@code .beton} and WebDataset's tar shards): every image decoded once, transformed to its stored
 * size, and written as raw uint8 HWC records into shards that {@link PackedImages} maps into
 * memory. An epoch then costs a memory copy per image instead of a file open and a JPEG decode.
 *
 * <h2>Layout (format 2)</h2>
 * {@code FILE} is a text manifest: {@code ingot-pack 2}, then {@code class NAME} lines in label
 * order, then {@code shard SPLIT FILE RECORDS} lines (shard files beside it, named
 * {@code FILE.SPLIT-NNNNN.shard}), then {@code crc32c XXXXXXXX}: the CRC32C of every byte before
 * that line. A shard is little-endian: the magic {@code INGOTPK2}; records of {@code u32 payload
 * length, u32 CRC32C, u16 label, u16 height, u16 width, u8 channels, u8 0 (raw)} then the
 * payload; then the record offsets ({@code u64} each), their count ({@code u32}) and the magic
 * {@code INGOTIX1}. A record's CRC32C covers its number within the shard ({@code u32}), the
 * header bytes after the CRC and the payload, so a damaged label or size, or an index offset that
 * points at another record, fails the check like a damaged pixel; every record is checked when
 * read, and a mismatch names the shard and the record.
 *
 * <p>Format 1 (manifest {@code ingot-pack 1} without the checksum line, shards {@code INGOTPK1}
 * whose CRC covers the payload only) is still read. Neither format-1 reader accepts a format-2
 * file: the checksum line is an unexpected line to it, and a format-2 record fails a payload-only
 * CRC, so damage to a version number cannot switch a check off.
 */
public final class ImagePack {
    static final String MANIFEST_MAGIC = "ingot-pack 2";
    static final String MANIFEST_MAGIC_1 = "ingot-pack 1";
    static final String MANIFEST_CHECKSUM = "crc32c ";
    static final long SHARD_MAGIC = 0x324b_5054_4f47_4e49L;   // "INGOTPK2" little-endian
    static final long SHARD_MAGIC_1 = 0x314b_5054_4f47_4e49L; // "INGOTPK1"
    static final long INDEX_MAGIC = 0x3158_4954_4f47_4e49L;   // "INGOTIX1"
    static final int RECORD_HEADER = 16;

    private ImagePack() {
    }

    /**
     * Packs {@code splits} (name to records, e.g. train and test) into {@code manifest} and its
     * shards, each image decoded to {@code channels} channels and passed through {@code transforms}
     * (use {@code resize:N,center-crop:N} for one stored size, or none to keep each image's size).
     *
     * @param shardBytes a shard is closed once it holds this many bytes
     * @return the number of records written
     */
    public static long write(Map<String, ImageRecords> splits, Path manifest, int channels, ImageTransforms transforms,
                             long shardBytes, Consumer<String> progress) throws IOException {
        List<String> classes = null;
        for (ImageRecords r : splits.values()) {
            if (classes == null) {
                classes = r.classes();
            } else if (!classes.equals(r.classes())) {
                throw new IllegalArgumentException("pack: the splits have different classes: " + classes + " and "
                        + r.classes());
            }
        }
        if (classes == null) {
            throw new IllegalArgumentException("pack: nothing to pack");
        }
        StringBuilder text = new StringBuilder(MANIFEST_MAGIC).append('\n');
        for (String c : classes) {
            if (c.contains("\n")) {
                throw new IllegalArgumentException("pack: class name with a line break: " + c);
            }
            text.append("class ").append(c).append('\n');
        }
        long total = 0;
        String base = manifest.getFileName().toString();
        Path dir = manifest.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        try (ImageDecoding decoder = ImageDecoding.open()) {
            for (Map.Entry<String, ImageRecords> split : splits.entrySet()) {
                ImageRecords records = split.getValue();
                int shard = 0;
                int i = 0;
                while (i < records.size()) {
                    String shardName = base + "." + split.getKey() + "-" + String.format("%05d", shard) + ".shard";
                    Path tmp = dir.resolve(shardName + ".tmp");
                    List<Long> offsets = new ArrayList<>();
                    long position = 8;
                    try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 20)) {
                        out.write(le64(SHARD_MAGIC));
                        while (i < records.size() && (offsets.isEmpty() || position < shardBytes)) {
                            UInt8Image image = transforms.apply(records.read(i, channels, transforms.decodeHint(), decoder),
                                    SplitMix64.of(0, ImageLoader.TRANSFORM_PURPOSE, 0, i));
                            byte[] payload = image.pixels();
                            ByteBuffer header = ByteBuffer.allocate(RECORD_HEADER).order(ByteOrder.LITTLE_ENDIAN);
                            header.putInt(payload.length).putInt(0).putShort((short) records.label(i))
                                    .putShort((short) image.height()).putShort((short) image.width())
                                    .put((byte) image.channels()).put((byte) 0);
                            header.putInt(4, recordCrc(offsets.size(), header.array(), payload));
                            offsets.add(position);
                            out.write(header.array());
                            out.write(payload);
                            position += RECORD_HEADER + payload.length;
                            i++;
                            if (i % 5000 == 0) {
                                progress.accept(split.getKey() + ": " + i + " / " + records.size() + " images packed");
                            }
                        }
                        ByteBuffer index = ByteBuffer.allocate(offsets.size() * 8 + 12).order(ByteOrder.LITTLE_ENDIAN);
                        for (long o : offsets) {
                            index.putLong(o);
                        }
                        index.putInt(offsets.size()).putLong(INDEX_MAGIC);
                        out.write(index.array());
                    }
                    Files.move(tmp, dir.resolve(shardName), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                    text.append("shard ").append(split.getKey()).append(' ').append(shardName).append(' ')
                            .append(offsets.size()).append('\n');
                    total += offsets.size();
                    shard++;
                }
            }
        }
        CRC32C manifestCrc = new CRC32C();
        manifestCrc.update(text.toString().getBytes(StandardCharsets.UTF_8));
        text.append(MANIFEST_CHECKSUM).append(String.format("%08x", manifestCrc.getValue())).append('\n');
        Path tmp = dir.resolve(base + ".tmp");
        Files.writeString(tmp, text, StandardCharsets.UTF_8);
        Files.move(tmp, manifest.toAbsolutePath(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return total;
    }

    /**
     * A format-2 record's CRC32C: its number within the shard, the header after the CRC field
     * (label, height, width, channels, flags) and the payload.
     */
    static int recordCrc(int recordInShard, byte[] header, byte[] payload) {
        CRC32C crc = new CRC32C();
        crc.update(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(recordInShard).array());
        crc.update(header, 8, RECORD_HEADER - 8);
        crc.update(payload);
        return (int) crc.getValue();
    }

    /** Whether {@code file} is a pack manifest (starts with {@code ingot-pack }, any version). */
    public static boolean isPack(Path file) {
        if (!Files.isRegularFile(file)) {
            return false;
        }
        try (var in = Files.newInputStream(file)) {
            byte[] head = in.readNBytes(MANIFEST_MAGIC.length() - 1);
            return new String(head, StandardCharsets.UTF_8).equals(MANIFEST_MAGIC.substring(0, MANIFEST_MAGIC.length() - 1));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * The manifest's classes and shards, and its format (1 or 2). Errors name the manifest and the
     * byte offset of the line at fault.
     */
    record Manifest(int format, List<String> classes, Map<String, List<Map.Entry<Path, Integer>>> shards) {
        static Manifest read(Path file) {
            byte[] bytes;
            try {
                bytes = Files.readAllBytes(file);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read pack " + file + ": " + e.getMessage(), e);
            }
            String name = file.toString();
            // Lines with the byte offset each starts at.
            List<String> lines = new ArrayList<>();
            List<Integer> starts = new ArrayList<>();
            for (int at = 0; at < bytes.length; ) {
                int end = at;
                while (end < bytes.length && bytes[end] != '\n') {
                    end++;
                }
                lines.add(new String(bytes, at, end - at, StandardCharsets.UTF_8));
                starts.add(at);
                at = end + 1;
            }
            int format = lines.isEmpty() ? 0 : lines.getFirst().equals(MANIFEST_MAGIC) ? 2
                    : lines.getFirst().equals(MANIFEST_MAGIC_1) ? 1 : 0;
            if (format == 0) {
                throw new CorruptDatasetException(name, 0, "of the manifest", "expected '" + MANIFEST_MAGIC + "' (or '"
                        + MANIFEST_MAGIC_1 + "') on the first line", null);
            }
            int body = lines.size();
            if (format == 2) {
                int last = lines.size() - 1;
                String expected = null;
                if (last > 0 && lines.get(last).startsWith(MANIFEST_CHECKSUM)) {
                    CRC32C crc = new CRC32C();
                    crc.update(bytes, 0, starts.get(last));
                    expected = String.format("%08x", crc.getValue());
                }
                boolean wholeLine = last > 0 && starts.get(last) + lines.get(last).length() + 1 == bytes.length;
                if (expected == null || !wholeLine || !lines.get(last).equals(MANIFEST_CHECKSUM + expected)) {
                    long at = last > 0 ? starts.get(last) : 0;
                    throw new CorruptDatasetException(name, at, "of the manifest", expected == null
                            ? "expected the last line to be '" + MANIFEST_CHECKSUM + "XXXXXXXX' followed by a line break"
                            : "the manifest's CRC32C is " + expected + ", its last line says '" + lines.get(last)
                            + "' (the manifest is damaged; pack the folder again)", null);
                }
                body = last;
            }
            List<String> classes = new ArrayList<>();
            Map<String, List<Map.Entry<Path, Integer>>> shards = new LinkedHashMap<>();
            Path dir = file.toAbsolutePath().getParent();
            for (int n = 1; n < body; n++) {
                String line = lines.get(n);
                long at = starts.get(n);
                if (line.startsWith("class ")) {
                    classes.add(line.substring(6));
                } else if (line.startsWith("shard ")) {
                    String[] p = line.split(" ");
                    int records = -1;
                    Path shard = null;
                    if (p.length == 4) {
                        try {
                            records = Integer.parseInt(p[3]);
                            shard = dir.resolve(p[2]);
                        } catch (NumberFormatException | java.nio.file.InvalidPathException e) {
                            records = -1;
                        }
                    }
                    if (records < 0 || shard == null || !shard.getParent().equals(dir)) {
                        throw new CorruptDatasetException(name, at, "of the manifest", "line " + (n + 1)
                                + ": expected 'shard SPLIT FILE RECORDS' with a file beside the manifest, got '" + line + "'",
                                null);
                    }
                    shards.computeIfAbsent(p[1], k -> new ArrayList<>()).add(Map.entry(shard, records));
                } else if (!line.isBlank()) {
                    throw new CorruptDatasetException(name, at, "of the manifest", "line " + (n + 1) + ": unexpected line '"
                            + line + "'", null);
                }
            }
            return new Manifest(format, classes, shards);
        }
    }

    private static byte[] le64(long v) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array();
    }
}
