package dev.ingot.nn.checkpoint;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ingot.core.Shape;
import dev.ingot.core.Tensor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;

/**
 * Reads and writes the safetensors format: writes float32 tensors; reads F32, and also F16, BF16
 * (widened exactly to float32) and I64 (PyTorch's BatchNorm {@code num_batches_tracked}; values
 * beyond 2^24 are refused rather than rounded) so that PyTorch state dicts can be imported.
 *
 * <pre>
 *   bytes 0..7          N, the header length, unsigned 64-bit little-endian
 *   bytes 8..8+N        UTF-8 JSON: {"__metadata__": {string: string},
 *                                    "name": {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}, ...}
 *                       padded with spaces to a multiple of 8 bytes
 *   bytes 8+N..         the tensors' little-endian bytes; offsets are relative to byte 8+N,
 *                       contiguous, in header order
 * </pre>
 *
 * We add two metadata entries. {@code ingot.crc32}: the CRC-32 of each tensor's bytes in header
 * order, as hex numbers separated by commas, so that a flipped bit in the data is caught on reading
 * and pinned to a tensor. {@code ingot.header_crc32c}, always the header's first bytes
 * ({@code {"__metadata__":{"ingot.header_crc32c":"<8 hex digits>"}): the CRC-32C of bytes
 * {@code 0..8+N} (length and header) with those 8 digits read as {@code 0}, so that every byte
 * a reader restores (metadata, shapes, offsets, the data CRCs themselves) is covered.
 *
 * <p>Why this layout: a checksum found by its key could be switched off by one flipped bit in the
 * key's name (the file would then look like one without checksums). Ours sits at a fixed place,
 * and a header whose prefix does not match is accepted as unchecked only if no metadata key is
 * a near miss of either of our keys (up to two bytes changed, inserted or deleted), so no such
 * damage turns a checked file into an unchecked one. Files without the header checksum (ours before it existed, other programs') are
 * read with {@link Contents#headerChecked()} false; the data CRCs are still checked when present.
 */
public final class SafeTensors {
    /** The metadata key of the per-tensor CRC-32 list. */
    public static final String CRC_KEY = "ingot.crc32";
    /** The metadata key of the header's own CRC-32C; always the first bytes of the header. */
    public static final String HEADER_CRC_KEY = "ingot.header_crc32c";
    private static final byte[] HEADER_PREFIX = ("{\"__metadata__\":{\"" + HEADER_CRC_KEY + "\":\"")
            .getBytes(StandardCharsets.US_ASCII);
    private static final int HEADER_CRC_DIGITS = 8;
    private static final String METADATA = "__metadata__";
    /** Larger headers are refused (the Rust reference implementation's limit is 100 MB as well). */
    private static final long MAX_HEADER = 100L << 20;
    /** Duplicate keys are an error, as in the reference implementation (Jackson would keep the last). */
    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

    private SafeTensors() {
    }

    /**
     * What a file holds: its metadata and its tensors, in file order.
     *
     * @param headerChecked whether the header carried {@link #HEADER_CRC_KEY} and matched it (files
     *                      written before it existed, and other programs' files, have none)
     */
    public record Contents(Map<String, String> metadata, Map<String, StoredTensor> tensors, boolean headerChecked) {
        public Contents(Map<String, String> metadata, Map<String, StoredTensor> tensors) {
            this(metadata, tensors, false);
        }

        public Contents {
            metadata = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
            tensors = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
        }

        /** The tensor called {@code name}, or an exception naming what the file has. */
        public StoredTensor tensor(String name) {
            StoredTensor t = tensors.get(name);
            if (t == null) {
                throw new IllegalArgumentException("checkpoint has no tensor '" + name + "'; it has "
                        + tensors.keySet());
            }
            return t;
        }
    }

