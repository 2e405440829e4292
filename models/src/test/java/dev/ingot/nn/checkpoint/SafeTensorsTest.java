package dev.ingot.nn.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ingot.core.Backend;
import dev.ingot.core.Shape;
import dev.ingot.core.Tensor;
import dev.ingot.nn.TestBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The safetensors file format: layout, round trip, corruption detection and atomic replacement. */
class SafeTensorsTest {
    private static final Backend backend = TestBackend.shared();

    private static float[] values(int n, float start) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = start + i * 0.25f;
        }
        return v;
    }

    /** Two tensors: "a" (2, 3) and "b" (5), plus metadata. */
    private static Path writeSample(Path file) throws IOException {
        Map<String, StoredTensor> tensors = new LinkedHashMap<>();
        tensors.put("a", new StoredTensor(Shape.of(2, 3), values(6, -1)));
        tensors.put("b", new StoredTensor(Shape.of(5), values(5, 10)));
        SafeTensors.writeStored(file, Map.of("note", "hello"), tensors);
        return file;
    }

    @Test
    void writesTheSafetensorsLayout(@TempDir Path dir) throws IOException {
        byte[] bytes = Files.readAllBytes(writeSample(dir.resolve("s.safetensors")));
        long n = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, (8 + n) % 8, "data starts 8-byte aligned");
        JsonNode header = new ObjectMapper().readTree(new String(bytes, 8, (int) n, StandardCharsets.UTF_8).trim());
        assertEquals("hello", header.get("__metadata__").get("note").asText());
        assertEquals("F32", header.get("a").get("dtype").asText());
        assertEquals("[2,3]", header.get("a").get("shape").toString());
        assertEquals("[0,24]", header.get("a").get("data_offsets").toString());
        assertEquals("[24,44]", header.get("b").get("data_offsets").toString());
        assertEquals(8 + n + 44, bytes.length);
        float first = ByteBuffer.wrap(bytes, (int) (8 + n), 4).order(ByteOrder.LITTLE_ENDIAN).getFloat();
        assertEquals(-1f, first, "little-endian float32 data in header order");
    }

    @Test
    void roundTripsBackendTensors(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("t.safetensors");
        float[] odd = {Float.MIN_VALUE, -0f, Float.MAX_VALUE, Float.NaN, 1e-30f, 3.14159f, -7f};
        try (Tensor a = backend.fromHost(Shape.of(7), odd); Tensor s = backend.fromHost(Shape.scalar(), new float[] {42})) {
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            tensors.put("odd", a);
            tensors.put("scalar", s);
            SafeTensors.write(file, Map.of("k", "v \"quoted\" ü"), tensors);
        }
        SafeTensors.Contents c = SafeTensors.read(file);
        assertEquals(List.of("odd", "scalar"), List.copyOf(c.tensors().keySet()));
        assertArrayEquals(odd, c.tensor("odd").values(), "bit-exact, NaN and -0 included");
        assertEquals(Shape.scalar(), c.tensor("scalar").shape());
        assertEquals("v \"quoted\" ü", c.metadata().get("k"));
        assertTrue(!c.metadata().containsKey(SafeTensors.CRC_KEY), "our CRC list is consumed by the reader");
    }

    @Test
    void readsAFileWithoutOurChecksums(@TempDir Path dir) throws IOException {
        // As the Python safetensors package would write it: no ingot.crc32, no metadata at all.
        String json = "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";
        Path file = dir.resolve("py.safetensors");
        Files.write(file, fileBytes(json, new float[] {1.5f, -2f}));
        assertArrayEquals(new float[] {1.5f, -2f}, SafeTensors.read(file).tensor("w").values());
    }

    private static byte[] fileBytes(String json, float[] data) {
        byte[] h = json.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        for (float f : data) {
            b.putFloat(f);
        }
        return b.array();
    }

    private static CorruptCheckpointException corrupt(Path file) {
        return assertThrows(CorruptCheckpointException.class, () -> SafeTensors.read(file));
    }

    @Test
    void truncatedFileNamesFileAndOffset(@TempDir Path dir) throws IOException {
        Path file = writeSample(dir.resolve("s.safetensors"));
        byte[] bytes = Files.readAllBytes(file);
        Files.write(file, Arrays.copyOf(bytes, bytes.length - 3));
        CorruptCheckpointException e = corrupt(file);
        assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("tensor 'b'") && e.getMessage().contains("truncated"), e.getMessage());
        assertEquals(bytes.length - 3, e.offset());

        Files.write(file, Arrays.copyOf(bytes, 5));
        assertTrue(corrupt(file).getMessage().contains("8-byte header length"));
    }

    @Test
    void impossibleHeaderLength(@TempDir Path dir) throws IOException {
        Path file = writeSample(dir.resolve("s.safetensors"));
        byte[] bytes = Files.readAllBytes(file);
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong(0, bytes.length);
        Files.write(file, bytes);
        CorruptCheckpointException e = corrupt(file);
        assertEquals(0, e.offset());
        assertTrue(e.getMessage().contains("header length"), e.getMessage());
    }

    @Test
    void brokenJsonNamesTheByteWhereParsingFailed(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("bad.safetensors");
        String json = "{\"w\":{\"dtype\":\"F32\",\"shape\":[2] \"data_offsets\":[0,8]}}";
        Files.write(file, fileBytes(json, new float[2]));
        CorruptCheckpointException e = corrupt(file);
        assertEquals(8 + json.indexOf(" \"data_offsets") + 1, e.offset(), e.getMessage());
        assertTrue(e.getMessage().contains("does not parse"), e.getMessage());
    }

    @Test
    void inconsistentHeaders(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("bad.safetensors");
        Files.write(file, fileBytes("{\"w\":{\"dtype\":\"F64\",\"shape\":[2],\"data_offsets\":[0,4]}}", new float[1]));
        assertTrue(corrupt(file).getMessage().contains("dtype F64"));
        Files.write(file, fileBytes("{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", new float[2]));
        assertTrue(corrupt(file).getMessage().contains("needs 12 bytes"));
        Files.write(file, fileBytes("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", new float[3]));
        CorruptCheckpointException e = corrupt(file);
        assertTrue(e.getMessage().contains("tensor 'b' starts at data offset 4, expected 8"), e.getMessage());
        Files.write(file, fileBytes("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", new float[2]));
        assertTrue(corrupt(file).getMessage().contains("describes 4 data bytes but the file holds 8"));
        Files.write(file, fileBytes("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", new float[2]));
        assertTrue(corrupt(file).getMessage().contains("Duplicate field 'w'"));
    }

    @Test
    void flippedDataBitIsPinnedToItsTensor(@TempDir Path dir) throws IOException {
        Path file = writeSample(dir.resolve("s.safetensors"));
        byte[] bytes = Files.readAllBytes(file);
        long n = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        int at = (int) (8 + n + 24 + 5); // inside tensor "b"
        bytes[at] ^= 0x10;
        Files.write(file, bytes);
        CorruptCheckpointException e = corrupt(file);
        assertTrue(e.getMessage().contains("tensor 'b'") && e.getMessage().contains("CRC-32"), e.getMessage());
        assertEquals(8 + n + 24, e.offset(), "the offset of the tensor whose bytes are damaged");
    }

    @Test
    void failedWriteLeavesThePreviousFileAndNoTemporaryFile(@TempDir Path dir) throws IOException {
        Path file = writeSample(dir.resolve("s.safetensors"));
        byte[] before = Files.readAllBytes(file);
        Tensor good = backend.fromHost(Shape.of(1000), values(1000, 0));
        Tensor closed = backend.fromHost(Shape.of(10), values(10, 0));
        closed.close();
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put("good", good);
        tensors.put("broken", closed); // fails after "good" has been written to the temporary file
        try (good) {
            assertThrows(IllegalStateException.class, () -> SafeTensors.write(file, Map.of(), tensors));
        }
        assertArrayEquals(before, Files.readAllBytes(file), "the previous checkpoint is untouched");
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(file.getFileName().toString()), files.map(p -> p.getFileName().toString()).toList(),
                    "no temporary file is left behind");
        }
    }

    @Test
    void aCrashedWritesTemporaryFileDoesNotDisturbTheCheckpoint(@TempDir Path dir) throws IOException {
        // A process killed mid-write leaves ".s.safetensors.<random>.tmp"; the real file is intact.
        Path file = writeSample(dir.resolve("s.safetensors"));
        Files.write(dir.resolve(".s.safetensors.123.tmp"), Arrays.copyOf(Files.readAllBytes(file), 20));
        assertEquals(6, SafeTensors.read(file).tensor("a").values().length);
        writeSample(file); // and a later write still replaces the real file
        assertEquals(5, SafeTensors.read(file).tensor("b").values().length);
    }
}
