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
 * We add one metadata entry, {@code ingot.crc32}: the CRC-32 of each tensor's bytes in header order,
 * as hex numbers separated by commas, so that a flipped bit in the data is caught on reading and
 * pinned to a tensor. Files without it (written by other programs) are read without that check.
 */
public final class SafeTensors {
    /** The metadata key of the per-tensor CRC-32 list. */
    public static final String CRC_KEY = "ingot.crc32";
    private static final String METADATA = "__metadata__";
    /** Larger headers are refused (the Rust reference implementation's limit is 100 MB as well). */
    private static final long MAX_HEADER = 100L << 20;
    /** Duplicate keys are an error, as in the reference implementation (Jackson would keep the last). */
    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

    private SafeTensors() {
    }

    /** What a file holds: its metadata and its tensors, in file order. */
    public record Contents(Map<String, String> metadata, Map<String, StoredTensor> tensors) {
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
        if (metadata.containsKey(CRC_KEY)) {
            throw new IllegalArgumentException("metadata key '" + CRC_KEY + "' is reserved");
        }
        Path target = file.toAbsolutePath();
        Path dir = target.getParent();
        Files.createDirectories(dir);
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
                head.putLong(finalHeader.length).put(finalHeader).flip();
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
                    readMetadata(file, v, metadata);
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
            return new Contents(metadata, tensors);
        }
    }

    private static void readMetadata(Path file, JsonNode v, Map<String, String> metadata) {
        if (!v.isObject()) {
            throw new CorruptCheckpointException(file, 8, "\"" + METADATA + "\" is not a JSON object of strings");
        }
        for (Map.Entry<String, JsonNode> m : v.properties()) {
            if (!m.getValue().isTextual()) {
                throw new CorruptCheckpointException(file, 8, "\"" + METADATA + "\" entry '" + m.getKey()
                        + "' is not a string: " + m.getValue());
            }
            metadata.put(m.getKey(), m.getValue().asText());
        }
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
