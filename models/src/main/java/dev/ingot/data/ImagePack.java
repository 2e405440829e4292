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
 * <h2>Layout</h2>
 * {@code FILE} is a text manifest: {@code ingot-pack 1}, then {@code class NAME} lines in label
 * order, then {@code shard SPLIT FILE RECORDS} lines (shard files beside it, named
 * {@code FILE.SPLIT-NNNNN.shard}). A shard is little-endian: the magic {@code INGOTPK1}; records
 * of {@code u32 payload length, u32 CRC32C of the payload, u16 label, u16 height, u16 width,
 * u8 channels, u8 0 (raw)} then the payload; then the record offsets ({@code u64} each), their
 * count ({@code u32}) and the magic {@code INGOTIX1}. Every record is checked against its CRC32C
 * when read; a mismatch names the shard and the record.
 */
public final class ImagePack {
    static final String MANIFEST_MAGIC = "ingot-pack 1";
    static final long SHARD_MAGIC = 0x314b_5054_4f47_4e49L;   // "INGOTPK1" little-endian
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
                            CRC32C crc = new CRC32C();
                            crc.update(payload);
                            ByteBuffer header = ByteBuffer.allocate(RECORD_HEADER).order(ByteOrder.LITTLE_ENDIAN);
                            header.putInt(payload.length).putInt((int) crc.getValue()).putShort((short) records.label(i))
                                    .putShort((short) image.height()).putShort((short) image.width())
                                    .put((byte) image.channels()).put((byte) 0);
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
        Path tmp = dir.resolve(base + ".tmp");
        Files.writeString(tmp, text, StandardCharsets.UTF_8);
        Files.move(tmp, manifest.toAbsolutePath(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return total;
    }

    /** Whether {@code file} is a pack manifest (starts with {@code ingot-pack 1}). */
    public static boolean isPack(Path file) {
        if (!Files.isRegularFile(file)) {
            return false;
        }
        try (var in = Files.newInputStream(file)) {
            byte[] head = in.readNBytes(MANIFEST_MAGIC.length());
            return new String(head, StandardCharsets.UTF_8).equals(MANIFEST_MAGIC);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** The manifest's classes and shards. */
    record Manifest(List<String> classes, Map<String, List<Map.Entry<Path, Integer>>> shards) {
        static Manifest read(Path file) {
            List<String> lines;
            try {
                lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read pack " + file + ": " + e.getMessage(), e);
            }
            if (lines.isEmpty() || !lines.getFirst().equals(MANIFEST_MAGIC)) {
                throw new CorruptDatasetException(file.toString(), 0, "of the manifest", "expected '" + MANIFEST_MAGIC
                        + "' on the first line", null);
            }
            List<String> classes = new ArrayList<>();
            Map<String, List<Map.Entry<Path, Integer>>> shards = new LinkedHashMap<>();
            Path dir = file.toAbsolutePath().getParent();
            for (int n = 1; n < lines.size(); n++) {
                String line = lines.get(n);
                if (line.startsWith("class ")) {
                    classes.add(line.substring(6));
                } else if (line.startsWith("shard ")) {
                    String[] p = line.split(" ");
                    if (p.length != 4) {
                        throw new CorruptDatasetException(file.toString(), n + 1, "(line number)",
                                "expected 'shard SPLIT FILE RECORDS', got '" + line + "'", null);
                    }
                    shards.computeIfAbsent(p[1], k -> new ArrayList<>()).add(Map.entry(dir.resolve(p[2]),
                            Integer.parseInt(p[3])));
                } else if (!line.isBlank()) {
                    throw new CorruptDatasetException(file.toString(), n + 1, "(line number)", "unexpected line '" + line
                            + "'", null);
                }
            }
            return new Manifest(classes, shards);
        }
    }

    private static byte[] le64(long v) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array();
    }
}