    /**
     * Writes {@code tensors} (float32, any backend) and {@code metadata} to {@code file}
     * atomically: into a temporary file next to it, forced to disk, then renamed over it. If this
     * throws, {@code file} is untouched and the temporary file is gone.
     */
    public static void write(Path file, Map<String, String> metadata, Map<String, Tensor> tensors) throws IOException {
        Map<String, Source> sources = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            Tensor t = e.getValue();
            if (t == null) {
                throw new IllegalArgumentException("checkpoint tensor '" + e.getKey() + "' is null");
            }
            sources.put(e.getKey(), new Source(t.shape(), t::toFloatArray));
        }
        writeSources(file, metadata, sources);
    }

    /** Like {@link #write} for host values. */
    public static void writeStored(Path file, Map<String, String> metadata, Map<String, StoredTensor> tensors)
            throws IOException {
        Map<String, Source> sources = new LinkedHashMap<>();
        for (Map.Entry<String, StoredTensor> e : tensors.entrySet()) {
            StoredTensor t = e.getValue();
            sources.put(e.getKey(), new Source(t.shape(), t::values));
        }
        writeSources(file, metadata, sources);
    }

    private record Source(Shape shape, java.util.function.Supplier<float[]> values) {
    }

    private static void writeSources(Path file, Map<String, String> metadata, Map<String, Source> tensors)
            throws IOException {
        for (String reserved : List.of(CRC_KEY, HEADER_CRC_KEY)) {
            for (String key : metadata.keySet()) {
                if (reserved.equals(key) || nearMiss(String.valueOf(key), reserved)) {
                    throw new IllegalArgumentException("metadata key '" + key + "' is reserved (too close to '"
                            + reserved + "', which a reader would take for a damaged checksum key)");
                }
            }
        }
        Path target = file.toAbsolutePath();
        Path dir = target.getParent();
        Files.createDirectories(dir);
        removeStaleTemporaryFiles(target);
        Path tmp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp");
        boolean moved = false;
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                // The header goes first but holds the CRCs of the data, which we only know after
                // reading every tensor: reserve its final length (the CRC list has a fixed width),
                // write the data, then write the header into the reserved space.
                List<String> names = new ArrayList<>(tensors.keySet());
                long[] crcs = new long[names.size()];
                byte[] header = header(metadata, tensors, crcs);
                long dataStart = 8 + header.length;
                ch.position(dataStart);
                for (int i = 0; i < names.size(); i++) {
                    Source s = tensors.get(names.get(i));
                    float[] values = s.values().get();
                    if (values.length != s.shape().size()) {
                        throw new IllegalStateException("tensor '" + names.get(i) + "' of shape " + s.shape()
                                + " produced " + values.length + " values");
                    }
                    ByteBuffer buf = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
                    buf.asFloatBuffer().put(values);
                    CRC32 crc = new CRC32();
                    crc.update(buf.duplicate());
                    crcs[i] = crc.getValue();
                    writeFully(ch, buf);
                }
                byte[] finalHeader = header(metadata, tensors, crcs);
                if (finalHeader.length != header.length) {
                    throw new IllegalStateException("safetensors header changed length while writing");
                }
                ByteBuffer head = ByteBuffer.allocate(8 + finalHeader.length).order(ByteOrder.LITTLE_ENDIAN);
                head.putLong(finalHeader.length).put(finalHeader);
                byte[] digits = String.format("%08x", headerCrc(head.array())).getBytes(StandardCharsets.US_ASCII);
                head.put(8 + HEADER_PREFIX.length, digits).rewind();
                ch.position(0);
                writeFully(ch, head);
                ch.force(true);
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("cannot replace " + target + " atomically (" + e.getMessage()
                        + "); checkpoints need a file system with atomic rename", e);
            }
            moved = true;
            syncDirectory(dir);
        } finally {
            if (!moved) {
                Files.deleteIfExists(tmp);
            }
        }
    }

    /**
     * Deletes the temporary files that writes of {@code target} killed before their rename left
     * behind ({@code .<name>.<random>.tmp}, the names {@link Files#createTempFile} gave them).
     * Two processes writing the same checkpoint at once is not supported in any case.
     */
    private static void removeStaleTemporaryFiles(Path target) throws IOException {
        String prefix = "." + target.getFileName() + ".";
        try (var stale = Files.newDirectoryStream(target.getParent(),
                p -> p.getFileName().toString().startsWith(prefix) && p.getFileName().toString().endsWith(".tmp"))) {
            for (Path p : stale) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** CRC-32C of the length and header bytes, the checksum's own 8 digits read as '0'. */
    private static long headerCrc(byte[] lengthAndHeader) {
        byte[] copy = lengthAndHeader.clone();
        java.util.Arrays.fill(copy, 8 + HEADER_PREFIX.length, 8 + HEADER_PREFIX.length + HEADER_CRC_DIGITS, (byte) '0');
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(copy);
        return crc.getValue();
    }

    private static void writeFully(FileChannel ch, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
    }

    /** Makes the rename itself durable; a no-op where directories cannot be opened (not Linux). */
    private static void syncDirectory(Path dir) {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // Best effort: the file's own contents are already on disk.
        }
    }

    private static byte[] header(Map<String, String> metadata, Map<String, Source> tensors, long[] crcs)
            throws JsonProcessingException {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode meta = root.putObject(METADATA);
        meta.put(HEADER_CRC_KEY, "0".repeat(HEADER_CRC_DIGITS)); // first: its place is fixed; filled in last
        metadata.forEach((k, v) -> {
            if (k == null || v == null) {
                throw new IllegalArgumentException("checkpoint metadata must not hold nulls: " + k + " = " + v);
            }
            meta.put(k, v);
        });
        StringBuilder crcList = new StringBuilder();
        for (long crc : crcs) {
            crcList.append(crcList.isEmpty() ? "" : ",").append(String.format("%08x", crc));
        }
        meta.put(CRC_KEY, crcList.toString());
        long offset = 0;
        for (Map.Entry<String, Source> e : tensors.entrySet()) {
            if (e.getKey().equals(METADATA)) {
                throw new IllegalArgumentException("'" + METADATA + "' cannot be a tensor name");
            }
            ObjectNode t = root.putObject(e.getKey());
            t.put("dtype", "F32");
            ArrayNode shape = t.putArray("shape");
            for (int d : e.getValue().shape().dims()) {
                shape.add(d);
            }
            long bytes = e.getValue().shape().size() * 4;
            t.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
        }
        byte[] json = JSON.writeValueAsBytes(root);
        int padded = (json.length + 7) / 8 * 8;
        byte[] out = new byte[padded];
        System.arraycopy(json, 0, out, 0, json.length);
        java.util.Arrays.fill(out, json.length, padded, (byte) ' ');
        return out;
    }

    /**
     * Reads and validates {@code file}.
     *
     * @throws CorruptCheckpointException naming the file and byte offset of the first problem
     * @throws NoSuchFileException        if there is no such file
     * @throws IOException                if it cannot be read
     */
    public static Contents read(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) {
                throw new CorruptCheckpointException(file, size, "the file has " + size
                        + " bytes; a safetensors file starts with an 8-byte header length");
            }
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0, file);
            long headerLength = lenBuf.flip().getLong();
            if (headerLength < 2 || headerLength > MAX_HEADER || headerLength > size - 8) {
                throw new CorruptCheckpointException(file, 0, "header length " + Long.toUnsignedString(headerLength)
                        + " is impossible for a file of " + size + " bytes (expected 2.." + Math.min(MAX_HEADER, size - 8)
                        + "); the file is truncated or not a safetensors file");
            }
            ByteBuffer headerBuf = ByteBuffer.allocate((int) headerLength);
            readFully(ch, headerBuf, 8, file);
            byte[] header = headerBuf.array();
            boolean headerChecked = checkHeader(file, lenBuf.array(), header);
            JsonNode root;
            try {
                root = JSON.readTree(header);
            } catch (JsonProcessingException e) {
                long at = e.getLocation() == null ? 0 : Math.max(0, e.getLocation().getByteOffset());
                throw new CorruptCheckpointException(file, 8 + at, "the JSON header does not parse: "
                        + e.getOriginalMessage(), e);
            }
            if (root == null || !root.isObject()) {
                throw new CorruptCheckpointException(file, 8, "the header is not a JSON object");
            }
            long dataStart = 8 + headerLength;
            long dataLength = size - dataStart;
            Map<String, String> metadata = new LinkedHashMap<>();
            List<String> names = new ArrayList<>();
            List<long[]> ranges = new ArrayList<>();
            List<Shape> shapes = new ArrayList<>();
            List<String> dtypes = new ArrayList<>();
            Iterator<Map.Entry<String, JsonNode>> fields = root.properties().iterator();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> f = fields.next();
                String name = f.getKey();
                JsonNode v = f.getValue();
                if (name.equals(METADATA)) {
                    readMetadata(file, v, metadata, headerChecked);
                    continue;
                }
                if (!v.isObject()) {
                    throw headerError(file, header, name, "tensor '" + name + "' is not a JSON object");
                }
                String dtype = v.path("dtype").asText(null);
                int width = StoredDtype.bytesPerValue(dtype);
                if (width == 0) {
                    throw headerError(file, header, name, "tensor '" + name + "' has dtype " + dtype
                            + "; this reader takes " + StoredDtype.READABLE);
                }
                JsonNode shapeNode = v.get("shape");
                if (shapeNode == null || !shapeNode.isArray()) {
                    throw headerError(file, header, name, "tensor '" + name + "' has no \"shape\" array");
                }
                int[] dims = new int[shapeNode.size()];
                for (int i = 0; i < dims.length; i++) {
                    JsonNode d = shapeNode.get(i);
                    if (!d.canConvertToInt() || !d.isIntegralNumber() || d.asInt() < 1) {
                        throw headerError(file, header, name, "tensor '" + name + "' has shape " + shapeNode
                                + "; every dimension must be an integer of at least 1");
                    }
                    dims[i] = d.asInt();
                }
                Shape shape = Shape.of(dims);
                JsonNode offs = v.get("data_offsets");
                if (offs == null || !offs.isArray() || offs.size() != 2 || !offs.get(0).canConvertToLong()
                        || !offs.get(1).canConvertToLong()) {
                    throw headerError(file, header, name, "tensor '" + name
                            + "' needs \"data_offsets\": [begin, end], got " + offs);
                }
                long begin = offs.get(0).asLong();
                long end = offs.get(1).asLong();
                if (end - begin != shape.size() * width || begin < 0) {
                    throw headerError(file, header, name, "tensor '" + name + "' of shape " + shape + " and dtype "
                            + dtype + " needs " + shape.size() * width + " bytes but its data_offsets [" + begin
                            + ", " + end + "] span " + (end - begin));
                }
                names.add(name);
                dtypes.add(dtype);
                ranges.add(new long[] {begin, end});
                shapes.add(shape);
            }
            // Offsets must tile the data area exactly, in file order: no gap, no overlap, no tail.
            long expected = 0;
            for (int i = 0; i < names.size(); i++) {
                long[] r = ranges.get(i);
                if (r[0] != expected) {
                    throw new CorruptCheckpointException(file, dataStart + Math.min(r[0], expected), "tensor '"
                            + names.get(i) + "' starts at data offset " + r[0] + ", expected " + expected
                            + " (tensors must follow each other in header order)");
                }
                if (r[1] > dataLength) {
                    throw new CorruptCheckpointException(file, size, "tensor '" + names.get(i) + "' ends at file byte "
                            + (dataStart + r[1]) + " but the file has only " + size + " bytes (truncated)");
                }
                expected = r[1];
            }
            if (expected != dataLength) {
                throw new CorruptCheckpointException(file, dataStart + expected, "the header describes "
                        + expected + " data bytes but the file holds " + dataLength + " after the header");
            }
            long[] crcs = crcs(file, metadata, names.size());
            Map<String, StoredTensor> tensors = new LinkedHashMap<>();
            for (int i = 0; i < names.size(); i++) {
                long[] r = ranges.get(i);
                ByteBuffer buf = ByteBuffer.allocate((int) (r[1] - r[0])).order(ByteOrder.LITTLE_ENDIAN);
                readFully(ch, buf, dataStart + r[0], file);
                buf.flip();
                if (crcs != null) {
                    CRC32 crc = new CRC32();
                    crc.update(buf.duplicate());
                    if (crc.getValue() != crcs[i]) {
                        throw new CorruptCheckpointException(file, dataStart + r[0], "the bytes of tensor '"
                                + names.get(i) + "' (file bytes " + (dataStart + r[0]) + ".." + (dataStart + r[1])
                                + ") fail their CRC-32 check: stored " + String.format("%08x", crcs[i]) + ", computed "
                                + String.format("%08x", crc.getValue()));
                    }
                }
                float[] values = StoredDtype.decode(dtypes.get(i), buf, (int) shapes.get(i).size(), file,
                        dataStart + r[0], names.get(i));
                tensors.put(names.get(i), new StoredTensor(shapes.get(i), values));
            }
            return new Contents(metadata, tensors, headerChecked);
        }
    }

    /**
     * Checks the header CRC when the header starts with it; returns whether it did. A mismatch is
     * reported at offset 0 (the checksum covers bytes 0..8+N; it cannot say which byte changed).
     */
    private static boolean checkHeader(Path file, byte[] length, byte[] header) {
        int digitsEnd = HEADER_PREFIX.length + HEADER_CRC_DIGITS;
        if (header.length <= digitsEnd
                || !java.util.Arrays.equals(header, 0, HEADER_PREFIX.length, HEADER_PREFIX, 0, HEADER_PREFIX.length)) {
            return false;
        }
        String digits = new String(header, HEADER_PREFIX.length, HEADER_CRC_DIGITS, StandardCharsets.US_ASCII);
        long stored;
        try {
            stored = digits.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))
                    ? Long.parseLong(digits, 16) : -1;
        } catch (NumberFormatException e) {
            stored = -1;
        }
        if (stored < 0 || header[digitsEnd] != '"') {
            throw new CorruptCheckpointException(file, 8 + HEADER_PREFIX.length, "metadata '" + HEADER_CRC_KEY
                    + "' is not 8 lowercase hex digits: '" + digits + "'");
        }
        byte[] whole = new byte[8 + header.length];
        System.arraycopy(length, 0, whole, 0, 8);
        System.arraycopy(header, 0, whole, 8, header.length);
        long computed = headerCrc(whole);
        if (computed != stored) {
            throw new CorruptCheckpointException(file, 0, "the header (file bytes 0.." + whole.length
                    + ") fails its CRC-32C check: stored " + digits + ", computed " + String.format("%08x", computed)
                    + "; the metadata, shapes or offsets were damaged");
        }
        return true;
    }

    /**
     * Whether {@code key} could be one of our checksum keys damaged (one to {@value #NEAR_EDITS}
     * bytes changed, inserted or deleted) without being it: a key that must not exist.
     */
    private static boolean nearMiss(String key, String ours) {
        return !key.equals(ours) && Math.abs(key.length() - ours.length()) <= NEAR_EDITS
                && editDistance(key, ours) <= NEAR_EDITS;
    }

    private static final int NEAR_EDITS = 2;

    /** Levenshtein distance of two short strings. */
    private static int editDistance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitute = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(substitute, Math.min(prev[j], cur[j - 1]) + 1);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    private static void readMetadata(Path file, JsonNode v, Map<String, String> metadata, boolean headerChecked) {
        if (!v.isObject()) {
            throw new CorruptCheckpointException(file, 8, "\"" + METADATA + "\" is not a JSON object of strings");
        }
        for (Map.Entry<String, JsonNode> m : v.properties()) {
            if (!m.getValue().isTextual()) {
                throw new CorruptCheckpointException(file, 8, "\"" + METADATA + "\" entry '" + m.getKey()
                        + "' is not a string: " + m.getValue());
            }
            String key = m.getKey();
            for (String ours : List.of(HEADER_CRC_KEY, CRC_KEY)) {
                if (nearMiss(key, ours) || (!headerChecked && key.equals(HEADER_CRC_KEY))) {
                    // A damaged name (or a header checksum out of its place) would switch a check off.
                    throw new CorruptCheckpointException(file, 8, "metadata key '" + key + "' is a damaged '"
                            + ours + "' (a checksum key that is not where it belongs)");
                }
            }
            metadata.put(key, m.getValue().asText());
        }
        metadata.remove(HEADER_CRC_KEY);
    }

    private static long[] crcs(Path file, Map<String, String> metadata, int count) {
        String list = metadata.remove(CRC_KEY);
        if (list == null) {
            return null;
        }
        String[] parts = list.isEmpty() ? new String[0] : list.split(",");
        if (parts.length != count) {
            throw new CorruptCheckpointException(file, 8, "metadata '" + CRC_KEY + "' lists " + parts.length
                    + " checksums for " + count + " tensors");
        }
        long[] out = new long[count];
        for (int i = 0; i < count; i++) {
            try {
                out[i] = Long.parseLong(parts[i], 16);
            } catch (NumberFormatException e) {
                throw new CorruptCheckpointException(file, 8, "metadata '" + CRC_KEY + "' entry " + i + " ('"
                        + parts[i] + "') is not a hex number");
            }
        }
        return out;
    }

    /** An error in the entry of tensor {@code name}, located at the entry's key in the header. */
    private static CorruptCheckpointException headerError(Path file, byte[] header, String name, String problem) {
        byte[] key = ("\"" + name + "\"").getBytes(StandardCharsets.UTF_8);
        long at = indexOf(header, key);
        return new CorruptCheckpointException(file, 8 + Math.max(0, at), problem);
    }

    private static long indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long position, Path file) throws IOException {
        long pos = position;
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos);
            if (n < 0) {
                throw new CorruptCheckpointException(file, pos, "unexpected end of file (truncated)");
            }
            pos += n;
        }
    }
}
